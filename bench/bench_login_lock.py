"""Sign-ins must not hold up writers: p95 of lesson completions with and without 50 logins in the same seconds.

One server, started exactly as in production: scripts/serve.sh (gunicorn gthread workers with its default worker
and thread counts, the in-app relay on), on SQLite (or PostgreSQL with --postgres); only the address, the database,
the secret key and plain-HTTP cookies (no TLS proxy in front here) are set. Completions and sign-ins go to that
server, so they compete for everything they would compete for in production: the database, the worker processes
and threads, and the CPU. A few signed-in learners (--writers, default 5) mark lessons done back to back (POST
…/done: a write transaction each, BEGIN IMMEDIATE on SQLite) for --duration seconds: the p95 of those completions
is the baseline. Then the same again while 50 other learners sign in (GET /login, POST /login with the right
password: one scrypt check each, ~70 ms of CPU and 32 MiB), spread over the run in --waves waves of simultaneous
logins. The hash runs with no transaction open (lms/auth/signin.py), on a low-priority hash thread
(lms/auth/hashing.py), and a sign-in waiting for it ties up one gunicorn thread, not a worker. Printed: both p95s,
their ratio (target ≤ 1.2), and the sign-ins' p50/p95 (they must all succeed).

    .venv/bin/python bench/bench_login_lock.py
    .venv/bin/python bench/bench_login_lock.py --smoke
"""
from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._databases import ScratchDatabases  # noqa: E402
from bench._figures import add_smoke_flag, figure  # noqa: E402
from bench._load_users import PASSWORD, Client, Run, StopLoad, csrf_of, percentile, sign_in  # noqa: E402
from bench.bench_load import free_port, prepare_database, stop_gunicorn, wait_healthy  # noqa: E402

TARGET = 1.2


async def completions(base: str, course, writers: int, duration: float, logins: int, waves: int,
                      timeout: float) -> tuple[list[float], list[float]]:
    """Writers complete lessons for `duration` s while `logins` sign-ins run in waves; (completion, login) s."""
    setup = Run(writers, 0, 10**9, timeout)
    setup.deadline = time.monotonic() + 600
    clients = [Client(base, setup) for _ in range(writers)]
    await asyncio.gather(*(sign_in(c, f"learner{n:04d}@bench.example", course.slug) for n, c in enumerate(clients)))
    run = Run(writers, duration, 10**9, timeout)
    run.steady.started = time.monotonic()
    run.deadline = run.steady.started + duration

    async def write(client: Client, offset: int):
        client.run, client.stats = run, run.steady
        position = offset
        try:
            while True:
                lesson = course.lessons[position % len(course.lessons)]
                await client.request("completion", "POST", f"/courses/{course.slug}/lessons/{lesson.id}/done",
                                     expect=(302,), data={"csrf_token": client.csrf})
                position += 1
        except StopLoad:
            pass

    signing = Run(logins, 0, 10**9, timeout)  # sign-ins finish even after the completions' deadline
    signing.deadline = time.monotonic() + 600

    async def login(number: int, start_at: float):
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        client = Client(base, signing)
        try:
            page = (await client.request("login_form", "GET", "/login")).text
            await client.request("login", "POST", "/login", expect=(302,), data={
                "csrf_token": csrf_of(page), "email": f"learner{number:04d}@bench.example", "password": PASSWORD})
        finally:
            await client.close()

    start = run.steady.started
    per_wave = max(1, logins // max(1, waves))
    login_tasks = [login(writers + n, start + 1 + (n // per_wave) * (duration - 2) / max(1, waves))
                   for n in range(logins)]
    await asyncio.gather(*(write(c, 7 * n) for n, c in enumerate(clients)), *login_tasks)
    await asyncio.gather(*(c.close() for c in clients))
    return run.steady.latencies["completion"], signing.setup.latencies.get("login", [])


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


def phase(url: str, tmp: Path, course, args, logins: int) -> tuple[list[float], list[float]]:
    """One run against one server started by scripts/serve.sh: completions, and `logins` sign-ins in waves."""
    port = free_port()
    server = start_served(url, port, args, tmp / f"serve-{logins}.log")
    try:
        base = f"http://127.0.0.1:{port}"
        return asyncio.run(completions(base, course, args.writers, args.duration, logins, args.waves,
                                       args.timeout))
    finally:
        stop_gunicorn(server)


def main() -> int:
    """Run the quiet phase and the login phase on one database; print the p95s and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=5, help="learners completing lessons (5)")
    parser.add_argument("--logins", type=int, default=50, help="sign-ins during the second run (50)")
    parser.add_argument("--waves", type=int, default=5, help="waves of simultaneous sign-ins (5 x 10)")
    parser.add_argument("--duration", type=float, default=20, help="seconds per run (20)")
    parser.add_argument("--workers", type=int, help="LMS_WORKERS for scripts/serve.sh (default: its own)")
    parser.add_argument("--threads", type=int, help="LMS_THREADS for scripts/serve.sh (default: its own)")
    parser.add_argument("--timeout", type=float, default=60, help="per-request timeout in seconds")
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server URL without database name")
    add_smoke_flag(parser)
    args = parser.parse_args()
    if args.smoke:
        args.writers, args.logins, args.waves, args.duration, args.workers = 2, 4, 2, 3, 2
    from lms.catalog import bundled_folders, load_catalog

    course = next(iter(load_catalog(*bundled_folders()).courses.values()))
    with ScratchDatabases(args.postgres, prefix="lms_bench_login") as dbs:
        url = dbs.new("login")
        prepare_database(url, args.writers + args.logins)
        print(f"== bench_login_lock: {dbs.kind}, {args.writers} writers, {args.logins} sign-ins in {args.waves} "
              f"waves, {args.duration:.0f} s per run, one server as scripts/serve.sh starts it (workers "
              f"{args.workers or 'default'}, threads {args.threads or 'default'}); load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        quiet, _none = phase(url, dbs.workdir, course, args, 0)
        busy, logins = phase(url, dbs.workdir, course, args, args.logins)
    p95_quiet, p95_busy = percentile(quiet, 95) * 1000, percentile(busy, 95) * 1000
    ratio = p95_busy / p95_quiet if p95_quiet else float("inf")
    print(f"  completions without sign-ins: {len(quiet)}, p50 {percentile(quiet, 50) * 1000:.1f} ms, "
          f"p95 {p95_quiet:.1f} ms")
    print(f"  completions with {len(logins)} sign-ins:   {len(busy)}, p50 {percentile(busy, 50) * 1000:.1f} ms, "
          f"p95 {p95_busy:.1f} ms")
    if logins:
        print(f"  sign-ins: {len(logins)} of {args.logins} succeeded; latency p50 "
              f"{percentile(logins, 50) * 1000:.0f} ms, p95 {percentile(logins, 95) * 1000:.0f} ms, "
              f"max {max(logins) * 1000:.0f} ms")
    print(f"  p95 ratio {ratio:.2f} (target ≤ {TARGET}): {'ok' if ratio <= TARGET else 'NOT reached'}")
    label = dbs.kind.lower()
    figure(f"login_lock.{label}.completion_p95_with_logins", p95_busy, "ms", baseline=p95_quiet,
           baseline_label="completions without sign-ins")
    if logins:
        figure(f"login_lock.{label}.signin_p50", percentile(logins, 50) * 1000, "ms")
        figure(f"login_lock.{label}.signin_p95", percentile(logins, 95) * 1000, "ms")
    return 0 if ratio <= TARGET or args.smoke else 1


if __name__ == "__main__":
    sys.exit(main())
