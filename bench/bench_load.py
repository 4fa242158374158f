"""Load test: N simulated learners (default 200) against the real app served by gunicorn, with a baseline.

The script prepares a fresh database (SQLite in a temporary folder, or a new database on a PostgreSQL server given
with --postgres), creates one organisation with N learners and an LRS client credential, starts gunicorn as
scripts/serve.sh configures it (2 x cores + 1 gthread workers, LMS_THREADS threads each) on 127.0.0.1 and a free
port, and runs N concurrent learners from one asyncio process (httpx.AsyncClient, loopback only). Each learner
signs in, starts the course (answering the needs questionnaire if the app asks), reads lessons (GET +
reading beacons 'open' and 'time'), marks them done, starts and submits the module quizzes (scenario questions
decided step by step) and the final exam, and sends xAPI statements to /xapi/statements with the LRS credential.
Learners work back to back (closed loop, no think time unless --think), so the figures are the capacity of the machine.

Afterwards it prints requests/s, p50/p95 latency per request kind, the number of server errors (5xx; must be 0)
and "lost progress": lesson completions the server acknowledged (302) but that are missing from lesson_progress
(must be 0). In the same run it measures a baseline: a minimal Flask app (bench/_minimal_app.py, returns "ok")
under the same gunicorn configuration and the same N concurrent clients, so the LMS figure is also a ratio.

    .venv/bin/python bench/bench_load.py                        # 200 learners, 3 minutes, SQLite
    .venv/bin/python bench/bench_load.py --duration 60
    url=$(scripts/pg-cluster.sh start /tmp/pg) && .venv/bin/python bench/bench_load.py --duration 60 --postgres "$url"
    .venv/bin/python bench/bench_load.py --smoke                # 4 learners, 4 seconds, 2 workers

Exit status 1 when there were server errors, transport errors or lost progress.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._databases import ScratchDatabases  # noqa: E402
from bench._figures import add_smoke_flag, figure  # noqa: E402
from bench._load_users import PASSWORD, Stats, World, hello, learner, percentile, run_load  # noqa: E402

GUNICORN = Path(sys.executable).with_name("gunicorn")
GUNICORN_CONF = REPO / "scripts" / "gunicorn_conf.py"  # the settings serve.sh passes with --config
SERVE_THREADS_DEFAULT = 32  # scripts/serve.sh's LMS_THREADS default (tests/benchmarks/test_serve_config.py pins it)


def serve_workers() -> int:
    """gunicorn worker processes as scripts/serve.sh chooses them: LMS_WORKERS, else 2 x cores (nproc) + 1."""
    return int(os.environ.get("LMS_WORKERS") or 2 * len(os.sched_getaffinity(0)) + 1)


def serve_threads() -> int:
    """Threads per gunicorn worker as scripts/serve.sh chooses them: LMS_THREADS, else its default."""
    return int(os.environ.get("LMS_THREADS") or SERVE_THREADS_DEFAULT)


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
    from lms.lrs.lrs_auth import create_credential

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
    """Start gunicorn (gthread workers with serve_threads() threads each, as scripts/serve.sh) and wait for /healthz."""
    command = [str(GUNICORN), "--config", str(GUNICORN_CONF), "--worker-class", "gthread", "--workers", str(workers),
               "--threads", str(serve_threads()), "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "20",
               "--timeout", "120", "--backlog", "2048", "--error-logfile", str(log), target]
    if chdir:
        command[1:1] = ["--chdir", str(chdir)]
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=REPO, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    return wait_healthy(process, port, log, "gunicorn", seconds=60)


def wait_healthy(process, port: int, log: Path, name: str, seconds: int):
    """The started server once /healthz answers 200; stopped (and SystemExit) if it exits or stays silent."""
    try:
        for _ in range(seconds * 10):
            if process.poll() is not None:
                raise SystemExit(f"{name} exited ({process.returncode}); see {log}:\n{log.read_text()[-2000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    return process
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"{name} did not answer on port {port} within {seconds} s; see {log}")
    except BaseException:  # also Ctrl+C / SIGTERM while waiting: never leave the server running
        stop_gunicorn(process)
        raise


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
    parser.add_argument("--workers", type=int, default=serve_workers(),
                        help="gunicorn workers (default as scripts/serve.sh: LMS_WORKERS, else 2 x cores + 1)")
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
    add_smoke_flag(parser)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run `finally`: stop gunicorn, drop the database
    if args.smoke:
        args.users, args.duration, args.ramp, args.workers, args.baseline_duration = 4, 4, 0.5, 2, 2

    from lms.catalog import bundled_folders, load_catalog
    from lms.quizzes.services import pool_for

    catalog = load_catalog(*bundled_folders())
    course = next(iter(catalog.courses.values()))
    quizzes = catalog.course_quizzes(course.slug)
    pools = {qid: {q.id: q for q in pool_for(quizzes, quiz).values()} for qid, quiz in quizzes.items()}

    with ScratchDatabases(args.postgres, prefix="lms_bench_load", keep=args.keep) as dbs:
        return measure(args, course, pools, dbs.new("load"), dbs.workdir)


def measure(args, course, pools: dict, url: str, tmp: Path) -> int:
    """The LMS run and the baseline run on one database; prints tables and figures; 1 if anything failed."""
    engine_label = "PostgreSQL" if args.postgres else "SQLite"
    print(f"== bench_load: {args.users} learners, {args.duration:.0f} s, gunicorn {args.workers} gthread workers × "
          f"{serve_threads()} threads, {os.cpu_count()} cores, {engine_label}, course {course.slug} "
          f"({len(course.lessons)} lessons)")
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
    prefix = f"load.{engine_label.lower()}"
    lms_rps = steady.total() / max(steady.finished - steady.started, 1e-6)
    lesson = steady.latencies.get("lesson") or [0.0]
    figure(f"{prefix}.lesson_page.p50", percentile(lesson, 50) * 1000, "ms", digits=0)
    figure(f"{prefix}.lesson_page.p95", percentile(lesson, 95) * 1000, "ms", digits=0)
    figure(f"{prefix}.server_errors", errors, "responses", digits=0)
    figure(f"{prefix}.lost_progress", len(lost), "completions", digits=0)

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
        base_rps = baseline.total() / (baseline.finished - baseline.started)
        lms_p50 = percentile(list(itertools.chain(*steady.latencies.values())), 50) * 1000
        base_p50 = percentile(list(itertools.chain(*baseline.latencies.values())), 50) * 1000
        print(f"\n== LMS steady state {lms_rps:.1f} requests/s = {lms_rps / base_rps:.1%} of the minimal Flask "
              f"baseline ({base_rps:.1f} requests/s); p50 over all requests {lms_p50:.0f} ms vs {base_p50:.0f} ms")
        failed = failed or bool(baseline.server_errors() or baseline.transport_errors)
        figure(f"{prefix}.requests_per_s", lms_rps, "requests/s", baseline=base_rps,
               baseline_label="minimal Flask app")
        figure(f"{prefix}.p50_all_requests", lms_p50, "ms", baseline=base_p50, baseline_label="minimal Flask app",
               digits=0)
    else:
        figure(f"{prefix}.requests_per_s", lms_rps, "requests/s")

    print(f"\nload average after the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (includes this benchmark)")
    print(f"result: {'FAILED' if failed else 'ok'} (server errors {errors}, lost progress {len(lost)})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
