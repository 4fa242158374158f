"""Helpers for the two-node test: gunicorn app servers, an SMTP inbox, a client behind a "load balancer"."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path

import httpx

HERE = Path(__file__).parent
REPO = HERE.parents[1]
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, timeout: float, what: str, every: float = 0.2):
    """Poll `check()` until it returns something truthy: real servers and their relay threads work on their own
    time, so this waits for an outcome (with a deadline), it does not stand in for a clock."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        pause.wait(every)


class Inbox:
    """aiosmtpd handler keeping every message."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


class Node:
    """One app server: gunicorn (one worker, four threads) with the in-app relay, mail and job loops on."""

    def __init__(self, name: str, env: dict, folder: Path):
        self.name, self.port = name, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        instance = folder / f"instance-{name}"
        instance.mkdir(parents=True, exist_ok=True)
        self.log = (folder / f"{name}.log").open("w")
        node_env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
        node_env.update(env, LMS_NODE_INSTANCE=str(instance),
                        PYTHONPATH=os.pathsep.join([str(HERE), str(REPO)]))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "4", "--worker-class", "gthread",
             "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "5", "node_app:create()"],
            cwd=str(folder), env=node_env, stdout=self.log, stderr=subprocess.STDOUT)

    def ready(self) -> bool:
        """Whether the server answers its health check."""
        if self.process.poll() is not None:
            raise AssertionError(f"node {self.name} exited with {self.process.returncode}")
        try:
            return httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after a grace period)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


class Browser:
    """One person's browser behind a load balancer: one cookie jar, each request sent to the node chosen."""

    def __init__(self, nodes: dict[str, Node]):
        self.nodes = nodes
        self.http = httpx.Client(timeout=60, follow_redirects=False)
        self.node = next(iter(nodes))

    def on(self, name: str) -> "Browser":
        """Send the following requests to this node."""
        self.node = name
        return self

    def url(self, path: str) -> str:
        """The absolute URL of a path on the current node."""
        return self.nodes[self.node].url + path

    def get(self, path: str, **kwargs) -> httpx.Response:
        """GET on the current node."""
        return self.http.get(self.url(path), **kwargs)

    def csrf_token(self, path: str = "/account") -> str:
        """A CSRF token from a page of the current node."""
        match = CSRF_RE.search(self.get(path).text)
        assert match, f"no CSRF token on {path} of node {self.node}"
        return match.group(1)

    def post(self, path: str, data: dict | None = None, token: str | None = None, **kwargs) -> httpx.Response:
        """POST a form on the current node, with a CSRF token (from this node unless one is given)."""
        data = dict(data or {})
        data.setdefault("csrf_token", token or self.csrf_token())
        return self.http.post(self.url(path), data=data, **kwargs)
