"""Sign-ins must not hold up writers: p95 of lesson completions while 50 people sign in at once, and without.

One server, started exactly as in production: scripts/serve.sh (gunicorn gthread workers with its default worker
and thread counts, the in-app relay on), on SQLite (or PostgreSQL with --postgres); only the address, the database,
the secret key and plain-HTTP cookies (no TLS proxy in front here) are set. A few signed-in learners (--writers,
default 5) mark lessons done back to back for the whole run (POST …/done: a write transaction each, BEGIN IMMEDIATE
on SQLite; then the page it redirects to, as a browser does, which also clears the flash message from the cookie;
only the POST is timed). A warm-up first completes every lesson once for each writer (so every measured completion
is the same request: a repeat completion, which takes the write lock and changes nothing) and starts every worker's
hash helper with one burst of sign-ins.

Then --rounds rounds (default 5), each one sign-in window and one baseline window, in alternating order (sign-ins
first in odd rounds, baseline first in even ones, so a drift of the machine's load hits both alike):
- sign-in window: 50 other learners sign in at the same moment (GET /login, then POST /login with the right
  password: one scrypt check each, ~70 ms of CPU and 32 MiB); the window lasts from the first request to the last
  answer. --waves N splits the 50 into N waves one after the other (default 1: all 50 at once).
- baseline window: the same length, no sign-ins, after a pause in which the previous window's work drains.
The writers' client load is identical in both; only completions that start inside a window count for it. The
sign-in clients run in a process of their own (bench/_signin_bursts.py), so their work does not stall the writers'
event loop. Printed per round: both p95s and their ratio; then the median and spread of the round ratios, and the
ratio of the pooled p95s (every window's completions together). The target (ratio ≤ 1.2) applies to the median of
the round ratios; all sign-ins must succeed.

    .venv/bin/python bench/bench_login_lock.py
    .venv/bin/python bench/bench_login_lock.py --smoke
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._databases import ScratchDatabases  # noqa: E402
from bench._figures import add_smoke_flag, figure  # noqa: E402
from bench._load_users import Client, Run, StopLoad, percentile, sign_in  # noqa: E402
from bench._signin_bursts import driver  # noqa: E402
from bench.bench_load import free_port, prepare_database, stop_gunicorn, wait_healthy  # noqa: E402

TARGET = 1.2
PAUSE = 1.0  # seconds between windows, so one window's queued work does not spill into the next


class Writers:
    """Learners completing lessons back to back; every completion's start time and latency (monotonic seconds)."""

    def __init__(self, base: str, course, count: int, timeout: float) -> None:
        """Clients for `count` learners (learner0000 …); sign them in with start()."""
        self.course, self.run = course, Run(count, 0, 10**9, timeout)
        self.run.deadline = float("inf")
        self.clients = [Client(base, self.run) for _ in range(count)]
        self.samples: list[tuple[float, float]] = []
        self.done = [0] * count

    async def start(self) -> list[asyncio.Task]:
        """Sign every writer in and start their loops."""
        slug = self.course.slug
        await asyncio.gather(*(sign_in(c, f"learner{n:04d}@bench.example", slug) for n, c in enumerate(self.clients)))
        return [asyncio.create_task(self._write(c, 7 * n)) for n, c in enumerate(self.clients)]

    async def _write(self, client: Client, position: int) -> None:
        lessons, slug, number = self.course.lessons, self.course.slug, position // 7
        try:
            while True:
                lesson = lessons[position % len(lessons)]
                started = time.monotonic()
                done = await client.request("completion", "POST", f"/courses/{slug}/lessons/{lesson.id}/done",
                                            expect=(302,), data={"csrf_token": client.csrf})
                self.samples.append((started, time.monotonic() - started))
                self.done[number] += 1
                position += 1
                # On to the page it redirects to, as a browser does: that page shows (and so removes) the
                # completion's flash message, which would otherwise pile up in the session cookie and make every
                # later request slower (thousands of completions: a cookie of tens of KB).
                await client.request("next_page", "GET", done.headers["location"])
        except StopLoad:
            pass

    def between(self, start: float, end: float) -> list[float]:
        """Latencies of the completions that started in [start, end)."""
        return [latency for started, latency in self.samples if start <= started < end]

    async def stop(self, tasks: list[asyncio.Task]) -> None:
        """Let every writer finish its request, then close the clients."""
        self.run.deadline = time.monotonic()
        await asyncio.gather(*tasks)
        await asyncio.gather(*(c.close() for c in self.clients))


async def burst(conn) -> dict:
    """One burst of sign-ins in the driver process; its window and latencies."""
    conn.send("burst")
    return await asyncio.get_running_loop().run_in_executor(None, conn.recv)


async def measure(base: str, course, args, conn) -> tuple[list[dict], list[dict]]:
    """Warm-up, then the rounds; ([{"signin": [...], "baseline": [...]}, ...], [every burst's result])."""
    writers = Writers(base, course, args.writers, args.timeout)
    tasks = await writers.start()
    while min(writers.done) < len(course.lessons):  # every lesson done once: same work from now
        await asyncio.sleep(0.2)
    bursts = [await burst(conn)]  # starts the hash helpers; not measured
    await asyncio.sleep(PAUSE)
    length = bursts[0]["finished"] - bursts[0]["started"]
    rounds = []
    for number in range(args.rounds):
        window: dict = {}
        for kind in (("signin", "baseline") if number % 2 == 0 else ("baseline", "signin")):
            if kind == "signin":
                bursts.append(await burst(conn))
                start, end = bursts[-1]["started"], bursts[-1]["finished"]
                length = end - start
            else:
                start = time.monotonic()
                await asyncio.sleep(length)
                end = time.monotonic()
            window[kind] = (start, end)
            await asyncio.sleep(PAUSE)
        rounds.append({kind: writers.between(*span) for kind, span in window.items()})
    await writers.stop(tasks)
    return rounds, bursts[1:]


def start_served(url: str, port: int, args, log: Path) -> subprocess.Popen:
    """scripts/serve.sh on a free port and the bench database; waits for /healthz."""
    env = {**os.environ, "LMS_DATABASE_URL": url, "LMS_SECRET_KEY": secrets.token_hex(32),
           "LMS_BIND": f"127.0.0.1:{port}", "LMS_BASE_IRI": f"http://127.0.0.1:{port}", "LMS_VENV": sys.prefix,
           "LMS_SECURE_COOKIES": "false", "LMS_HSTS": "false",  # plain HTTP on loopback: no TLS proxy in front
           "PYTHONPATH": str(REPO)}  # this checkout's lms, also where the venv has another one installed
    for name in ("workers", "threads"):
        if getattr(args, name):
            env[f"LMS_{name.upper()}"] = str(getattr(args, name))
    with log.open("ab") as out:
        process = subprocess.Popen([str(REPO / "scripts" / "serve.sh")], env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                                   stderr=out, start_new_session=True)
    return wait_healthy(process, port, log, "scripts/serve.sh", seconds=120)


def run_server(url: str, tmp: Path, course, args) -> tuple[list[dict], list[dict]]:
    """One server started by scripts/serve.sh, the sign-in driver process, and the measured rounds."""
    port = free_port()
    server = start_served(url, port, args, tmp / "serve.log")
    base = f"http://127.0.0.1:{port}"
    emails = [f"learner{args.writers + n:04d}@bench.example" for n in range(args.logins)]
    ours, theirs = multiprocessing.Pipe()
    signing = multiprocessing.get_context("spawn").Process(target=driver, args=(base, emails, args.waves,
                                                                                 args.timeout, theirs))
    signing.start()
    theirs.close()  # ours alone: recv() then fails (EOFError) instead of waiting forever if the driver dies
    try:
        return asyncio.run(measure(base, course, args, ours))
    finally:
        ours.send("stop")
        signing.join(30)
        stop_gunicorn(server)


def report(rounds: list[dict], bursts: list[dict], args, kind: str) -> float:
    """Print every round, the median and spread of the ratios, the pooled ratio and the sign-ins; the median."""
    ratios = []
    for number, found in enumerate(rounds, 1):
        signin, baseline = found["signin"], found["baseline"]
        ratio = percentile(signin, 95) / percentile(baseline, 95)
        ratios.append(ratio)
        print(f"  round {number}: completions with sign-ins {len(signin)}, p50 {percentile(signin, 50) * 1000:.1f} "
              f"ms, p95 {percentile(signin, 95) * 1000:.1f} ms | baseline {len(baseline)}, p50 "
              f"{percentile(baseline, 50) * 1000:.1f} ms, p95 {percentile(baseline, 95) * 1000:.1f} ms | ratio "
              f"{ratio:.2f}")
    pooled_signin = [x for found in rounds for x in found["signin"]]
    pooled_baseline = [x for found in rounds for x in found["baseline"]]
    p95_signin, p95_baseline = percentile(pooled_signin, 95) * 1000, percentile(pooled_baseline, 95) * 1000
    median = statistics.median(ratios)
    print(f"  pooled: with sign-ins {len(pooled_signin)} completions, p95 {p95_signin:.1f} ms; baseline "
          f"{len(pooled_baseline)}, p95 {p95_baseline:.1f} ms; pooled ratio {p95_signin / p95_baseline:.2f}")
    latencies = [x for b in bursts for x in b["latencies"]]
    failures = [f for b in bursts for f in b["failures"]]
    windows = [b["finished"] - b["started"] for b in bursts]
    print(f"  sign-ins: {len(latencies)} of {len(bursts) * args.logins} succeeded in {len(bursts)} bursts of "
          f"{args.logins} (windows {min(windows):.1f}-{max(windows):.1f} s); POST /login p50 "
          f"{percentile(latencies, 50) * 1000:.0f} ms, p95 {percentile(latencies, 95) * 1000:.0f} ms, max "
          f"{max(latencies) * 1000:.0f} ms" + (f"; first failure: {failures[0]}" if failures else ""))
    print(f"  p95 ratio per round {' '.join(f'{r:.2f}' for r in ratios)}: median {median:.2f}, spread "
          f"{min(ratios):.2f}-{max(ratios):.2f} (target: median ≤ {TARGET}): "
          f"{'ok' if median <= TARGET and not failures else 'NOT reached'}")
    figure(f"login_lock.{kind}.completion_p95_with_logins", p95_signin, "ms", baseline=p95_baseline,
           baseline_label="completions without sign-ins (pooled windows)")
    figure(f"login_lock.{kind}.p95_ratio_median", median, "", digits=3)
    figure(f"login_lock.{kind}.signin_p50", percentile(latencies, 50) * 1000, "ms")
    figure(f"login_lock.{kind}.signin_p95", percentile(latencies, 95) * 1000, "ms")
    return median if not failures else float("inf")


def main() -> int:
    """Prepare the database, run the warm-up and the rounds on one server, print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=5, help="learners completing lessons (5)")
    parser.add_argument("--logins", type=int, default=50, help="simultaneous sign-ins per burst (50)")
    parser.add_argument("--waves", type=int, default=1, help="waves one after the other per burst (1: all at once)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of one sign-in and one baseline window (5)")
    parser.add_argument("--workers", type=int, help="LMS_WORKERS for scripts/serve.sh (default: its own)")
    parser.add_argument("--threads", type=int, help="LMS_THREADS for scripts/serve.sh (default: its own)")
    parser.add_argument("--timeout", type=float, default=60, help="per-request timeout in seconds")
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server URL without database name")
    add_smoke_flag(parser)
    args = parser.parse_args()
    if args.smoke:
        args.writers, args.logins, args.rounds, args.workers = 2, 4, 2, 2
    from lms.catalog import bundled_folders, load_catalog

    course = next(iter(load_catalog(*bundled_folders()).courses.values()))
    with ScratchDatabases(args.postgres, prefix="lms_bench_login") as dbs:
        url = dbs.new("login")
        prepare_database(url, args.writers + args.logins)
        print(f"== bench_login_lock: {dbs.kind}, {args.writers} writers, bursts of {args.logins} simultaneous "
              f"sign-ins ({args.waves} wave(s)), {args.rounds} rounds, one server as scripts/serve.sh starts it "
              f"(workers {args.workers or 'default'}, threads {args.threads or 'default'}); load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        rounds, bursts = run_server(url, dbs.workdir, course, args)
    median = report(rounds, bursts, args, dbs.kind.lower())
    print(f"  load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if median <= TARGET or args.smoke else 1


if __name__ == "__main__":
    sys.exit(main())
