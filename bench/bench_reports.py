"""Benchmark the trainer dashboard: GET /reports/ with 5,000 learners and 1,000,000 xAPI statements.

Generates migrated databases (SQLite, or PostgreSQL with --postgres) with bench/_data.py (bulk writes through the
models' table metadata, indexes re-created after the load), then
times the real app through the Flask test client, signed in through the real /login form as a trainer of the big
organisation: warm-up, then median / p95 / max over --requests requests for page sizes 50 and 200, a department
filter, a search, the last page, and the CSV export of all learners. It counts SQL statements per request
(SQLAlchemy event listener) and shows that the cost follows the learners shown, not the stored statements:
the same overview at statements/10 (same learners) and at 1,000 learners (same statements/10, same page size).

    .venv/bin/python bench/bench_reports.py                         # 5,000 learners, 1,000,000 statements
    .venv/bin/python bench/bench_reports.py --db /tmp/reports.sqlite3   # generate once, reuse on later runs
    .venv/bin/python bench/bench_reports.py --learners 1000 --statements 100000 --no-scaling --explain
    url=$(scripts/pg-cluster.sh start /tmp/pg) && .venv/bin/python bench/bench_reports.py --postgres "$url"
    .venv/bin/python bench/bench_reports.py --smoke                 # 200 learners, 3,000 statements, seconds
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
from collections.abc import Mapping
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._data import COURSE_SLUG, TRAINER_EMAIL, TRAINER_PASSWORD, database_url, generate  # noqa: E402
from bench._databases import ScratchDatabases  # noqa: E402
from bench._figures import add_smoke_flag, figure  # noqa: E402

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ROW_RE = re.compile(r'<td><a href="[^"]*/reports/learners/\d+')
BUDGET_MS = 300.0


class QueryLog:
    """Counts and times the SQL statements an engine executes (before/after_cursor_execute)."""

    def __init__(self, engine):
        """Attach the listeners to the engine."""
        from sqlalchemy import event

        self.entries: list[tuple[str, tuple, float]] = []
        self._start: list[float] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self._start.append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        elapsed = (time.perf_counter() - self._start.pop()) * 1000
        # A dict on PostgreSQL (named placeholders), a sequence on SQLite: kept as is, so --explain can re-run it.
        kept = dict(parameters) if isinstance(parameters, Mapping) else tuple(parameters or ())
        self.entries.append((statement, kept, elapsed))

    def reset(self) -> None:
        """Forget what was recorded."""
        self.entries.clear()


class Dashboard:
    """The real app on one database, with a trainer signed in through the login form."""

    def __init__(self, url: str):
        """Create the app for the database (a SQLAlchemy URL) and sign in."""
        from lms import create_app

        self.app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key-of-32-characters-at-least",
                               "TESTING": False, "RELAY_IN_APP": False,  # as served (gc.freeze in create_app)
                               "BASE_IRI": "https://lms.example.com"})
        self.engine = self.app.extensions["lms_db"][0]
        self.log = QueryLog(self.engine)
        self.client = self.app.test_client()
        page = self.client.get("/login").get_data(as_text=True)
        token = CSRF_RE.search(page).group(1)
        response = self.client.post("/login", data={"email": TRAINER_EMAIL, "password": TRAINER_PASSWORD,
                                                    "csrf_token": token})
        assert response.status_code == 302, f"login failed: {response.status_code}"

    def get(self, url: str):
        """One GET; returns (milliseconds, response)."""
        start = time.perf_counter()
        response = self.client.get(url)
        data = response.get_data()
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, (url, response.status_code, data[:300])
        return elapsed, response

    def measure(self, url: str, requests: int, warmup: int = 3) -> dict:
        """Warm up, then time `requests` GETs; also SQL statement count, SQL time and rows of the responses."""
        result = self.start(url, warmup)
        for _ in range(requests):
            self.sample(result)
        return result

    def start(self, url: str, warmup: int = 3) -> dict:
        """Warm up on a URL and return an empty result to fill with sample()."""
        for _ in range(warmup):
            self.get(url)
        return {"url": url, "samples": [], "sql_ms": [], "queries": set(), "rows": 0, "bytes": 0, "sql": []}

    def sample(self, result: dict) -> None:
        """Time one more GET of the result's URL and record it."""
        self.log.reset()
        elapsed, response = self.get(result["url"])
        result["samples"].append(elapsed)
        result["sql_ms"].append(sum(e[2] for e in self.log.entries))
        result["queries"].add(len(self.log.entries))
        body = response.get_data(as_text=True)
        result["rows"] = body.count("\n") - 1 if "csv" in response.mimetype else len(ROW_RE.findall(body))
        result["bytes"], result["sql"] = len(body), list(self.log.entries)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()


def stats(samples: list[float]) -> tuple[float, float, float]:
    """Median, p95 (nearest rank) and max of millisecond samples."""
    ordered = sorted(samples)
    p95 = ordered[max(0, min(len(ordered) - 1, -(-95 * len(ordered) // 100) - 1))]
    return statistics.median(ordered), p95, ordered[-1]


def overview(per_page: int = 50, **args) -> str:
    """The overview URL for the bench course with the given page size and filters."""
    query = "&".join(f"{k}={v}" for k, v in {"course": COURSE_SLUG, "per_page": per_page, **args}.items())
    return f"/reports/?{query}"


def print_row(label: str, result: dict, width: int = 46) -> None:
    """One line of the figures table."""
    median, p95, worst = stats(result["samples"])
    queries = "/".join(str(q) for q in sorted(result["queries"]))
    flag = "" if median <= BUDGET_MS else f"  median > {BUDGET_MS:.0f} ms"
    print(f"  {label:<{width}} {result['rows']:>6} {queries:>7} {median:>8.1f} {p95:>8.1f} {worst:>8.1f}"
          f" {statistics.median(result['sql_ms']):>7.1f} {result['bytes'] / 1024:>6.0f}{flag}")


def print_header(width: int = 46) -> None:
    """The header of the figures table."""
    print(f"  {'request':<{width}} {'rows':>6} {'queries':>7} {'median':>8} {'p95':>8} {'max':>8} {'SQL':>7} {'KiB':>6}")
    print(f"  {'-' * width} {'-' * 6} {'-' * 7} {'-' * 8} {'-' * 8} {'-' * 8} {'-' * 7} {'-' * 6}")


def describe(url: str) -> dict:
    """Learners of the big organisation, statements and a department name in an existing database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            def one(sql: str):
                return conn.execute(text(sql)).scalar()

            learners = one("SELECT COUNT(*) FROM users WHERE org_id = 1 AND role = 'learner'")
            shown = one("SELECT COUNT(*) FROM users WHERE org_id = 1 AND role = 'learner' AND active")
            statements = one("SELECT MAX(seq) FROM xapi_statements") or 0
            department = one("SELECT d.name FROM users u JOIN departments d ON d.id = u.department_id "
                             "WHERE u.org_id = 1 AND u.role = 'learner' GROUP BY d.name "
                             "ORDER BY COUNT(*) DESC LIMIT 1")
            size = one("SELECT pg_database_size(current_database())") if engine.dialect.name == "postgresql" \
                else Path(url[len("sqlite:///"):]).stat().st_size
    finally:
        engine.dispose()
    return {"learners": learners, "active": shown, "statements": statements, "department": department,
            "bytes": size}


def build(url: str, learners: int, statements: int, index_rows: bool) -> None:
    """Generate one database and print how long it took."""
    print(f"\nGenerating {url.rsplit('/', 1)[-1]}: {learners:,} learners, {statements:,} statements "
          f"({'with' if index_rows else 'without'} agent/activity index rows)")
    info = generate(url, learners, statements, index_rows=index_rows, log=print)
    print(f"  generated in {info.seconds['total']:.1f} s (migrate {info.seconds['migrate']:.1f}, people "
          f"{info.seconds['people']:.1f}, statements {info.seconds['statements']:.1f}, indexes "
          f"{info.seconds['indexes']:.1f})")


@contextmanager
def dashboard(url: str):
    """A signed-in Dashboard for a database, disposed afterwards."""
    board = Dashboard(url)
    try:
        yield board
    finally:
        board.close()


def explain(url: str, result: dict, top: int = 12) -> None:
    """Per-query times of one recorded request, slowest first, with the database's query plan (PostgreSQL:
    EXPLAIN ANALYZE, so each statement runs once more and its plan shows the actual rows, buffers and time)."""
    from sqlalchemy import create_engine

    print(f"\nSQL of one request to {result['url']} (slowest first):")
    engine = create_engine(url)
    # On PostgreSQL with ANALYZE: the execution time inside the server is far less sensitive to machine load
    # than the wall-clock figures, so plans and index changes compare by it.
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    try:
        with engine.connect() as conn:
            for statement, params, elapsed in sorted(result["sql"], key=lambda e: -e[2])[:top]:
                text = " ".join(statement.split())
                print(f"  {elapsed:7.2f} ms  {text[:150]}{'…' if len(text) > 150 else ''}")
                try:
                    plan = conn.exec_driver_sql(prefix + statement, params).fetchall()
                except Exception as exc:  # noqa: BLE001 - a plan is a bonus; say why there is none
                    conn.rollback()
                    print(f"             (no plan: {str(exc).splitlines()[0]})")
                    continue
                for row in plan:
                    print(f"             {row[-1]}")
    finally:
        engine.dispose()


def scaling(main_db: str, dbs: ScratchDatabases, learners: int, statements: int, n: int, index_rows: bool) -> None:
    """Time the overview on A (main), B (statements/10) and C (learners/5, statements/10), interleaved."""
    small_s, small_l = max(1, statements // 10), max(1, learners // 5)
    print(f"\nScaling: the same requests on databases that differ in one dimension "
          f"({n} requests each, interleaved A/B/C so machine noise hits all three alike)")
    few_statements, few_learners = dbs.new("few_statements"), dbs.new("few_learners")
    build(few_statements, learners, small_s, index_rows)
    build(few_learners, small_l, small_s, index_rows)
    databases = {"A": (main_db, f"A {learners:,} L / {statements:,} S"),
                 "B": (few_statements, f"B {learners:,} L / {small_s:,} S"),
                 "C": (few_learners, f"C {small_l:,} L / {small_s:,} S")}
    urls = {"50/page": overview(50), "200/page": overview(200), "CSV": f"/reports/export.csv?course={COURSE_SLUG}"}
    boards = {key: Dashboard(url) for key, (url, _label) in databases.items()}
    try:
        runs = {(key, kind): board.start(url) for key, board in boards.items() for kind, url in urls.items()}
        for kind in urls:
            for _ in range(n if kind != "CSV" else max(5, n // 3)):
                for key, board in boards.items():
                    board.sample(runs[(key, kind)])
    finally:
        for board in boards.values():
            board.close()
    print()
    print_header()
    for key, (_url, label) in databases.items():
        for kind in urls:
            print_row(f"{label}, {kind}", runs[(key, kind)])

    def ratio(x: str, y: str, kind: str) -> float:
        """Median of x over median of y for one kind of request."""
        return stats(runs[(x, kind)]["samples"])[0] / stats(runs[(y, kind)]["samples"])[0]

    rows_ratio = stats(runs[("A", "200/page")]["samples"])[0] / stats(runs[("A", "50/page")]["samples"])[0]
    print(f"\n  ratio of medians                                  {'  '.join(f'{k:>8}' for k in urls)}")
    print(f"  statements x{statements // small_s:<3} (A / B, same learners)          "
          + "  ".join(f"{ratio('A', 'B', k):8.2f}" for k in urls))
    print(f"  learners x{learners // small_l:<3} (B / C, same statements)            "
          + "  ".join(f"{ratio('B', 'C', k):8.2f}" for k in urls))
    print(f"  rows shown x4 (200/page over 50/page, on A)            {rows_ratio:8.2f}")
    prefix = f"reports.{dbs.kind.lower()}"
    figure(f"{prefix}.overview_50.statements_x10_ratio", ratio("A", "B", "50/page"), "x", digits=2)
    figure(f"{prefix}.overview_50.learners_x5_ratio", ratio("B", "C", "50/page"), "x", digits=2)
    figure(f"{prefix}.overview.rows_x4_ratio", rows_ratio, "x", digits=2)


def measure_main(url: str, facts: dict, n: int, explain_sql: bool, kind: str) -> None:
    """Time every overview variant and the CSV export on the main database; print the table and the figures."""
    learners = facts["learners"]
    print(f"\nGET through the real app, signed in as a trainer; {n} timed requests after 3 warm-ups "
          "(ms; SQL = median time inside cursor.execute, lazy fetches not included)")
    print_header()
    scenarios = [
        ("overview, 50 per page", overview(50), n),
        ("overview, 200 per page", overview(200), n),
        (f"overview, department={facts['department']}, 50/page", overview(50, department=facts["department"]), n),
        ("overview, search q=mueller, 50/page", overview(50, q="mueller"), n),
        ("overview, search q=schmidt, 200/page", overview(200, q="schmidt"), n),
        ("overview, sort=activity desc, 50/page", overview(50, sort="activity", dir="desc"), n),
        ("overview, last page, 50/page", overview(50, page=max(1, -(-facts["active"] // 50))), n),
        (f"export.csv, all {learners:,} learners", f"/reports/export.csv?course={COURSE_SLUG}", max(5, n // 3)),
    ]
    figures = {}
    with dashboard(url) as board:
        for label, target, count in scenarios:
            figures[label] = board.measure(target, count)
            print_row(label, figures[label])
        if explain_sql:
            explain(url, figures["overview, 50 per page"])

    overview_keys = [label for label, target, _count in scenarios if target.startswith("/reports/?")]
    worst_median = max(stats(figures[k]["samples"])[0] for k in overview_keys)
    worst_p95 = max(stats(figures[k]["samples"])[1] for k in overview_keys)
    print(f"\n  budget: every overview variant renders in under {BUDGET_MS:.0f} ms (median): "
          f"{'PASS' if worst_median < BUDGET_MS else 'FAIL'} (worst median {worst_median:.1f} ms, "
          f"worst p95 {worst_p95:.1f} ms)")
    counts = {q for k in overview_keys for q in figures[k]["queries"]}
    csv = figures[scenarios[-1][0]]
    print(f"  SQL statements per overview request: {sorted(counts)} for 0-200 rows shown "
          f"(CSV of all rows: {sorted(csv['queries'])})")
    prefix = f"reports.{kind.lower()}"
    for key, label in (("overview_50", "overview, 50 per page"), ("overview_200", "overview, 200 per page")):
        median, p95, _worst = stats(figures[label]["samples"])
        figure(f"{prefix}.{key}.median", median, "ms", baseline=BUDGET_MS, baseline_label="budget")
        figure(f"{prefix}.{key}.p95", p95, "ms", baseline=BUDGET_MS, baseline_label="budget")
    figure(f"{prefix}.overview_worst_variant.median", worst_median, "ms", baseline=BUDGET_MS, baseline_label="budget")
    figure(f"{prefix}.overview.sql_statements", max(counts), "statements", digits=0)
    figure(f"{prefix}.csv_all_learners.median", stats(csv["samples"])[0], "ms")


def main() -> None:
    """Generate (or reuse) the data, time the dashboard, prove the scaling claim and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=5000, help="learners in the big organisation (5,000)")
    parser.add_argument("--statements", type=int, default=1_000_000, help="xAPI statements (1,000,000)")
    parser.add_argument("--db", type=Path, help="SQLite file: reused if it exists, else generated and kept")
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server URL without database name "
                        "(scripts/pg-cluster.sh start DIR prints one); databases are created and dropped")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per figure (30)")
    parser.add_argument("--no-scaling", action="store_true", help="skip the statements/learners comparison")
    parser.add_argument("--no-index-rows", action="store_true",
                        help="do not fill xapi_statement_agents / xapi_statement_activities")
    parser.add_argument("--explain", action="store_true", help="print per-query times and plans of one request")
    add_smoke_flag(parser)
    args = parser.parse_args()
    if args.smoke:
        args.learners, args.statements, args.requests = 200, 3000, 3
    if args.db and args.postgres:
        parser.error("--db is for SQLite; with --postgres the databases are always generated")
    index_rows = not args.no_index_rows

    with ScratchDatabases(args.postgres, prefix="bench_reports") as dbs:
        main_db = database_url(args.db) if args.db else dbs.new("main")
        if args.db and args.db.exists():
            print(f"Reusing {args.db}")
        else:
            build(main_db, args.learners, args.statements, index_rows)
        facts = describe(main_db)
        learners, statements = facts["learners"], facts["statements"]
        print(f"\nDatabase ({dbs.kind}): {learners:,} learners (+ a second organisation), {statements:,} statements, "
              f"{facts['bytes'] / 1e9:.2f} GB")
        measure_main(main_db, facts, args.requests, args.explain, dbs.kind)
        if not args.no_scaling:
            scaling(main_db, dbs, learners, statements, args.requests, index_rows)


if __name__ == "__main__":
    main()
