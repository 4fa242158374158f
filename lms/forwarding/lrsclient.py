"""HTTP to a target LRS: one POST /statements per batch of stored statements, and the connection test.

Every request has a connect timeout, a read timeout and a total deadline (enforced per socket operation by
the network backend below), follows no redirects, ignores proxy environment variables, and reads at most
MAX_ANSWER bytes of an answer. The total deadline is what lets a relay's lease outlast any request it sends.
"""
from __future__ import annotations

import email.utils
import ipaddress
import json
import secrets
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterator

import httpcore
import httpx

RETRY, DONE, DEAD, BISECT, CONFIG = "retry", "done", "dead", "bisect", "config"
# Whole-target problems (credentials, endpoint): every statement would fail the same way, so splitting
# the batch is pointless; the batch is dead-lettered and the target backs off.
CONFIG_STATUSES = frozenset({401, 403, 404, 405, 407, 410, 411, 415})
RETRY_STATUSES = frozenset({408, 425, 429})
MAX_RETRY_AFTER = 3600.0
MAX_ANSWER = 64 * 1024
CHECK_SECONDS = 20.0  # the connection test's total time, below common worker timeouts (gunicorn: 30 s)
_WRITE_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Item:
    """A claimed outbox item with the exact stored statement text and any attachment payloads it needs."""

    id: int
    seq: int
    statement_id: str
    raw: str
    attachments: tuple = ()  # (sha2, content_type, bytes) for attachments sent without fileUrl


@dataclass(frozen=True)
class Outcome:
    """How the LRS answered one request: done, retry (maybe after retry_after seconds), dead, bisect or config."""

    kind: str
    reason: str = ""
    status: int | None = None
    retry_after: float | None = None


class _Deadline(httpcore.NetworkBackend):
    """Plain sockets whose every operation is cut short at a total deadline; refuses non-public peers if asked."""

    def __init__(self, allow_private: bool):
        self._inner = httpcore.SyncBackend()
        self.allow_private = allow_private
        self.deadline: float | None = None

    def remaining(self, timeout: float | None, exc: type[Exception]) -> float | None:
        """The timeout for the next socket operation: the given one, shortened to what the deadline leaves."""
        if self.deadline is None:
            return timeout
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise exc("total request time exceeded")
        return left if timeout is None else min(timeout, left)

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        """Connect, then check the address actually reached (a DNS answer may differ from the form's check)."""
        stream = self._inner.connect_tcp(host, port, self.remaining(timeout, httpcore.ConnectTimeout),
                                         local_address, socket_options)
        if not self.allow_private:
            peer = stream.get_extra_info("server_addr")
            address = ipaddress.ip_address(str(peer[0]).split("%")[0]) if peer else None
            if address is None or not address.is_global:
                stream.close()
                raise httpcore.ConnectError(f"refused to talk to non-public address {address}")
        return _DeadlineStream(stream, self)

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        """Unix sockets are never a forwarding target."""
        raise httpcore.ConnectError("unix sockets are not allowed")

    def sleep(self, seconds: float) -> None:
        """Sleep (used by httpcore's connect retries, which we do not enable)."""
        time.sleep(seconds)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose reads and writes respect the backend's deadline."""

    def __init__(self, inner: httpcore.NetworkStream, backend: _Deadline):
        self._inner, self._backend = inner, backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Read with the shorter of the read timeout and the time left."""
        return self._inner.read(max_bytes, self._backend.remaining(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Write in chunks, so a slowly reading server cannot stretch one write past the deadline."""
        view = memoryview(buffer)
        for start in range(0, len(view), _WRITE_CHUNK):
            self._inner.write(bytes(view[start:start + _WRITE_CHUNK]),
                              self._backend.remaining(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        """Close the socket."""
        self._inner.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        """TLS handshake within the deadline."""
        inner = self._inner.start_tls(ssl_context, server_hostname,
                                      self._backend.remaining(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(inner, self._backend)

    def get_extra_info(self, info: str):
        """Socket details (peer address, TLS object) from the wrapped stream."""
        return self._inner.get_extra_info(info)


class _Transport(httpx.HTTPTransport):
    """httpx's transport on the deadline backend (HTTP/1.1, no proxies)."""

    def __init__(self, backend: _Deadline):
        super().__init__(trust_env=False)
        # httpx has no public switch for the network backend; the pool is rebuilt with the same settings.
        self._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(trust_env=False),
                                             max_connections=4, network_backend=backend)


@dataclass
class Target:
    """What the relay needs to talk to one LRS (decrypted password kept only in memory)."""

    endpoint: str
    username: str
    password: str
    version: str = "1.0.3"
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    allow_private: bool = False
    extra_headers: dict = field(default_factory=dict)

    @property
    def total_timeout(self) -> float:
        """The longest one request may take, from connecting to the last byte of the answer."""
        return self.connect_timeout + self.read_timeout

    def url(self, resource: str) -> str:
        """The IRL of an LRS resource under the endpoint."""
        return self.endpoint.rstrip("/") + "/" + resource

    def client(self) -> "Client":
        """An HTTP client with the target's timeouts and deadline, Basic auth and no redirects."""
        return Client(self)


class Client:
    """One connection pool to one target; each request() call gets a fresh total deadline."""

    def __init__(self, target: Target):
        self.target = target
        self._backend = _Deadline(target.allow_private)
        timeout = httpx.Timeout(connect=target.connect_timeout, read=target.read_timeout,
                                write=target.read_timeout, pool=target.connect_timeout)
        self._http = httpx.Client(timeout=timeout, follow_redirects=False, auth=(target.username, target.password),
                                  headers={"X-Experience-API-Version": target.version, **target.extra_headers},
                                  trust_env=False, transport=_Transport(self._backend))

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the pool's connections."""
        self._http.close()

    @contextmanager
    def request(self, method: str, url: str, deadline: float | None = None,
                **kwargs) -> Iterator[tuple[httpx.Response, bytes]]:
        """Send one request and yield (response, at most MAX_ANSWER bytes of its body), all within the deadline.

        `deadline` is a time.monotonic() value; by default the request gets the target's total timeout.
        """
        self._backend.deadline = deadline if deadline is not None else time.monotonic() + self.target.total_timeout
        try:
            response = self._http.send(self._http.build_request(method, url, **kwargs), stream=True)
            try:
                body = bytearray()
                for chunk in response.iter_raw():
                    body += chunk
                    if len(body) >= MAX_ANSWER:
                        break
                yield response, bytes(body[:MAX_ANSWER])
            finally:
                response.close()
        finally:
            self._backend.deadline = None


def batch_body(items: list[Item]) -> tuple[bytes, str]:
    """The request body and content type: the stored JSON texts joined into one array, unchanged."""
    statements = b"[" + b",".join(item.raw.encode("utf-8") for item in items) + b"]"
    parts = [att for item in items for att in item.attachments]
    if not parts:
        return statements, "application/json"
    boundary = "lms-" + secrets.token_hex(16)
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), statements, b"\r\n"]
    seen = set()
    for sha2, content_type, content in parts:
        if sha2 in seen:
            continue
        seen.add(sha2)
        chunks += [f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
                   f"X-Experience-API-Hash: {sha2}\r\n\r\n".encode(), content, b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f'multipart/mixed; boundary="{boundary}"'


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date), capped at one hour; None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    delta = (when - (now or datetime.now(timezone.utc))).total_seconds()
    return min(max(delta, 0.0), MAX_RETRY_AFTER)


def classify(response: httpx.Response, size: int, body: bytes = b"") -> Outcome:
    """Map an LRS answer to an outcome; `size` is the number of statements in the request."""
    status = response.status_code
    detail = f"HTTP {status}: {_snippet(response, body)}"
    if 200 <= status < 300:
        return Outcome(DONE, status=status)
    if 300 <= status < 400:
        return Outcome(CONFIG, f"HTTP {status}: redirect to {response.headers.get('location', '?')!r} not followed "
                               "(fix the endpoint)", status)
    if status in RETRY_STATUSES or status >= 500:
        return Outcome(RETRY, detail, status, parse_retry_after(response.headers.get("retry-after")))
    if status in CONFIG_STATUSES:
        return Outcome(CONFIG, detail, status)
    # 400, 409, 413, 422 …: one statement may spoil the batch; split it so the good ones still go through.
    return Outcome(BISECT if size > 1 else DEAD, detail, status)


def _snippet(response: httpx.Response, body: bytes) -> str:
    text = body.decode(response.encoding or "utf-8", errors="replace")
    return " ".join(text.split())[:300] or response.reason_phrase


def _transport_failure(exc: Exception) -> Outcome:
    if isinstance(exc, httpx.TimeoutException):
        return Outcome(RETRY, f"timeout: {type(exc).__name__}: {exc}"[:300])
    return Outcome(RETRY, f"connection error: {type(exc).__name__}: {exc}"[:300])


def post_statements(client: Client, items: list[Item]) -> Outcome:
    """POST one batch; transport errors and timeouts are retryable outcomes, never exceptions."""
    body, content_type = batch_body(items)
    try:
        with client.request("POST", client.target.url("statements"), content=body,
                            headers={"Content-Type": content_type}) as (response, answer):
            return classify(response, len(items), answer)
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        return _transport_failure(exc)


def check_connection(target: Target) -> tuple[bool, str]:
    """The 'test connection' button: GET /about (versions) and an authenticated read; returns (ok, message).

    The read asks for a random statement id: 200/404 prove the credentials, 403 means they are valid but
    may only write (enough for forwarding), 401 means they are wrong. Nothing is written to the LRS.
    """
    # Both requests share one deadline, so the button answers well within a server's worker timeout.
    deadline = time.monotonic() + min(target.total_timeout, CHECK_SECONDS)
    try:
        with target.client() as client:
            with client.request("GET", target.url("about"), deadline) as (about, about_body):
                pass
            if 300 <= about.status_code < 400:
                return False, (f"HTTP {about.status_code}: redirect to {about.headers.get('location', '?')} "
                               "not followed (fix the endpoint)")
            versions_note, ok_versions = _about_versions(target, about, about_body)
            if not ok_versions:
                return False, versions_note
            with client.request("GET", target.url("statements"), deadline,
                                params={"statementId": str(uuid.uuid4())}) as (probe, _body):
                pass
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        return False, _transport_failure(exc).reason
    status = probe.status_code
    if 300 <= status < 400:
        return False, f"HTTP {status}: redirect to {probe.headers.get('location', '?')} not followed (fix the endpoint)"
    if status in (200, 404):
        return True, f"{versions_note}; credentials accepted"
    if status == 403:
        return True, f"{versions_note}; credentials accepted (write-only)"
    if status == 401:
        return False, f"{versions_note}; HTTP 401: the LRS rejected the username or password"
    return False, f"{versions_note}; statements resource answered HTTP {status}"


def _about_versions(target: Target, response: httpx.Response, body: bytes) -> tuple[str, bool]:
    """What /about says about versions, and whether the target's version is among them (unknown counts as ok)."""
    if response.status_code != 200:
        return f"/about answered HTTP {response.status_code}", True
    try:
        versions = json.loads(body).get("version") or []
    except (ValueError, AttributeError):
        return "/about is not an xAPI about document", True
    listed = ", ".join(str(v) for v in versions)[:200]
    if target.version in versions or any(str(v).startswith(target.version[:2]) for v in versions):
        return f"LRS versions {listed}", True
    return f"the LRS supports {listed}, not {target.version}", False
