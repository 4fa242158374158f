"""The simulated users of bench/bench_load.py: learners working through the course, and baseline clients.

Each user is one coroutine with its own httpx connection and cookie jar; every request is timed and counted by
kind, first in the sign-in phase, then (once all users have signed in) in the steady state until the deadline.
"""
from __future__ import annotations

import asyncio
import random
import re
import ssl
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser

import httpx

PASSWORD = "bench-learner-2026"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|data-csrf="([^"]+)"')
QUESTION_RE = re.compile(r'<fieldset class="question[^"]*" id="question-([^"]+)"')
ATTEMPT_RE = re.compile(r"/attempts/(\d+)")
HOME = "http://lms.bench"
SIGN_IN_LIMIT = 600  # seconds the sign-in phase may take at most
# One TLS context for every client (none is used on plain HTTP): building one per client costs ~20 ms of CPU, which
# stalls the event loop, and every request in flight on it, when a burst of new clients starts.
TLS_CONTEXT = ssl.create_default_context()


# ----------------------------------------------------------------------------------------------------- measuring
@dataclass
class Stats:
    """Latencies and status counts per request kind, plus what the clients believe they completed."""

    latencies: dict = field(default_factory=lambda: defaultdict(list))
    status: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    transport_errors: dict = field(default_factory=lambda: defaultdict(int))
    completions: set = field(default_factory=set)
    quizzes_passed: int = 0
    quizzes_failed: int = 0
    courses_completed: int = 0
    requests: int = 0
    started: float = 0.0
    finished: float = 0.0

    def total(self) -> int:
        """Requests answered (any status)."""
        return sum(len(v) for v in self.latencies.values())

    def server_errors(self) -> int:
        """Responses with a 5xx status."""
        return sum(n for codes in self.status.values() for code, n in codes.items() if code >= 500)


class StopLoad(Exception):
    """The deadline or the request budget is reached."""


@dataclass
class Run:
    """One load run: sign-in phase and steady-state stats, the current deadline, the request budget."""

    users: int
    duration: float
    budget: int
    timeout: float
    setup: Stats = field(default_factory=Stats)
    steady: Stats = field(default_factory=Stats)
    deadline: float = 0.0
    arrived: int = 0
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    def arrive(self) -> None:
        """One user finished signing in (or gave up); when all have, the steady state starts its clock."""
        self.arrived += 1
        if self.arrived == self.users:
            now = time.monotonic()
            self.setup.finished = self.steady.started = now
            self.deadline = now + self.duration
            self.ready.set()


class Client:
    """One simulated user: its own cookie jar and connection, every request timed and counted by kind."""

    def __init__(self, base: str, run: Run) -> None:
        """A client with one connection and no redirects followed, recording into the run's sign-in stats."""
        self.http = httpx.AsyncClient(base_url=base, follow_redirects=False, timeout=run.timeout, verify=TLS_CONTEXT,
                                      limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))
        self.run, self.stats = run, run.setup
        self.csrf = ""

    async def request(self, kind: str, method: str, url: str, expect=(200,), **kwargs) -> httpx.Response:
        """Send one request; raise StopLoad past the deadline or budget, RuntimeError on unexpected status."""
        run = self.run
        if time.monotonic() >= run.deadline or run.setup.requests + run.steady.requests >= run.budget:
            raise StopLoad
        self.stats.requests += 1
        start = time.perf_counter()
        try:
            response = await self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.stats.transport_errors[f"{kind}: {type(exc).__name__}"] += 1
            raise RuntimeError(f"{kind}: {exc!r}") from None
        self.stats.latencies[kind].append(time.perf_counter() - start)
        self.stats.status[kind][response.status_code] += 1
        if response.status_code not in expect:
            raise RuntimeError(f"{kind} {method} {url}: HTTP {response.status_code}")
        return response

    async def close(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) of values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


# ------------------------------------------------------------------------------------------------- the learner
class FormParser(HTMLParser):
    """Collects each form's action and its inputs (type, name, value) and selects (name, option values)."""

    def __init__(self) -> None:
        """Start with no forms."""
        super().__init__()
        self.forms: list[dict] = []
        self._select = None

    def handle_starttag(self, tag, attrs):
        """Record forms, inputs, selects and options."""
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "inputs": [], "selects": {}})
        elif not self.forms:
            return
        elif tag == "input":
            self.forms[-1]["inputs"].append((a.get("type", "text"), a.get("name"), a.get("value", "")))
        elif tag == "select":
            self._select = a.get("name")
            self.forms[-1]["selects"][self._select] = []
        elif tag == "option" and self._select:
            self.forms[-1]["selects"][self._select].append(a.get("value", ""))

    def handle_endtag(self, tag):
        """Close a select."""
        if tag == "select":
            self._select = None


def questionnaire_answers(html: str) -> tuple[str, dict] | None:
    """The questionnaire form's action and the first option of each question, or None if there is none."""
    parser = FormParser()
    parser.feed(html)
    for form in parser.forms:
        choices = [(t, n, v) for t, n, v in form["inputs"] if t in ("radio", "checkbox") and n]
        if not choices and not form["selects"]:
            continue
        data: dict[str, str] = {}
        for _type, name, value in form["inputs"]:
            if _type == "hidden" and name:
                data[name] = value
        for _type, name, value in choices:
            data.setdefault(name, value)
        for name, values in form["selects"].items():
            options = [v for v in values if v]
            if options:
                data[name] = options[0]
        return form["action"], data
    return None


def csrf_of(html: str) -> str:
    """The page's CSRF token."""
    match = CSRF_RE.search(html)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1) or match.group(2)


def answer_form(question, correct: bool, rng: random.Random) -> dict:
    """Form fields for one non-scenario question, right or wrong (as tests/tests_quiz_helpers.py answers)."""
    raw, name = question.raw, f"q-{question.id}"
    if question.type == "single":
        options = [o["id"] for o in raw["options"]]
        return {name: raw["answer"] if correct else rng.choice([o for o in options if o != raw["answer"]])}
    if question.type == "multiple":
        wrong = [o["id"] for o in raw["options"] if o["id"] not in raw["answer"]] or raw["answer"][:1]
        return {name: list(raw["answer"]) if correct else wrong}
    if question.type == "truefalse":
        return {name: "true" if raw["answer"] == correct else "false"}
    if question.type == "numeric":
        return {name: str(raw["answer"] if correct else raw["answer"] + 1000).replace(".", ",")}
    if question.type == "ordering":
        order = raw["answer"] if correct else list(reversed(raw["answer"]))
        return {f"{name}-{item}": str(pos) for pos, item in enumerate(order, start=1)}
    if question.type == "matching":
        cats = [c["id"] for c in raw["categories"]]
        return {f"{name}-{item}": cat if correct else next(c for c in cats if c != cat)
                for item, cat in raw["answer"].items()}
    return {}


@dataclass
class World:
    """What the learners need to know: the course, its quiz pools, the LRS credential, the scenario mix."""

    course: object
    pools: dict
    lrs_auth: tuple[str, str]
    correct_rate: float
    xapi_share: float
    think: float


async def take_quiz(client: Client, world: World, email: str, quiz_id: str, rng: random.Random) -> bool | None:
    """Start and submit one attempt (decisions step by step); returns passed, or None if not available."""
    slug = world.course.slug
    response = await client.request("quiz_start", "POST", f"/quizzes/{slug}/{quiz_id}/start", expect=(302,),
                                     data={"csrf_token": client.csrf})
    match = ATTEMPT_RE.search(response.headers.get("location", ""))
    if not match:
        return None  # not available now (waiting time after a failed final exam)
    attempt_url = f"/quizzes/{slug}/{quiz_id}/attempts/{match.group(1)}"
    page = (await client.request("quiz_attempt", "GET", attempt_url)).text
    pool = world.pools[quiz_id]
    correct = rng.random() < world.correct_rate
    form: dict = {"csrf_token": client.csrf}
    for qid in QUESTION_RE.findall(page):
        question = pool[qid]
        right = correct or rng.random() < world.correct_rate
        if question.type == "scenario":
            steps = {s["id"]: s for s in question.raw["steps"]}
            step = question.raw["start"]
            while step:
                choices = steps[step]["choices"]
                choice = max(choices, key=lambda c: c.get("points", 0)) if right else rng.choice(choices)
                await client.request("quiz_decide", "POST", f"{attempt_url}/save", expect=(302,), data={
                    "csrf_token": client.csrf, "decide": question.id, f"decision-{question.id}": choice["id"]})
                step = choice.get("next")
        else:
            form.update(answer_form(question, right, rng))
    await client.request("quiz_submit", "POST", f"{attempt_url}/submit", expect=(302,), data=form)
    feedback = (await client.request("quiz_feedback", "GET", attempt_url)).text
    passed = "result-passed" in feedback
    if passed:
        client.stats.quizzes_passed += 1
    else:
        client.stats.quizzes_failed += 1
    return passed


async def post_statement(client: Client, world: World, number: int, lesson_id: str) -> None:
    """Send one xAPI statement (an external player reporting a lesson experience) with the LRS credential."""
    statement = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": HOME, "name": f"bench-learner-{number}"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
        "object": {"objectType": "Activity", "id": f"{HOME}/lesson/{lesson_id}",
                   "definition": {"type": "http://adlnet.gov/expapi/activities/lesson",
                                  "name": {"de-DE": lesson_id}}},
        "result": {"completion": True, "duration": "PT3M"},
    }
    await client.request("xapi_post", "POST", "/xapi/statements", expect=(200,), json=statement,
                         auth=world.lrs_auth, headers={"X-Experience-API-Version": "1.0.3"})


async def sign_in(client: Client, email: str, slug: str) -> None:
    """Sign in, open the course list, start the course and answer the needs questionnaire if it is asked."""
    page = (await client.request("login_form", "GET", "/login")).text
    await client.request("login", "POST", "/login", expect=(302,), data={
        "csrf_token": csrf_of(page), "email": email, "password": PASSWORD})
    client.csrf = csrf_of((await client.request("course_list", "GET", "/courses/")).text)
    location = (await client.request("course_start", "POST", f"/courses/{slug}/start", expect=(302,),
                                     data={"csrf_token": client.csrf})).headers["location"]
    if "/lessons/" not in location:  # the needs questionnaire (lms/guidelines) comes first
        html = (await client.request("questionnaire", "GET", location)).text
        found = questionnaire_answers(html)
        if found:
            action, data = found
            await client.request("questionnaire_submit", "POST", action or location, expect=(302, 303), data=data)


async def learner(base: str, world: World, run: Run, number: int, start_at: float) -> None:
    """One learner: sign in (phase 1), wait for everyone, then lessons, quizzes and xAPI until the deadline."""
    rng = random.Random(number)
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    client = Client(base, run)
    email = f"learner{number:04d}@bench.example"
    course, slug = world.course, world.course.slug
    try:
        try:
            await sign_in(client, email, slug)
        finally:
            run.arrive()
        await run.ready.wait()
        client.stats = stats = run.steady
        passed: set[str] = set()
        position, completed = 0, False
        while True:
            lesson = course.lessons[position]
            url = f"/courses/{slug}/lessons/{lesson.id}"
            await client.request("lesson", "GET", url)
            beacon = f"{url}/beacon"
            await client.request("beacon", "POST", beacon, expect=(204,),
                                 data={"csrf_token": client.csrf, "event": "open"})
            if world.think:
                await asyncio.sleep(rng.expovariate(1 / world.think))
            await client.request("beacon", "POST", beacon, expect=(204,),
                                 data={"csrf_token": client.csrf, "event": "time", "seconds": rng.randint(20, 400)})
            await client.request("lesson_done", "POST", f"{url}/done", expect=(302,),
                                 data={"csrf_token": client.csrf})
            stats.completions.add((email, lesson.id))
            if rng.random() < world.xapi_share:
                await post_statement(client, world, number, lesson.id)
            module = course.module_of(lesson)
            if lesson is module.lessons[-1] and module.quiz and module.quiz not in passed:
                if await take_quiz(client, world, email, module.quiz, rng):
                    passed.add(module.quiz)
            position = (position + 1) % len(course.lessons)
            if position == 0 and course.final_exam and not completed:
                if await take_quiz(client, world, email, course.final_exam, rng):
                    completed = True
                    stats.courses_completed += 1
    except StopLoad:
        pass
    except RuntimeError as exc:
        client.stats.status["learner aborted"][0] += 1
        print(f"  learner {number} stopped: {exc}", file=sys.stderr)
    finally:
        await client.close()


async def hello(base: str, run: Run, number: int, start_at: float) -> None:
    """One baseline client: GET / in a loop until the deadline."""
    client = Client(base, run)
    run.arrive()
    await run.ready.wait()
    client.stats = run.steady
    try:
        while True:
            await client.request("baseline_ok", "GET", "/")
    except StopLoad:
        pass
    except RuntimeError as exc:
        client.stats.status["client aborted"][0] += 1
        print(f"  baseline client {number} stopped: {exc}", file=sys.stderr)
    finally:
        await client.close()


async def run_load(factory, users: int, duration: float, ramp: float, budget: int, timeout: float) -> Run:
    """Run `users` coroutines factory(run, number, start_at): sign-in phase, then `duration` s of steady state."""
    run = Run(users, duration, budget, timeout)
    run.setup.started = time.monotonic()
    run.deadline = run.setup.started + SIGN_IN_LIMIT
    tasks = [asyncio.create_task(factory(run, n, run.setup.started + ramp * n / users)) for n in range(users)]
    _done, pending = await asyncio.wait(tasks, timeout=SIGN_IN_LIMIT + duration + 120)
    for task in pending:
        task.cancel()
    run.steady.finished = time.monotonic()
    if not run.ready.is_set():
        run.setup.finished = run.steady.started = run.steady.finished
    return run
