"""Smoke test of an installed LMS wheel, run by scripts/wheel-smoke.sh with the fresh venv's Python.

It runs in a folder outside the checkout that holds only examples/host_app.py (copied) and this file. It writes a
tiny course of its own (a host's extra COURSES_DIR), runs the content check, migrates and creates users with the
installed CLI commands, serves the host app with gunicorn on 127.0.0.1 and checks over HTTP: a lesson of the
bundled course, English from the compiled catalog, a quiz submit, the certificate PDF with the prefixed
verification URL (pdftotext), and an xAPI statement POST/GET.
"""
from __future__ import annotations

import html
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import uuid
from html.parser import HTMLParser
from pathlib import Path

import httpx

HERE = Path.cwd()
PREFIX = "/lms"
PASSWORD = "Kurbelwelle-" + secrets.token_hex(12)  # must not contain the user's name or e-mail
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|data-csrf="([^"]+)"')
SECRET_RE = re.compile(r'<code class="secret">([^<]+)</code>')
XAPI = {"X-Experience-API-Version": "1.0.3"}

COURSE = """schema_version = 1
slug = "smoke"
iri = "https://lms.example/xapi/activities/course/smoke"
version = "2026-01-01"
language = "de"
title = { de = "Rauchtest-Kurs", en = "Smoke course" }
description = { de = "Ein Kurs aus einem Ordner des Hosts.", en = "A course from a host folder." }
modules = ["01-basics"]
final_exam = "final"
"""
MODULE = """schema_version = 1
id = "basics"
version = "2026-01-01"
title = { de = "Grundlagen", en = "Basics" }
objectives = { de = ["Den Rauchtest bestehen"], en = ["Pass the smoke test"] }
quiz = "m1"

[[lessons]]
id = "one"
file = "01-one.md"
minutes = 1
title = { de = "Einzige Lektion", en = "Only lesson" }
"""
LESSON = "## Einstieg\n\nDiese Lektion kommt aus einem Kursordner des Hosts.\n"
QUIZ_HEAD = """schema_version = 1
id = "{id}"
kind = "{kind}"
title = {{ de = "Quiz {id}", en = "Quiz {id}" }}
pass_mark = 0.8
draw = 2
max_attempts = 0
wait_minutes = 0
"""
QUESTIONS = "".join(f"""
[[questions]]
id = "q{n}"
type = "truefalse"
lesson = "one"
scenario = true
prompt = "Aussage {n} stimmt?"
explanation = "Sie stimmt."
answer = true
""" for n in (1, 2))


def write_course(root: Path) -> tuple[Path, Path]:
    """The smoke course and its quizzes in the host's own content folders."""
    module = root / "courses" / "smoke" / "modules" / "01-basics"
    module.mkdir(parents=True)
    (root / "courses" / "smoke" / "course.toml").write_text(COURSE)
    (module / "module.toml").write_text(MODULE)
    (module / "01-one.md").write_text(LESSON)
    quizzes = root / "quizzes" / "smoke"
    quizzes.mkdir(parents=True)
    (quizzes / "m1.toml").write_text(QUIZ_HEAD.format(id="m1", kind="module") + 'module = "basics"\n' + QUESTIONS)
    (quizzes / "final.toml").write_text(QUIZ_HEAD.format(id="final", kind="final")
                                        + '\n[[from]]\nquiz = "m1"\ncount = 2\n')
    return root / "courses", root / "quizzes"


def write_host_module(port: int, courses: Path, quizzes: Path) -> None:
    """smoke_host.py: the example host app with the smoke course folder and this run's origin."""
    data = HERE / "data"
    config = {"SECRET_KEY": secrets.token_hex(32), "HOST_DATA_DIR": str(data),
              "DATABASE_URL": f"sqlite:///{data / 'lms.sqlite3'}",
              "BASE_IRI": f"http://127.0.0.1:{port}", "HOST_LMS_PREFIX": PREFIX,
              "COURSES_DIR": str(courses), "QUIZZES_DIR": str(quizzes)}
    (HERE / "smoke_host.py").write_text(f"from host_app import create_app\n\napp = create_app({config!r})\n")


def run(cli, *args: str, **env: str) -> str:
    """A CLI command of the installed package, in this process (one app start); stops the smoke test on failure."""
    result = cli.invoke(args=list(args), env=env)
    if result.exit_code != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{result.output}\n{result.exception!r}")
    return result.output


class Inputs(HTMLParser):
    """Collects the names of radio buttons whose value is 'true' (the smoke quizzes' right answers)."""

    def __init__(self):
        super().__init__()
        self.true_radios: set[str] = set()

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "input" and values.get("type") == "radio" and values.get("value") == "true":
            self.true_radios.add(values["name"])


def check(condition: bool, message: str) -> None:
    """Stop with a message when a smoke check fails."""
    if not condition:
        raise SystemExit(f"wheel smoke test failed: {message}")
    print(f"ok: {message}")


class Browser:
    """An httpx client that sends the CSRF token of the last page with every form post."""

    def __init__(self, base: str):
        self.http = httpx.Client(base_url=base, timeout=60)
        self.token = ""

    def get(self, path: str, **kwargs) -> httpx.Response:
        response = self.http.get(path, **kwargs)
        match = CSRF_RE.search(response.text) if "html" in response.headers.get("content-type", "") else None
        if match:
            self.token = match.group(1) or match.group(2)
        return response

    def post(self, path: str, data: dict | None = None) -> httpx.Response:
        if not self.token:
            self.get(f"{PREFIX}/login")
        return self.http.post(path, data={"csrf_token": self.token, **(data or {})})

    def sign_in(self, email: str) -> None:
        self.get(f"{PREFIX}/login")
        response = self.post(f"{PREFIX}/login", {"email": email, "password": PASSWORD})
        check(response.status_code == 302, f"{email} signs in to the LMS under {PREFIX} ({response.status_code})")
        self.get(f"{PREFIX}/courses/")

    def sign_in_to_host(self, email: str) -> None:
        """Sign in on the host's own login page only; the LMS takes the person from the host's identity loader."""
        self.get("/login")
        response = self.post("/login", {"email": email, "password": PASSWORD})
        check(response.status_code == 302, f"{email} signs in to the host app ({response.status_code})")
        courses = self.get(f"{PREFIX}/courses/")
        check(courses.status_code == 200, f"the LMS knows the host's user without a second sign-in "
                                          f"({courses.status_code} {courses.headers.get('location', '')})")


def pass_quiz(browser: Browser, slug: str, quiz_id: str) -> None:
    """Start an attempt, answer every true/false question with 'true' and submit."""
    start = browser.post(f"{PREFIX}/quizzes/{slug}/{quiz_id}/start")
    check(start.status_code == 302, f"quiz {quiz_id} starts ({start.status_code})")
    attempt = start.headers["location"]
    page = browser.get(attempt)
    inputs = Inputs()
    inputs.feed(page.text)
    check(len(inputs.true_radios) == 2, f"quiz {quiz_id} shows its two questions")
    submit = browser.post(attempt.rstrip("/") + "/submit", {name: "true" for name in inputs.true_radios})
    check(submit.status_code == 302, f"quiz {quiz_id} is submitted ({submit.status_code})")
    check(browser.get(submit.headers["location"]).status_code == 200, f"quiz {quiz_id} shows its result")


def learner_checks(base: str) -> None:
    """Lesson pages (bundled and host course), English, quizzes, certificate PDF and its verification page."""
    learner = Browser(base)
    english = learner.get(f"{PREFIX}/login", headers={"Accept-Language": "en"})
    check("Sign in" in english.text, "the login page is in English (catalog compiled into the wheel)")
    learner.sign_in_to_host("learner@smoke.example")
    css = learner.get(f"{PREFIX}/static/css/app.css")
    check(css.status_code == 200 and len(css.content) > 1000, "static CSS is served from the installed package")
    learner.post(f"{PREFIX}/courses/social_media_manager/start")
    lesson = learner.get(f"{PREFIX}/courses/social_media_manager/resume", follow_redirects=True)
    check(lesson.status_code == 200 and "/lessons/" in str(lesson.url), f"bundled lesson page {lesson.url.path}")
    learner.post(f"{PREFIX}/courses/smoke/start")
    page = learner.get(f"{PREFIX}/courses/smoke/lessons/one")
    check("aus einem Kursordner des Hosts" in page.text, "lesson page of the host's extra course folder")
    check(learner.post(f"{PREFIX}/courses/smoke/lessons/one/done").status_code in (200, 302), "lesson marked done")
    pass_quiz(learner, "smoke", "m1")
    pass_quiz(learner, "smoke", "final")
    listing = learner.get(f"{PREFIX}/certificates/").text
    found = re.search(rf'href="({PREFIX}/certificates/\d+\.pdf[^"]*)"', listing)
    check(found is not None, "the certificate is listed")
    pdf = learner.get(html.unescape(found.group(1)))
    check(pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), "certificate PDF downloads")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True).stdout
    verify = re.search(rb"https?://\S+/verify/\S+", text)
    check(verify is not None, "the certificate PDF holds a verification URL")
    url = verify.group(0).decode()
    check(url.startswith(f"{base}{PREFIX}/verify/"), f"the verification URL carries the prefix: {url}")
    check(learner.get(url[len(base):]).status_code == 200, "the verification page answers")


def lrs_checks(base: str) -> None:
    """An admin creates an LRS credential; a statement is stored and read back."""
    admin = Browser(base)
    admin.sign_in("admin@smoke.example")
    admin.get(f"{PREFIX}/admin/lrs/credentials")
    created = admin.post(f"{PREFIX}/admin/lrs/credentials", {"name": "smoke", "scope": "all"})
    keys = SECRET_RE.findall(created.text)
    check(created.status_code == 200 and len(keys) == 2, "an LRS credential is created")
    auth = (keys[0], keys[1])
    statement_id = str(uuid.uuid4())
    statement = {"id": statement_id, "actor": {"mbox": "mailto:smoke@example.org", "objectType": "Agent"},
                 "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
                 "object": {"id": "https://lms.example/xapi/activities/smoke", "objectType": "Activity"}}
    with httpx.Client(base_url=base, timeout=60, auth=auth, headers=XAPI) as lrs:
        posted = lrs.post(f"{PREFIX}/xapi/statements", content=json.dumps(statement),
                          headers={"Content-Type": "application/json"})
        check(posted.status_code == 200 and posted.json() == [statement_id], f"statement POST ({posted.status_code})")
        got = lrs.get(f"{PREFIX}/xapi/statements", params={"statementId": statement_id})
        check(got.status_code == 200 and got.json()["id"] == statement_id, "statement GET returns it")
        check(got.headers.get("X-Experience-API-Version", "").startswith("1.0"), "the LRS sends its version header")


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(base: str, server: subprocess.Popen) -> None:
    """Wait (bounded) for the server to answer its health check."""
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit(f"the host app server exited with {server.returncode}")
        try:
            if httpx.get(f"{base}{PREFIX}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # a server starting in another process: polling, not a test sleeping on the clock
    raise SystemExit("the host app server did not start within 30 s")


def main() -> None:
    """Set up the host app's data, serve it, run the HTTP checks, stop the server."""
    import lms

    check(str(Path(lms.__file__).resolve()).startswith(str(Path(sys.prefix).resolve())),
          f"lms is imported from the fresh venv: {lms.__file__}")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    courses, quizzes = write_course(HERE / "content")
    write_host_module(port, courses, quizzes)
    sys.path.insert(0, str(HERE))
    from smoke_host import app

    cli = app.test_cli_runner()
    print(run(cli, "content", "check", LMS_COURSES_DIR=str(courses), LMS_QUIZZES_DIR=str(quizzes)).strip())
    run(cli, "db", "upgrade")
    run(cli, "host", "add-user", "learner@smoke.example", "Smoke Learner", PASSWORD)  # a host account only
    run(cli, "users", "create", "--org", "smoke", "--org-name", "Smoke GmbH", "--email", "admin@smoke.example",
        "--name", "Smoke Admin", "--role", "admin", "--password", PASSWORD)
    log = open(HERE / "server.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "4", "--bind",
                               f"127.0.0.1:{port}", "smoke_host:app"], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(base, server)
        home = httpx.get(f"{base}/")
        check(home.status_code == 200 and "host app" in home.text, "the host's own home page")
        learner_checks(base)
        lrs_checks(base)
    except BaseException:
        log.flush()
        print((HERE / "server.log").read_text()[-4000:], file=sys.stderr)
        raise
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    print("wheel smoke test passed")


if __name__ == "__main__":
    os.environ.pop("FLASK_APP", None)
    main()
