"""Helpers of bench/bench_pages.py: a learner's app state, in-process timing through WSGI, HTTP page loops."""
from __future__ import annotations

import asyncio
import io
import re
import secrets
import time
from pathlib import Path

from bench._load_users import PASSWORD, Client, Run, csrf_of, sign_in

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# ------------------------------------------------------------------------------------------------- in-process
def learner_app(url: str, course_dir: Path, quiz_dir: Path):
    """The real app on a migrated database with one learner signed in, enrolled, three lessons done and a quiz
    attempt open; returns (app, test client, {page: path})."""
    from lms import create_app
    from lms.catalog import get_catalog

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32), "TESTING": False,
                      "RELAY_IN_APP": False, "BASE_IRI": "http://lms.bench", "COURSES_DIR": str(course_dir),
                      "QUIZZES_DIR": str(quiz_dir)})
    with app.app_context():
        course = next(iter(get_catalog().courses.values()))
        catalog = get_catalog()
        plain = [lesson for lesson in course.lessons if not catalog.lesson_tasks(course.slug, lesson.id)]
    client = app.test_client()
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": "learner0000@bench.example",
                                           "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    token = CSRF_RE.search(client.get("/courses/").get_data(as_text=True)).group(1)
    client.post(f"/courses/{course.slug}/start", data={"csrf_token": token})
    for lesson in course.lessons[:3]:
        client.post(f"/courses/{course.slug}/lessons/{lesson.id}/done", data={"csrf_token": token})
    attempt = client.post(f"/quizzes/{course.slug}/{course.modules[0].quiz}/start", data={"csrf_token": token})
    # A lesson without a practical task in the middle of module 1 (most lessons have none).
    lesson = next(item for item in plain[3:] if course.module_of(item) is course.modules[0])
    return app, client, {"lesson": f"/courses/{course.slug}/lessons/{lesson.id}",
                         "overview": f"/courses/{course.slug}/", "quiz_attempt": attempt.headers["location"]}


def wsgi_environ(path: str, client=None) -> dict:
    """A GET environ for path with the test client's cookies, address and User-Agent (the session is bound to
    them), built once and copied per request."""
    from werkzeug.test import EnvironBuilder

    if client is None:
        return EnvironBuilder(path=path, environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_environ()
    cookie = "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())
    return EnvironBuilder(path=path, headers={"Cookie": cookie}, environ_base=client.environ_base).get_environ()


def call_wsgi(app, environ: dict) -> tuple[str, bytes]:
    """One request straight through the WSGI callable (no test client, no cookie jar): status and body."""
    status = []
    result = app(dict(environ, **{"wsgi.input": io.BytesIO()}), lambda s, h, e=None: status.append(s))
    try:
        body = b"".join(result)
    finally:
        getattr(result, "close", lambda: None)()
    return status[0], body


def time_requests(app, environ: dict, requests: int, rounds: int) -> float:
    """CPU milliseconds per request of this process (time.process_time: the time other processes on a shared
    machine take is not counted): the best of `rounds` runs of `requests` requests, after a warm-up."""
    status, _body = call_wsgi(app, environ)
    assert status.startswith("200"), status
    for _ in range(max(10, requests // 10)):
        call_wsgi(app, environ)
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(requests):
            call_wsgi(app, environ)
        best = min(best, (time.process_time() - start) / requests * 1000)
    return best


EVICT_BYTES = 8 * 1024 * 1024  # twice the L2 cache of a core on the 2-core bench machine


def time_cold_requests(app, environ: dict, requests: int) -> float:
    """CPU milliseconds per request (median) when the CPU caches were evicted before each one: 8 MiB written between
    requests, as a served request finds its caches after the server's and the client's socket work and the other
    workers ran. The in-process loop above repeats one request with everything cached, which a server never sees."""
    import statistics

    buffer = bytearray(EVICT_BYTES)
    line = b"\x01" * (EVICT_BYTES // 64)
    call_wsgi(app, environ)
    samples = []
    for _ in range(requests):
        buffer[::64] = line  # one byte in every 64-byte cache line
        start = time.process_time()
        call_wsgi(app, environ)
        samples.append(time.process_time() - start)
    return statistics.median(samples) * 1000


def count_queries(app, environ: dict) -> int:
    """SQL statements one request sends (BEGIN not counted: PostgreSQL sends none)."""
    from sqlalchemy import event

    seen = []
    engine = app.extensions["lms_db"][0]

    def listener(conn, cursor, statement, *args):
        if statement.strip().upper() != "BEGIN":
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        call_wsgi(app, environ)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


# ---------------------------------------------------------------------------------------------------- over HTTP
async def signed_in_clients(base: str, course, users: int, timeout: float) -> list[tuple[Client, dict]]:
    """`users` learners signed in (in batches, the sign-in is scrypt-bound), each with its own quiz attempt."""
    run = Run(users, 0, 10**9, timeout)
    run.deadline = time.monotonic() + 600
    clients = []

    async def one(number: int):
        client = Client(base, run)
        await sign_in(client, f"learner{number:04d}@bench.example", course.slug)
        response = await client.request("quiz_start", "POST",
                                        f"/quizzes/{course.slug}/{course.modules[0].quiz}/start", expect=(302,),
                                        data={"csrf_token": client.csrf})
        clients.append((client, {"quiz_attempt": response.headers["location"]}))

    for first in range(0, users, 10):
        await asyncio.gather(*(one(n) for n in range(first, min(users, first + 10))))
    # closed in this event loop (kept-alive connections belong to it); the raw clients only need the cookies
    await asyncio.gather(*(client.close() for client, _extra in clients))
    return clients


def server_cpu_seconds(master_pid: int) -> float:
    """CPU seconds (user + system) the gunicorn master and its workers have used so far (Linux /proc)."""
    import os

    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        pid, ppid = int(entry.name), int(fields[1])
        if pid == master_pid or ppid == master_pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


class RawGet:
    """One client's GET over a fresh connection per request (the same for both apps, no keep-alive):
    the request is built once from the client's cookies and httpx's default headers, the response is read to its
    end; cookies the server sets (the session's last-seen time) replace the old ones. Far cheaper per request than
    httpx, so on a 2-core machine the client takes less of the CPU the server needs."""

    def __init__(self, host: str, port: int, client=None) -> None:
        """Headers from the httpx client (same User-Agent the session was bound to) and its cookies."""
        self.host, self.port = host, port
        self.headers = {key: value for key, value in (client.http.headers.items() if client else [])
                        if key.lower() not in ("connection", "host")}
        self.cookies = {cookie.name: cookie.value for cookie in client.http.cookies.jar} if client else {}
        self.built: dict = {}

    def _request(self, path: str) -> bytes:
        if path not in self.built:
            lines = [f"GET {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Connection: close",
                     *(f"{key}: {value}" for key, value in self.headers.items())]
            if self.cookies:
                lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
            self.built[path] = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        return self.built[path]

    async def get(self, path: str) -> int:
        """The response's status code (the whole response read)."""
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(self._request(path))
            data = await reader.read()
        finally:
            writer.close()
        head, _sep, body = data.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        length = next((int(line.split(b":", 1)[1]) for line in lines if line.lower().startswith(b"content-length:")),
                      None)
        if length is not None and len(body) != length:
            raise RuntimeError(f"GET {path}: {len(body)} of {length} bytes")
        for line in lines:
            if line.lower().startswith(b"set-cookie:"):
                name, _eq, value = line.split(b":", 1)[1].split(b";", 1)[0].strip().partition(b"=")
                self.cookies[name.decode()] = value.decode()
                self.built.clear()
        return int(lines[0].split()[1])


async def hammer(clients: list, url_of, duration: float, kind: str, timeout: float,
                 server_pid: int | None = None) -> Run:
    """Every client GETs its URL back to back for `duration` seconds (clients: (RawGet, extra) pairs); returns
    the run with the latencies and the CPU seconds the client (this process) and the server used meanwhile
    (run.client_cpu, run.server_cpu)."""
    run = Run(len(clients), duration, 10**9, timeout)
    client_cpu, server_cpu = time.process_time(), server_cpu_seconds(server_pid) if server_pid else 0.0
    run.steady.started = time.monotonic()
    run.deadline = run.steady.started + duration
    stats = run.steady

    async def loop(client, extra):
        path = url_of(extra)
        while time.monotonic() < run.deadline:
            start = time.perf_counter()
            status = await asyncio.wait_for(client.get(path), timeout)
            stats.latencies[kind].append(time.perf_counter() - start)
            stats.status[kind][status] += 1
            if status != 200:
                raise RuntimeError(f"{kind} GET {path}: HTTP {status}")

    await asyncio.gather(*(loop(client, extra) for client, extra in clients))
    run.steady.finished = time.monotonic()
    run.client_cpu = time.process_time() - client_cpu
    run.server_cpu = server_cpu_seconds(server_pid) - server_cpu if server_pid else 0.0
    return run


def raw_clients(clients: list, base: str) -> list:
    """(RawGet, extra) for each signed-in (httpx client, extra) pair, or plain RawGets for (None, {}) pairs."""
    host, port = base.rsplit("//", 1)[1].split(":")
    return [(RawGet(host, int(port), client), extra) for client, extra in clients]


def baseline_clients(base: str, users: int) -> list:
    """Clients for the minimal Flask app (nothing to sign in to), with httpx's default headers like the others."""
    run = Run(users, 0, 10**9, 60)
    template = Client(base, run)
    return [(template, {}) for _ in range(users)]


def csrf_from(html: str) -> str:
    """The page's CSRF token (re-exported for bench_login_lock.py)."""
    return csrf_of(html)
