"""xAPI ingest over HTTP for bench_lrs_query.py: this LRS under gunicorn against ralph, same client, same run.

The client is a small asyncio HTTP/1.1 client sending pre-serialised request bytes over `concurrency`
connections (reused when the server keeps them alive, as uvicorn and gunicorn's gthread workers do), so its own
cost per request is a few socket calls and both servers are measured with the same load.
"""
from __future__ import annotations

import asyncio
import base64
import json
import time
from dataclasses import dataclass, field


@dataclass
class Target:
    """One LRS endpoint: host, port, path of the statements resource and Basic credentials."""

    name: str
    port: int
    path: str
    user: str
    password: str
    host: str = "127.0.0.1"

    def request(self, body: bytes) -> bytes:
        """A complete POST request for one JSON body."""
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        head = (f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAuthorization: Basic {token}\r\n"
                f"X-Experience-API-Version: 1.0.3\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n")
        return head.encode() + body


@dataclass
class Result:
    """Statements stored per second and the responses seen."""

    statements: int = 0
    seconds: float = 0.0
    statuses: dict = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Statements per second."""
        return self.statements / self.seconds if self.seconds else 0.0


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, connection kept alive) of one response; the body is read and dropped."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers.get("connection", "").lower() != "close"


async def _worker(target: Target, requests: list[tuple[bytes, int]], result: Result) -> None:
    reader = writer = None
    while requests:
        payload, count = requests.pop()
        if writer is None:
            reader, writer = await asyncio.open_connection(target.host, target.port)
        writer.write(payload)
        try:
            status, alive = await _read_response(reader)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            reader = writer = None
            requests.append((payload, count))  # the server closed an idle connection first: send again
            continue
        result.statuses[status] = result.statuses.get(status, 0) + 1
        if status == 200:
            result.statements += count
        if not alive:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


def post_all(target: Target, bodies: list[list[dict] | dict], concurrency: int) -> Result:
    """POST every body (a statement or a batch) with `concurrency` connections; the wall time and statuses."""
    requests = [(target.request(json.dumps(b, separators=(",", ":")).encode()), len(b) if isinstance(b, list) else 1)
                for b in reversed(bodies)]
    result = Result()

    async def run() -> None:
        await asyncio.gather(*(_worker(target, requests, result) for _ in range(concurrency)))

    start = time.perf_counter()
    asyncio.run(run())
    result.seconds = time.perf_counter() - start
    return result


def _statements(seed: int, count: int, agents: int) -> list[dict]:
    import random

    from bench.bench_lrs_query import make_statement

    rng = random.Random(seed)
    return [make_statement(rng, agents) for _ in range(count)]


def _line(name: str, result: Result) -> None:
    codes = " ".join(f"{code}x{n}" for code, n in sorted(result.statuses.items()))
    print(f"    {name:<34}{result.statements:>8,} statements in {result.seconds:6.2f} s = "
          f"{result.rate:9,.0f} statements/s   ({codes})")


def _server_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its children (gunicorn's workers), from /proc; 0 elsewhere."""
    import os
    from pathlib import Path

    total = 0.0
    children = Path(f"/proc/{pid}/task/{pid}/children")
    pids = [pid] + [int(p) for p in (children.read_text().split() if children.exists() else [])]
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def compare_with_ralph(url: str, key: str, secret: str, args, prefix: str, workdir) -> None:
    """Start this LRS (gunicorn as scripts/serve.sh) and ralph (scripts/ralph.sh), POST the same load to both."""
    import os
    import secrets as secrets_mod
    import uuid

    from bench._figures import figure
    from bench.bench_forwarding import ralph
    from bench.bench_load import free_port, serve_threads, start_gunicorn, stop_gunicorn

    port = free_port()
    # scripts/serve.sh's production defaults (in-app relay, secure cookies, HSTS, one trusted proxy hop).
    env = {"LMS_DATABASE_URL": url, "LMS_SECRET_KEY": secrets_mod.token_hex(32), "LMS_BASE_IRI": "http://lms.bench",
           "LMS_RELAY_IN_APP": "1", "LMS_SECURE_COOKIES": "true", "LMS_HSTS": "true", "LMS_TRUSTED_PROXIES": "1"}
    ralph_user, ralph_password = "bench-ingest", "bench-" + uuid.uuid4().hex[:12]
    ralph("setup")
    server = start_gunicorn("lms:create_app()", port, args.workers, env, workdir / "gunicorn-ingest.log")
    ralph_dir = workdir / "ralph-ingest"
    try:
        endpoint = ralph("start", str(ralph_dir), "", ralph_user, ralph_password).splitlines()[-1]
        ralph_port = int(endpoint.split(":")[2].split("/")[0])
        targets = [Target("this LRS", port, "/xapi/statements", key, secret),
                   Target("ralph", ralph_port, "/xAPI/statements", ralph_user, ralph_password)]
        print(f"Ingest over HTTP, {args.concurrency} client connections, same client and statements for both: this "
              f"LRS under gunicorn ({args.workers} gthread workers x {serve_threads()} threads, as scripts/serve.sh) "
              f"and ralph 5.1 (1 uvicorn worker, filesystem backend, scripts/ralph.sh); load average "
              f"{os.getloadavg()[0]:.2f}")
        rates = {}
        runs = (("batches of 100", args.http_batches, 100), ("single statements", args.http_singles, 1))
        for kind, count, size in runs:
            for n, target in enumerate(targets):
                # Every gunicorn worker serves some warm-up requests first (its first requests pay for imports and
                # caches); ralph runs one worker. Ralph's single statements take ~80 ms each: it gets at most
                # --http-singles-ralph of them, a rate all the same.
                warm = _statements(90 + n, min(count, 20 * args.workers if n == 0 else 10) * size, args.agents)
                if n == 1 and size == 1:
                    count = min(count, args.http_singles_ralph)
                post_all(target, [warm[i:i + size] if size > 1 else warm[i] for i in range(0, len(warm), size)],
                         args.concurrency)
                statements = _statements(size, count * size, args.agents)
                bodies = [statements[i:i + size] for i in range(0, len(statements), size)] if size > 1 else statements
                cpu_before = _server_cpu(server.pid) if n == 0 else 0.0
                result = post_all(target, bodies, args.concurrency)
                _line(f"{target.name}, {kind}", result)
                if n == 0:  # this LRS's server CPU per statement: far less sensitive to a busy machine than rates
                    print(f"    {'':<34}server CPU {1e6 * (_server_cpu(server.pid) - cpu_before) / (count * size):,.0f}"
                          f" µs per statement (gunicorn master and workers, utime + stime)")
                if set(result.statuses) != {200}:
                    raise SystemExit(f"{target.name} answered {result.statuses}; see {workdir}")
                rates[(kind, target.name)] = result.rate
        for kind, name in (("batches of 100", "http_batch100"), ("single statements", "http_single")):
            ours, theirs = rates[(kind, "this LRS")], rates[(kind, "ralph")]
            print(f"  {kind}: this LRS {ours:,.0f}/s = {ours / theirs:.2f} x ralph ({theirs:,.0f}/s)")
            figure(f"{prefix}.{name}", ours, "statements/s", baseline=theirs, baseline_label="ralph, same run",
                   digits=0)
    finally:
        stop_gunicorn(server)
        ralph("stop", str(ralph_dir))
