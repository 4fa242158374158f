"""A small threaded xAPI LRS on 127.0.0.1 that misbehaves on request: for the relay's fault tests.

It keeps statements by id like a real LRS (an identical resend is accepted without change, a different
statement under a known id gets 409), and its store survives kill()/restart() as a real LRS's disk would.
"""
from __future__ import annotations

import base64
import json
import random
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OK, FAIL_503, FAIL_500, DROP_AFTER_STORE, DROP_BEFORE_STORE, STALL, SLOW = (
    "ok", "503", "500", "drop-after-store", "drop-before-store", "stall", "slow")


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FakeLRS:
    """Statements by id, a script or a random mix of behaviours for POSTs, and a kill switch."""

    def __init__(self, username: str = "fake", password: str = "fake-secret", port: int | None = None):
        self.username, self.password = username, password
        self.port = port or free_port()
        self.store: dict[str, dict] = {}
        self.accepted_new = 0  # statements stored for the first time (a duplicate store would count twice)
        self.lock = threading.Lock()
        self.script: list[str] = []  # behaviours for the next POSTs, then `chaos`, then OK
        self.chaos: dict[str, float] | None = None
        self.reject: dict[str, int] = {}  # statement id -> status to answer when a batch contains it
        self.stall_seconds = 1.0  # STALL: longer than the relay's read timeout
        self.slow_seconds = 0.2  # SLOW: answers late, but within the timeouts
        self.retry_after: str | None = None
        self.status_override: int | None = None  # answer every POST with this status (e.g. 408, 429, 400)
        self.redirect_to: str | None = None  # answer every request with 302 to this location
        self.requests: list[tuple[str, str, int, str]] = []  # (method, path, statements, behaviour) of POSTs
        self.hits: list[tuple[str, str]] = []  # every request line that arrived, authorised or not
        self.bodies: list[bytes] = []  # raw POST bodies, as the relay sent them
        self.in_flight: dict[str, int] = {}  # statement id -> requests handling it right now
        self.overlaps: list[str] = []  # ids that were in two requests at the same time
        self.generation = 0
        self.server: ThreadingHTTPServer | None = None
        self.rng = random.Random(1234)

    @property
    def endpoint(self) -> str:
        """The base IRL to configure in a forwarding target."""
        return f"http://127.0.0.1:{self.port}/xAPI/"

    def start(self) -> "FakeLRS":
        """Listen (again) on the same port."""
        self.generation += 1
        handler = type("Handler", (_Handler,), {"lrs": self, "generation": self.generation})
        for _ in range(50):
            try:
                self.server = _Server(("127.0.0.1", self.port), handler)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"port {self.port} stays busy")
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def kill(self) -> None:
        """Stop abruptly: stop listening, and requests in flight neither store nor answer."""
        self.generation += 1
        server, self.server = self.server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    def restart(self) -> None:
        """Come back up after kill() with the same data."""
        self.kill()
        self.start()

    def next_behaviour(self) -> str:
        """What to do with the next POST."""
        with self.lock:
            if self.script:
                return self.script.pop(0)
            if self.chaos:
                names, weights = zip(*self.chaos.items())
                return self.rng.choices(names, weights)[0]
        return OK

    def put(self, statements: list[dict]) -> int | None:
        """Store a batch atomically like an LRS: None on success, else the HTTP status of the rejection."""
        with self.lock:
            for stmt in statements:
                status = self.reject.get(stmt.get("id"))
                if status:
                    return status
                old = self.store.get(stmt["id"])
                if old is not None and old != stmt:
                    return 409
            for stmt in statements:
                if stmt["id"] not in self.store:
                    self.store[stmt["id"]] = stmt
                    self.accepted_new += 1
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        """Stay quiet: dropped connections are the point of this server."""


class _Handler(BaseHTTPRequestHandler):
    lrs: FakeLRS
    generation: int

    def log_message(self, *args):
        """No access log on stderr."""

    def _alive(self) -> bool:
        return self.lrs.generation == self.generation

    def _answer(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
        if not self._alive():
            return self._drop()
        self.send_response(status)
        self.send_header("X-Experience-API-Version", "1.0.3")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _authorised(self) -> bool:
        expected = base64.b64encode(f"{self.lrs.username}:{self.lrs.password}".encode()).decode()
        return self.headers.get("Authorization") == f"Basic {expected}"

    def do_GET(self):
        """/about, the credential probe of the connection test, or a redirect."""
        self.lrs.hits.append(("GET", self.path))
        if self.lrs.redirect_to:
            return self._answer(302, b"", {"Location": self.lrs.redirect_to})
        if self.path.rstrip("/").endswith("/about"):
            return self._answer(200, json.dumps({"version": ["1.0.3", "2.0.0"]}).encode(),
                                {"Content-Type": "application/json"})
        if "/statements" in self.path and not self._authorised():
            return self._answer(401)
        self._answer(404)

    def do_POST(self):
        """Store a batch of statements, misbehaving as scripted; tracks which ids are in flight."""
        self.lrs.hits.append(("POST", self.path))
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.lrs.redirect_to:
            return self._answer(302, b"", {"Location": self.lrs.redirect_to})
        if not self._authorised():
            return self._answer(401)
        try:
            statements = json.loads(body)
        except ValueError:
            return self._answer(400, b"not JSON")
        statements = statements if isinstance(statements, list) else [statements]
        self.lrs.bodies.append(body)
        ids = [s.get("id") for s in statements]
        with self.lrs.lock:
            for sid in ids:
                if self.lrs.in_flight.get(sid):
                    self.lrs.overlaps.append(sid)
                self.lrs.in_flight[sid] = self.lrs.in_flight.get(sid, 0) + 1
        try:
            self._post(statements)
        finally:
            with self.lrs.lock:
                for sid in ids:
                    self.lrs.in_flight[sid] -= 1

    def _post(self, statements: list[dict]) -> None:
        if self.lrs.status_override:
            headers = {"Retry-After": self.lrs.retry_after} if self.lrs.retry_after else {}
            return self._answer(self.lrs.status_override, f"status {self.lrs.status_override}".encode(), headers)
        behaviour = self.lrs.next_behaviour()
        self.lrs.requests.append(("POST", self.path, len(statements), behaviour))
        if behaviour in (FAIL_503, FAIL_500):
            headers = {"Retry-After": self.lrs.retry_after} if self.lrs.retry_after else {}
            return self._answer(int(behaviour), b"unavailable", headers)
        if behaviour == DROP_BEFORE_STORE:
            return self._drop()
        if behaviour == STALL:
            time.sleep(self.lrs.stall_seconds)
        elif behaviour == SLOW:
            time.sleep(self.lrs.slow_seconds)
        if not self._alive():
            return self._drop()  # killed meanwhile: a dead process stores nothing
        status = self.lrs.put(statements)
        if behaviour == DROP_AFTER_STORE:
            return self._drop()
        if status is not None:
            return self._answer(status, f"rejected ({status})".encode())
        self._answer(200, json.dumps([s["id"] for s in statements]).encode(), {"Content-Type": "application/json"})
