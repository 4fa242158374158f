"""Load test: N simulated learners (default 200) against the real app served by gunicorn, with a baseline.

The script prepares a fresh database (SQLite in a temporary folder, or a new database on a PostgreSQL server given
with --postgres), creates one organisation with N learners and an LRS client credential, starts gunicorn with
several sync workers (the scripts/serve.sh configuration: 2 x cores + 1) on 127.0.0.1 and a free port, and runs
N concurrent learners from one asyncio process (httpx.AsyncClient, loopback only). Each learner signs in, starts
the course (answering the needs questionnaire if the app asks), reads lessons (GET + reading beacons 'open' and
'time'), marks them done, starts and submits the module quizzes (scenario questions decided step by step) and the
final exam, and sends xAPI statements to /xapi/statements with the LRS credential. Learners work back to back
(closed loop, no think time unless --think), so the figures are the capacity of the machine.

Afterwards it prints requests/s, p50/p95 latency per request kind, the number of server errors (5xx; must be 0)
and "lost progress": lesson completions the server acknowledged (302) but that are missing from lesson_progress
(must be 0). In the same run it measures a baseline: a minimal Flask app (bench/_minimal_app.py, returns "ok")
under the same gunicorn configuration and the same N concurrent clients, so the LMS figure is also a ratio.

    .venv/bin/python bench/bench_load.py                        # 200 learners, 3 minutes, SQLite
    .venv/bin/python bench/bench_load.py --duration 60
    url=$(scripts/pg-cluster.sh start /tmp/pg) && .venv/bin/python bench/bench_load.py --duration 60 --postgres "$url"

Exit status 1 when there were server errors, transport errors or lost progress.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
GUNICORN = Path(sys.executable).with_name("gunicorn")
PASSWORD = "bench-learner-2026"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|data-csrf="([^"]+)"')
QUESTION_RE = re.compile(r'<fieldset class="question[^"]*" id="question-([^"]+)"')
ATTEMPT_RE = re.compile(r"/attempts/(\d+)")
HOME = "http://lms.bench"
SIGN_IN_LIMIT = 600  # seconds the sign-in phase may take at most


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
        self.http = httpx.AsyncClient(base_url=base, follow_redirects=False, timeout=run.timeout,
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


# ----------------------------------------------------------------------------------------------- set-up, servers
def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_database(url: str, users: int) -> tuple[str, str]:
    """Migrate, create the organisation, the learners (one password hash shared) and an LRS credential."""
    from lms import create_app
    from lms.auth import services as auth
    from lms.migrations import upgrade
    from lms.xapi.lrs_auth import create_credential

    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32), "TESTING": False})
    hashed = auth.hash_password(PASSWORD)
    real_hash, auth.hash_password = auth.hash_password, lambda _password: hashed  # scrypt once, not N times
    session = app.extensions["lms_db"][1]()
    try:
        org = auth.create_organisation(session, "Bench GmbH", "bench")
        auth.create_user(session, org, email="trainer@bench.example", name="Bench Trainer", password=PASSWORD,
                         role="trainer")
        for n in range(users):
            auth.create_user(session, org, email=f"learner{n:04d}@bench.example", name=f"Learner {n:04d}",
                             password=PASSWORD, department=f"Team {n % 8}")
        credential, secret = create_credential(session, org.id, "bench LRS client")
        key = credential.key
        session.commit()
    finally:
        auth.hash_password = real_hash
        session.close()
        app.extensions["lms_db"][0].dispose()
    return key, secret


def start_gunicorn(target: str, port: int, workers: int, env: dict, log: Path, chdir: Path | None = None):
    """Start gunicorn (sync workers, as scripts/serve.sh) and wait for /healthz."""
    command = [str(GUNICORN), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "20",
               "--timeout", "120", "--backlog", "2048", "--error-logfile", str(log), target]
    if chdir:
        command[1:1] = ["--chdir", str(chdir)]
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=REPO, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited ({process.returncode}); see {log}:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    stop_gunicorn(process)
    raise SystemExit(f"gunicorn did not answer on port {port} within 30 s; see {log}")


def stop_gunicorn(process) -> None:
    """Stop gunicorn gracefully (SIGTERM to the master), then hard after 30 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def stored_completions(url: str) -> set:
    """(email, lesson id) of every completed lesson in lesson_progress."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT u.email, p.lesson_id FROM lesson_progress p JOIN enrolments e ON e.id = p.enrolment_id "
                "JOIN users u ON u.id = e.user_id WHERE p.completed_at IS NOT NULL")).all()
    finally:
        engine.dispose()
    return {(email, lesson) for email, lesson in rows}


def count_rows(url: str, table: str) -> int:
    """Rows in a table (0 if it does not exist)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
    except Exception:  # noqa: BLE001 - a table another package has not migrated yet
        return 0
    finally:
        engine.dispose()


# -------------------------------------------------------------------------------------------------------- report
def print_table(title: str, stats: Stats) -> None:
    """Requests/s and latency per kind."""
    elapsed = max(stats.finished - stats.started, 1e-6)
    print(f"\n{title}: {stats.total()} requests in {elapsed:.1f} s = {stats.total() / elapsed:.1f} requests/s")
    print(f"  {'kind':<22}{'count':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}  statuses")
    for kind in sorted(stats.latencies, key=lambda k: -len(stats.latencies[k])):
        values = stats.latencies[kind]
        codes = " ".join(f"{code}x{n}" for code, n in sorted(stats.status[kind].items()))
        print(f"  {kind:<22}{len(values):>8}{len(values) / elapsed:>9.1f}{percentile(values, 50) * 1000:>9.1f}"
              f"{percentile(values, 95) * 1000:>9.1f}{max(values) * 1000:>9.1f}  {codes}")
    for kind, n in stats.transport_errors.items():
        print(f"  transport error {kind}: {n}")


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the LMS load and the baseline, print the figures; 1 if anything was lost or failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=180, help="seconds of load per run (default 180)")
    parser.add_argument("--users", type=int, default=200, help="concurrent simulated learners (default 200)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
                        help="gunicorn workers (default 2 x cores + 1, as scripts/serve.sh)")
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server URL without database name "
                        "(scripts/pg-cluster.sh start DIR prints one); a fresh database is created and dropped")
    parser.add_argument("--ramp", type=float, default=10, help="seconds over which learners sign in (default 10)")
    parser.add_argument("--think", type=float, default=0.0, help="mean reading pause in seconds (default 0)")
    parser.add_argument("--correct-rate", type=float, default=0.85, help="share of quiz attempts answered right")
    parser.add_argument("--xapi-share", type=float, default=0.3, help="share of lessons followed by an xAPI POST")
    parser.add_argument("--max-requests", type=int, default=2_000_000, help="request budget per run")
    parser.add_argument("--timeout", type=float, default=60, help="per-request timeout in seconds")
    parser.add_argument("--baseline-duration", type=float, help="seconds for the baseline (default: --duration)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the minimal-Flask baseline")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, gunicorn logs)")
    args = parser.parse_args(argv)

    from lms.catalog import load_catalog
    from lms.quizzes.services import pool_for

    catalog = load_catalog(REPO / "courses", REPO / "quizzes")
    course = next(iter(catalog.courses.values()))
    quizzes = catalog.course_quizzes(course.slug)
    pools = {qid: {q.id: q for q in pool_for(quizzes, quiz).values()} for qid, quiz in quizzes.items()}

    tmp = Path(tempfile.mkdtemp(prefix="lms-bench-"))
    admin_engine, pg_name = None, None
    if args.postgres:
        from sqlalchemy import create_engine, text

        pg_name = f"lms_bench_{secrets.token_hex(4)}"
        admin_engine = create_engine(f"{args.postgres.rstrip('/')}/postgres", isolation_level="AUTOCOMMIT")
        with admin_engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{pg_name}"'))
        url = f"{args.postgres.rstrip('/')}/{pg_name}"
    else:
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    engine_label = "PostgreSQL" if args.postgres else "SQLite"
    print(f"== bench_load: {args.users} learners, {args.duration:.0f} s, gunicorn {args.workers} sync workers, "
          f"{os.cpu_count()} cores, {engine_label}, course {course.slug} ({len(course.lessons)} lessons)")
    print(f"   load average before the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          "(other processes on the machine skew both figures)")
    t0 = time.perf_counter()
    key, secret = prepare_database(url, args.users)
    print(f"   database ready in {time.perf_counter() - t0:.1f} s ({tmp})")
    world = World(course, pools, (key, secret), args.correct_rate, args.xapi_share, args.think)

    port = free_port()
    env = {"LMS_DATABASE_URL": url, "LMS_SECRET_KEY": secrets.token_hex(32), "LMS_BASE_IRI": f"http://127.0.0.1:{port}",
           "LMS_RELAY_IN_APP": "0"}
    server = start_gunicorn("lms:create_app()", port, args.workers, env, tmp / "gunicorn-lms.log")
    base = f"http://127.0.0.1:{port}"
    cpu0 = time.process_time()
    try:
        run = asyncio.run(run_load(lambda r, n, start_at: learner(base, world, r, n, start_at),
                                   args.users, args.duration, args.ramp, args.max_requests, args.timeout))
    finally:
        stop_gunicorn(server)
    client_cpu = time.process_time() - cpu0
    print_table(f"Sign-in phase ({args.users} learners sign in over {args.ramp:.0f} s, start the course, answer "
                "the questionnaire)", run.setup)
    print_table(f"LMS steady state ({engine_label})", run.steady)
    wall = run.steady.finished - run.setup.started
    print(f"  load client CPU: {client_cpu:.1f} s of {wall:.1f} s wall (it shares the 2 cores with the server)")

    stored = stored_completions(url)
    lost = run.steady.completions - stored
    errors = run.setup.server_errors() + run.steady.server_errors()
    transport = sum(run.setup.transport_errors.values()) + sum(run.steady.transport_errors.values())
    aborted = sum(stats.status.get("learner aborted", {}).get(0, 0) for stats in (run.setup, run.steady))
    steady = run.steady
    print(f"  lesson completions acknowledged: {len(steady.completions)}, in lesson_progress: "
          f"{len(stored & steady.completions)}, lost progress: {len(lost)}")
    print(f"  quizzes passed/failed: {steady.quizzes_passed}/{steady.quizzes_failed}, courses completed: "
          f"{steady.courses_completed}, xAPI statements stored: {count_rows(url, 'xapi_statements')}")
    print(f"  server errors (5xx): {errors}, transport errors: {transport}, learners stopped early: {aborted}")
    log_text = (tmp / "gunicorn-lms.log").read_text(errors="replace")
    if "Traceback" in log_text or "WORKER TIMEOUT" in log_text:
        print(f"  gunicorn log has errors: {tmp / 'gunicorn-lms.log'}")
    failed = bool(errors or lost or transport or aborted)

    if not args.no_baseline:
        port = free_port()
        server = start_gunicorn("_minimal_app:app", port, args.workers, {}, tmp / "gunicorn-minimal.log",
                                chdir=REPO / "bench")
        base_url = f"http://127.0.0.1:{port}"
        try:
            baseline = asyncio.run(run_load(lambda r, n, start_at: hello(base_url, r, n, start_at), args.users,
                                            args.baseline_duration or args.duration, 0, args.max_requests,
                                            args.timeout)).steady
        finally:
            stop_gunicorn(server)
        print_table("Baseline (minimal Flask app returning 'ok', same gunicorn, same number of clients)", baseline)
        lms_rps = steady.total() / (steady.finished - steady.started)
        base_rps = baseline.total() / (baseline.finished - baseline.started)
        lms_p50 = percentile(list(itertools.chain(*steady.latencies.values())), 50) * 1000
        base_p50 = percentile(list(itertools.chain(*baseline.latencies.values())), 50) * 1000
        print(f"\n== LMS steady state {lms_rps:.1f} requests/s = {lms_rps / base_rps:.1%} of the minimal Flask "
              f"baseline ({base_rps:.1f} requests/s); p50 over all requests {lms_p50:.0f} ms vs {base_p50:.0f} ms")
        failed = failed or bool(baseline.server_errors() or baseline.transport_errors)

    if admin_engine is not None:
        from sqlalchemy import text

        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
        admin_engine.dispose()
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nload average after the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (includes this benchmark)")
    print(f"result: {'FAILED' if failed else 'ok'} (server errors {errors}, lost progress {len(lost)})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
