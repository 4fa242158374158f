"""Sign-ins must not hold up writers: p95 of lesson completions with and without 50 logins in the same seconds.

gunicorn (scripts/serve.sh worker count) serves the real app on SQLite (or PostgreSQL with --postgres); a second
gunicorn with the same settings and database takes the sign-ins, so they meet the completions where the issue is,
in the database, and not in the first server's queue for a free sync worker (with 5 workers, a wave of simultaneous
scrypt checks occupies all of them whatever the database does). A few signed-in learners (--writers, default 5) mark lessons done back to back (POST …/done: a write transaction each,
BEGIN IMMEDIATE on SQLite) for --duration seconds: the p95 of those completions is the baseline. Then the same
again while 50 other learners sign in (GET /login, POST /login with the right password: an scrypt check of
about 70 ms each), spread over the run in --waves waves of simultaneous logins. Before the fix the hash ran
inside the login's write transaction, so every completion queued behind it; now it runs with no transaction
open (lms/auth/signin.py). Printed: both p95s, their ratio (target ≤ 1.2) and the login latencies. The logins
also cost CPU that the completions then lack: on 2 busy cores that part of the ratio is not the lock.

    .venv/bin/python bench/bench_login_lock.py
    .venv/bin/python bench/bench_login_lock.py --smoke
"""
from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._databases import ScratchDatabases  # noqa: E402
from bench._figures import add_smoke_flag, figure  # noqa: E402
from bench._load_users import PASSWORD, Client, Run, StopLoad, csrf_of, percentile, sign_in  # noqa: E402
from bench.bench_load import free_port, prepare_database, start_gunicorn, stop_gunicorn  # noqa: E402

TARGET = 1.2


async def completions(base: str, login_base: str, course, writers: int, duration: float, logins: int, waves: int,
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
        client = Client(login_base, signing)
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


def phase(url: str, tmp: Path, course, args, logins: int) -> tuple[list[float], list[float]]:
    """One run: completions on one gunicorn, `logins` sign-ins on a second one with the same database and
    settings (so sign-ins meet the completions in the database, not in a queue for a free worker)."""
    port, login_port = free_port(), free_port()
    env = {"LMS_DATABASE_URL": url, "LMS_SECRET_KEY": secrets.token_hex(32), "LMS_RELAY_IN_APP": "0",
           "LMS_BASE_IRI": f"http://127.0.0.1:{port}"}
    server = start_gunicorn("lms:create_app()", port, args.workers, env, tmp / f"gunicorn-{logins}.log")
    login_server = start_gunicorn("lms:create_app()", login_port, args.workers, env, tmp / f"gunicorn-login.log")
    try:
        return asyncio.run(completions(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{login_port}", course,
                                       args.writers, args.duration, logins, args.waves, args.timeout))
    finally:
        stop_gunicorn(login_server)
        stop_gunicorn(server)


def main() -> int:
    """Run the quiet phase and the login phase on one database; print the p95s and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=5, help="learners completing lessons (5)")
    parser.add_argument("--logins", type=int, default=50, help="sign-ins during the second run (50)")
    parser.add_argument("--waves", type=int, default=5, help="waves of simultaneous sign-ins (5 x 10)")
    parser.add_argument("--duration", type=float, default=20, help="seconds per run (20)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
                        help="gunicorn workers (default 2 x cores + 1, as scripts/serve.sh)")
    parser.add_argument("--timeout", type=float, default=60, help="per-request timeout in seconds")
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server URL without database name")
    add_smoke_flag(parser)
    args = parser.parse_args()
    if args.smoke:
        args.writers, args.logins, args.waves, args.duration, args.workers = 2, 4, 2, 3, 2
    from lms.catalog import load_catalog

    course = next(iter(load_catalog(REPO / "courses", REPO / "quizzes").courses.values()))
    with ScratchDatabases(args.postgres, prefix="lms_bench_login") as dbs:
        url = dbs.new("login")
        prepare_database(url, args.writers + args.logins)
        print(f"== bench_login_lock: {dbs.kind}, {args.writers} writers, {args.logins} sign-ins in {args.waves} "
              f"waves, {args.duration:.0f} s per run, gunicorn {args.workers} workers; load average "
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
        print(f"  sign-in latency: p50 {percentile(logins, 50) * 1000:.0f} ms, p95 {percentile(logins, 95) * 1000:.0f} ms")
    print(f"  p95 ratio {ratio:.2f} (target ≤ {TARGET}): {'ok' if ratio <= TARGET else 'NOT reached'}")
    label = dbs.kind.lower()
    figure(f"login_lock.{label}.completion_p95_with_logins", p95_busy, "ms", baseline=p95_quiet,
           baseline_label="completions without sign-ins")
    return 0 if ratio <= TARGET or args.smoke else 1


if __name__ == "__main__":
    sys.exit(main())
