"""The learner pages against a minimal Flask app: in-process render time and requests/s under gunicorn.

1. In-process: the real app (production settings, the real course) with one learner signed in; the lesson page (a
   lesson without a practical task), the course overview and an open quiz attempt are requested straight through
   the WSGI callable with the session cookie, like bench/_minimal_app.py's "ok" view; CPU milliseconds per request
   (best of several rounds; CPU time, so other processes on a shared machine do not count), SQL statements per
   page, and the ratio to the minimal view. Target: lesson ≤ 1 ms. Beside it, "cold": the median CPU time with the
   CPU caches evicted before each request (8 MiB written), closer to what a served request costs: in a server the
   socket work, the client and the other workers run between two requests of one process.
2. Over HTTP (skip with --no-http): gunicorn with the scripts/serve.sh worker count serves the app; N signed-in
   learners (default 50, signed in with httpx, then one asyncio process sending each learner's GET with its cookies
   and httpx's headers over a fresh connection per request) GET one page back to back for --duration seconds, page after
   page (each after --warmup seconds of the same load, not counted, so that every worker process is warm); then
   the minimal Flask app under the same gunicorn set-up, clients and warm-up. Printed:
   requests/s per page and its ratio to the minimal app, measured in this one run (target: ≥ 50 % for each page),
   and the CPU time per request of the server (gunicorn master and workers, from /proc) and of the client. The
   client shares the cores with the server: when it keeps a core busy during the minimal run, the minimal app's
   rate is held down by the client and the ratios are upper bounds (the bench says so). Two rows that are no page
   follow: /healthz (one SELECT 1) for the signed-in learners and for anonymous clients, the floor under every
   page's ratio (what the app's request set-up alone costs).

    .venv/bin/python bench/bench_pages.py                 # in-process + HTTP, 50 clients, 15 s per page
    .venv/bin/python bench/bench_pages.py --no-http --profile lesson   # cProfile of the in-process lesson page
    .venv/bin/python bench/bench_pages.py --smoke
"""
from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import _pages  # noqa: E402
from bench._databases import ScratchDatabases  # noqa: E402
from bench._figures import add_smoke_flag, figure  # noqa: E402
from bench._load_users import percentile  # noqa: E402
from bench.bench_load import (  # noqa: E402
    free_port, prepare_database, serve_threads, serve_workers, start_gunicorn, stop_gunicorn)

PAGES = ("lesson", "overview", "quiz_attempt")
IN_PROCESS_TARGET_MS = 1.0
HTTP_TARGET_RATIO = 0.5


def in_process(url: str, args) -> dict:
    """Time the three pages and the minimal view through their WSGI callables; print and emit figures; returns
    the pages' paths."""
    from bench._minimal_app import app as minimal
    from lms.catalog import bundled_folders

    app, client, paths = _pages.learner_app(url, *bundled_folders())
    base_ms = _pages.time_requests(minimal, _pages.wsgi_environ("/"), args.requests, args.rounds)
    base_cold = _pages.time_cold_requests(minimal, _pages.wsgi_environ("/"), args.requests)
    print(f"\nIn-process (WSGI call, CPU ms per request, best of {args.rounds} rounds of {args.requests} requests; "
          f"the minimal Flask view: {base_ms:.3f} ms; cold: the median with the CPU caches evicted before each "
          f"request, minimal {base_cold:.3f} ms)")
    print(f"  {'page':<14}{'ms/request':>11}{'x minimal':>11}{'cold ms':>9}{'x minimal':>11}{'SQL':>5}  path")
    for page in PAGES:
        client.get(paths[page])  # refreshes the session's last-seen time in the cookie
        environ = _pages.wsgi_environ(paths[page], client)
        if args.profile == page:
            profile(app, environ)
        ms, cold = _timed(app, environ, args)
        queries = _pages.count_queries(app, environ)
        _row(page, ms, cold, (base_ms, base_cold), queries, paths[page])
        figure(f"pages.in_process.{page}", ms, "ms", baseline=base_ms, baseline_label="minimal Flask view",
               digits=3)
        figure(f"pages.in_process_cold.{page}", cold, "ms", baseline=base_cold,
               baseline_label="minimal Flask view, caches evicted", digits=3)
        figure(f"pages.in_process.{page}.sql_statements", queries, "statements", digits=0)
        if page == "lesson":
            verdict = "ok" if ms <= IN_PROCESS_TARGET_MS else "over the target"
            print(f"  lesson page target ≤ {IN_PROCESS_TARGET_MS} ms: {verdict}")
    # The base cost of a signed-in request with no page work: session cookie, session user, transaction, hooks.
    client.get(paths["lesson"])
    environ = _pages.wsgi_environ("/healthz", client)
    ms, cold = _timed(app, environ, args)
    _row("healthz", ms, cold, (base_ms, base_cold), "", "/healthz (signed in: the base cost)")
    figure("pages.in_process.signed_in_healthz", ms, "ms", baseline=base_ms, baseline_label="minimal Flask view",
           digits=3)
    app.extensions["lms_db"][0].dispose()
    return paths


def _timed(app, environ: dict, args) -> tuple[float, float]:
    """CPU ms per request of one environ: hot (best round) and cold (caches evicted before each request)."""
    return (_pages.time_requests(app, environ, args.requests, args.rounds),
            _pages.time_cold_requests(app, environ, args.requests))


def _row(label: str, ms: float, cold: float, base: tuple[float, float], queries, path: str) -> None:
    """One line of the in-process table, both times against the minimal view's (hot, cold)."""
    print(f"  {label:<14}{ms:>11.3f}{ms / base[0]:>11.1f}{cold:>9.3f}{cold / base[1]:>11.1f}{queries:>5}  {path}")


def profile(app, environ: dict) -> None:
    """cProfile of 300 requests, the 30 most expensive functions (cumulative)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(300):
        _pages.call_wsgi(app, environ)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def over_http(url: str, tmp: Path, course, paths: dict, args) -> bool:
    """Each page under gunicorn, then the minimal app; True when every page reaches the target ratio."""
    port = free_port()
    env = {"LMS_DATABASE_URL": url, "LMS_SECRET_KEY": secrets.token_hex(32), "LMS_RELAY_IN_APP": "0",
           "LMS_BASE_IRI": f"http://127.0.0.1:{port}"}
    server = start_gunicorn("lms:create_app()", port, args.workers, env, tmp / "gunicorn-pages.log")
    base = f"http://127.0.0.1:{port}"
    urls = {"lesson": lambda extra: paths["lesson"], "overview": lambda extra: paths["overview"],
            "quiz_attempt": lambda extra: extra["quiz_attempt"]}  # each learner's own attempt
    runs = {}
    try:
        clients = asyncio.run(_pages.signed_in_clients(base, course, args.users, args.timeout))
        raw = _pages.raw_clients(clients, base)
        for page in PAGES:
            warm_up(raw, urls[page], page, args)
            runs[page] = asyncio.run(_pages.hammer(raw, urls[page], args.duration, page, args.timeout, server.pid))
        floors = _floor_runs(raw, base, server.pid, args)
    finally:
        stop_gunicorn(server)
    port = free_port()
    server = start_gunicorn("_minimal_app:app", port, args.workers, {}, tmp / "gunicorn-minimal.log",
                            chdir=REPO / "bench")
    try:
        base = f"http://127.0.0.1:{port}"
        raw = _pages.raw_clients(_pages.baseline_clients(base, args.users), base)
        warm_up(raw, lambda extra: "/", "minimal", args)
        baseline = asyncio.run(_pages.hammer(raw, lambda extra: "/", args.duration, "minimal", args.timeout,
                                             server.pid))
    finally:
        stop_gunicorn(server)
    return report_http(runs, baseline, args, floors)


def _floor_runs(raw: list, base: str, server_pid: int, args) -> dict:
    """/healthz (one SELECT 1, no page) for the signed-in clients and for anonymous ones: what every request of
    the app costs before any page work, the floor under the pages' ratios."""
    anonymous = _pages.raw_clients(_pages.baseline_clients(base, args.users), base)
    floors = {}
    for kind, clients in (("healthz_signed_in", raw), ("healthz_anonymous", anonymous)):
        warm_up(clients, lambda extra: "/healthz", kind, args)
        floors[kind] = asyncio.run(_pages.hammer(clients, lambda extra: "/healthz", args.duration, kind,
                                                 args.timeout, server_pid))
    return floors


def warm_up(raw: list, url_of, kind: str, args) -> None:
    """The same load for --warmup seconds, not measured: every worker process has compiled the page's templates
    and filled its per-process caches (fragments, verified cookies, CSRF tokens, SQLAlchemy's compiled statements,
    pooled connections) before the measured run starts; the minimal app gets the same treatment."""
    if args.warmup > 0:
        asyncio.run(_pages.hammer(raw, url_of, args.warmup, kind, args.timeout))


def report_http(runs: dict, baseline, args, floors: dict) -> bool:
    """Print requests/s and p50/p95 per page (and the /healthz floors) with the ratio to the minimal app; emit the
    figures."""
    def rate(run) -> float:
        stats = run.steady
        return stats.total() / max(stats.finished - stats.started, 1e-6)

    def cpu_ms(run, seconds: float) -> float:
        return seconds / max(run.steady.total(), 1) * 1000

    base_rps = rate(baseline)
    ok = True
    print(f"\nOver HTTP: gunicorn {args.workers} gthread workers × {serve_threads()} threads, {args.users} clients, "
          f"{args.duration:.0f} s per page, {os.cpu_count()} cores")
    print(f"  {'page':<18}{'req/s':>9}{'ratio':>8}{'p50 ms':>9}{'p95 ms':>9}{'server CPU':>12}{'client CPU':>12}"
          f"{'client busy':>12}  statuses")
    for page, run in [*runs.items(), *floors.items(), ("minimal Flask", baseline)]:
        latencies = [v for values in run.steady.latencies.values() for v in values] or [0.0]
        statuses = " ".join(f"{code}x{n}" for codes in run.steady.status.values() for code, n in codes.items())
        busy = run.client_cpu / max(run.steady.finished - run.steady.started, 1e-6)
        print(f"  {page:<18}{rate(run):>9.1f}{rate(run) / base_rps:>8.1%}{percentile(latencies, 50) * 1000:>9.1f}"
              f"{percentile(latencies, 95) * 1000:>9.1f}{cpu_ms(run, run.server_cpu):>9.2f} ms"
              f"{cpu_ms(run, run.client_cpu):>9.2f} ms{busy:>12.0%}  {statuses}")
        if page in runs or page in floors:
            figure(f"pages.http.{page}.requests_per_s", rate(run), "requests/s", baseline=base_rps,
                   baseline_label="minimal Flask app")
        if page in runs:
            ok = ok and rate(run) / base_rps >= HTTP_TARGET_RATIO and not run.steady.server_errors()
    print(f"  target: every page ≥ {HTTP_TARGET_RATIO:.0%} of the minimal app: {'ok' if ok else 'NOT reached'}")
    print("  the healthz rows are no page: one SELECT 1 through the app's request set-up (signed in: session cookie,"
          " session user, its checks), the floor under every page's ratio")
    # The client shares the machine's cores with the server: when it is (nearly) one core busy during the minimal
    # run, the minimal app's rate is held down by the client, so every ratio above is flattered (an upper bound).
    busy = baseline.client_cpu / max(baseline.steady.finished - baseline.steady.started, 1e-6)
    print(f"  the client used {busy:.0%} of a core during the minimal run"
          + ("; it limits the minimal app's rate, so the ratios are upper bounds" if busy >= 0.8 else ""))
    for page, run in runs.items():
        figure(f"pages.http.{page}.server_cpu_per_request", cpu_ms(run, run.server_cpu), "ms",
               baseline=cpu_ms(baseline, baseline.server_cpu), baseline_label="minimal Flask app", digits=3)
    return ok


def main() -> int:
    """Parse arguments, prepare the database, run both parts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=500, help="in-process requests per round (500)")
    parser.add_argument("--rounds", type=int, default=7, help="in-process rounds; the best counts (7)")
    parser.add_argument("--users", type=int, default=50, help="HTTP clients (50)")
    parser.add_argument("--duration", type=float, default=15, help="seconds of HTTP load per page (15)")
    parser.add_argument("--warmup", type=float, default=3,
                        help="seconds of the same load before each measured page, not counted (3)")
    parser.add_argument("--workers", type=int, default=serve_workers(),
                        help="gunicorn workers (default as scripts/serve.sh: LMS_WORKERS, else 2 x cores + 1)")
    parser.add_argument("--timeout", type=float, default=60, help="per-request timeout in seconds")
    parser.add_argument("--no-http", action="store_true", help="in-process part only")
    parser.add_argument("--profile", choices=PAGES, help="print a cProfile of this page (in-process)")
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server URL without database name")
    add_smoke_flag(parser)
    args = parser.parse_args()
    if args.smoke:
        args.requests, args.rounds, args.users, args.duration, args.workers, args.warmup = 20, 2, 4, 1, 2, 0.5
    from lms.catalog import bundled_folders, load_catalog

    course = next(iter(load_catalog(*bundled_folders()).courses.values()))
    with ScratchDatabases(args.postgres, prefix="lms_bench_pages") as dbs:
        url = dbs.new("pages")
        prepare_database(url, max(args.users, 1))
        print(f"== bench_pages: {dbs.kind}, course {course.slug}, {os.cpu_count()} cores, load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (other processes skew every figure)")
        paths = in_process(url, args)
        ok = True if args.no_http else over_http(url, dbs.workdir, course, paths, args)
    print(f"\nload average after the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if ok or args.smoke else 1


if __name__ == "__main__":
    sys.exit(main())
