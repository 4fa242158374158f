"""Query plans and since/until window shapes for bench_lrs_query.py (SQLite EXPLAIN QUERY PLAN, PostgreSQL
EXPLAIN ANALYZE): every query one page runs, and each window shape's strategy and page times."""
from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

from bench._figures import figure


def window(n: int) -> dict:
    """since/until around the middle of the filled history, holding about 1 % of the statements."""
    base = datetime(2025, 1, 1, tzinfo=timezone.utc)
    since = base + timedelta(milliseconds=10 * (n // 2))
    until = since + timedelta(milliseconds=10 * max(n // 100, 300))
    return {"since": since.isoformat().replace("+00:00", "Z"), "until": until.isoformat().replace("+00:00", "Z")}


def plan_statements(session, query, org_id: int) -> list[tuple[str, object]]:
    """(label, statement) of every query one page of `query` runs (a since/until window: as many as it takes)."""
    from sqlalchemy import text

    from lms.lrs.query import _direct, _Shape, _values, _via_refs, _window_query, window_page

    # The first page's cap, as run_query sets it: the organisation's newest statement.
    cap = session.execute(text("SELECT MAX(seq) FROM xapi_statements WHERE org_id = :o"), {"o": org_id}).scalar()
    shape = _Shape.of(query)
    if _window_query(query):
        trace: list = []
        _seqs, strategy = window_page(session, query, org_id, cap, 100, trace=trace)
        parts = [(f" (step {i + 1} of {len(trace)}, strategy {strategy})", statement.params(values))
                 for i, (statement, values) in enumerate(trace)]
    else:
        parts = [("", _direct(shape).params(_values(query, org_id, cap, limit=101)))]
    # Every filtered GET also runs the StatementRef chains query (Communication 2.1.3).
    return parts + [(" (StatementRef chains)", _via_refs(shape).params(_values(query, org_id, cap)))]


def print_plan(app, org_id: int, queries: list) -> None:
    """The database's plan for each filter (PostgreSQL: EXPLAIN ANALYZE with buffers, i.e. the actual run)."""
    from sqlalchemy.orm import Session

    with app.app_context():
        engine = app.extensions["lms_db"][0]
        postgres = engine.dialect.name == "postgresql"
        prefix = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)" if postgres else "EXPLAIN QUERY PLAN"
        for label, query in queries:
            with Session(engine) as session:
                statements = plan_statements(session, query, org_id)
            total = 0.0
            for part, statement in statements:
                sql = statement.compile(engine, compile_kwargs={"literal_binds": True})
                with engine.connect() as conn:
                    plan = conn.exec_driver_sql(f"{prefix} {sql}").fetchall()
                print(f"Query plan for {label}{part}:")
                for row in plan:
                    print("   ", row[-1])
                    if str(row[-1]).startswith("Execution Time:"):  # the database's own time, no HTTP or Python
                        total += float(row[-1].split()[2])
            if postgres:  # all queries of one page, StatementRef chains included
                figure(f"lrs.postgresql.sql_{label.split()[0].replace('/', '_')}", total, "ms", digits=2)


def window_shapes(n: int) -> list[tuple[str, dict]]:
    """since/until windows of every shape over the filled history (stored every 10 ms from 2025-01-01)."""
    def at(i: float) -> str:
        moment = datetime(2025, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=10 * int(i))
        return moment.isoformat().replace("+00:00", "Z")

    return [("recent 1 % (since only)", {"since": at(n * 0.99)}),
            ("middle 0.1 %", {"since": at(n * 0.5), "until": at(n * 0.501)}),
            ("middle 1 %", window(n)),
            ("middle 10 %", {"since": at(n * 0.45), "until": at(n * 0.55)}),
            ("oldest 1 %, ascending", {"until": at(n * 0.01), "ascending": True}),
            ("oldest 1 %, descending", {"until": at(n * 0.01)}),
            ("whole history, ascending", {"since": at(-1), "ascending": True})]


def print_window_shapes(app, org_id: int, n: int, prefix: str) -> None:
    """For each window shape: strategy, queries run and in-process time of the first and the next page."""
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from lms.lrs.query import StatementQuery, window_page

    print(f"since/until windows at {n:,} statements, pages of 100 (in-process, SQL and Python, no HTTP):")
    with Session(app.extensions["lms_db"][0]) as session:
        cap = session.execute(text("SELECT MAX(seq) FROM xapi_statements WHERE org_id = :o"), {"o": org_id}).scalar()
        for label, params in window_shapes(n):
            query, cells = StatementQuery(**params), []
            for page in (1, 2):
                window_page(session, query, org_id, cap, 100)  # warm
                trace: list = []
                start = time.perf_counter()
                seqs, strategy = window_page(session, query, org_id, cap, 100, trace=trace)
                ms = (time.perf_counter() - start) * 1000
                cells.append(f"page {page}: {ms:7.2f} ms ({strategy}, {len(trace)} queries)")
                slug = re.sub(r"[^a-z0-9]+", "_", label.replace("%", "pct").lower()).strip("_")
                figure(f"{prefix}.window_{slug}_page{page}", ms, "ms", digits=2)
                if len(seqs) <= 100:
                    break
                query.after = seqs[99]
            print(f"  {label:<28} " + "   ".join(cells))
