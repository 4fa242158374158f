"""Benchmark the LRS Statement Resource: filtered GET at N stored statements, ingest rates, raw-SQLite baseline.

Fills a migrated database (SQLite, or PostgreSQL with --postgres) with N statements through the LRS tables
(xapi_statements and the agent and activity index rows, exactly as store.py writes them) in bulk through the
models' table metadata (bench/_tables.py), then times
GET /xapi/statements?agent=…&verb=… through the Flask test client (median/p95 of 50 requests), prints the
query plan, measures POST ingest (single statements and batches of 100) and compares it with raw sqlite3
inserts of the same JSON into a one-column table.

    .venv/bin/python bench/bench_lrs_query.py              # N = 1,000,000
    .venv/bin/python bench/bench_lrs_query.py --n 200000
    url=$(scripts/pg-cluster.sh start /tmp/pg) && .venv/bin/python bench/bench_lrs_query.py --postgres "$url"
    .venv/bin/python bench/bench_lrs_query.py --smoke                 # 2,000 statements, seconds
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import random
import sqlite3
import statistics
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._databases import ScratchDatabases  # noqa: E402
from bench._figures import add_smoke_flag, figure  # noqa: E402
from bench._gate_time import gate_timed, report as report_gate  # noqa: E402
from bench._http_ingest import compare_with_ralph  # noqa: E402
from bench._lrs_fill_pg import fill_postgres  # noqa: E402
from bench._lrs_plans import print_plan, print_window_shapes, window  # noqa: E402
from bench._tables import BulkWriter  # noqa: E402
from bench.bench_load import serve_workers  # noqa: E402

VERBS = [f"http://adlnet.gov/expapi/verbs/{name}" for name in (
    "experienced", "completed", "passed", "failed", "answered", "attempted", "launched", "progressed",
    "registered", "earned", "responded", "created", "accepted", "commented", "shared", "liked", "asked",
    "interacted", "scored", "terminated")]
HOME = "http://lms.bench"


def actor(n: int) -> dict:
    """The bench's n-th learner as an account Agent."""
    return {"objectType": "Agent", "account": {"homePage": HOME, "name": f"user-{n}"}}


def make_statement(rng: random.Random, agents: int, stored: datetime | None = None) -> dict:
    """A realistic LMS statement (actor account, verb, activity with definition, context)."""
    verb = rng.choice(VERBS)
    statement = {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "actor": actor(rng.randrange(agents)),
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[1]}},
        "object": {"objectType": "Activity", "id": f"{HOME}/activity/{rng.randrange(5000)}",
                   "definition": {"type": "http://adlnet.gov/expapi/activities/lesson",
                                  "name": {"de-DE": "Lektion", "en-US": "Lesson"}}},
        "context": {"registration": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "platform": "bench",
                    "contextActivities": {"parent": [{"objectType": "Activity", "id": f"{HOME}/course/1"}]}},
        "result": {"completion": True, "score": {"scaled": round(rng.random(), 3)}},
    }
    if stored is not None:
        text = stored.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stored.microsecond // 1000:03d}Z"
        statement.update(timestamp=text, stored=text, version="1.0.0",
                         authority={"objectType": "Agent", "name": "bench",
                                    "account": {"homePage": "http://localhost", "name": "lrs-client-1"}})
    return statement


def fill(url: str, org_id: int, n: int, agents: int, seed: int = 7) -> float:
    """Insert n statements with their index rows in bulk (indexes built afterwards); returns seconds taken."""
    from sqlalchemy import create_engine

    rng = random.Random(seed)
    start = time.perf_counter()
    engine = create_engine(url)
    writer = BulkWriter(engine)
    with engine.connect() as conn:
        first_seq = conn.exec_driver_sql("SELECT COALESCE(MAX(seq), 0) FROM xapi_statements").scalar() + 1
    base = datetime(2025, 1, 1, tzinfo=timezone.utc)
    authority_ifi = "account:http://localhost|lrs-client-1"
    chunk = 50_000
    with writer.without_indexes(["xapi_statements", "xapi_statement_agents", "xapi_statement_activities"]):
        for offset in range(0, n, chunk):
            stmts, agent_rows, activity_rows = [], [], []
            for i in range(offset, min(n, offset + chunk)):
                seq = first_seq + i
                stored = base + timedelta(milliseconds=i * 10)
                s = make_statement(rng, agents, stored)
                ifi, verb = f"account:{HOME}|{s['actor']['account']['name']}", s["verb"]["id"]
                stmts.append(dict(seq=seq, org_id=org_id, statement_id=s["id"], stored=stored, timestamp=stored,
                                  actor_ifi=ifi, verb_id=verb, activity_id=s["object"]["id"],
                                  registration=s["context"]["registration"], voided=False, version="1.0.0",
                                  raw=json.dumps(s, separators=(",", ":"))))
                agent_rows += [dict(seq=seq, org_id=org_id, ifi=ifi, relation="actor", verb_id=verb),
                               dict(seq=seq, org_id=org_id, ifi=authority_ifi, relation="related", verb_id=verb)]
                activity_rows += [dict(seq=seq, org_id=org_id, activity_id=s["object"]["id"], relation="object"),
                                  dict(seq=seq, org_id=org_id, activity_id=f"{HOME}/course/1", relation="related")]
            writer.insert("xapi_statements", stmts)
            writer.insert("xapi_statement_agents", agent_rows)
            writer.insert("xapi_statement_activities", activity_rows)
            print(f"  filled {min(n, offset + chunk):>9,} statements ({time.perf_counter() - start:5.1f} s)",
                  flush=True)
    writer.finish()
    engine.dispose()
    return time.perf_counter() - start


def timed(client, url: str, headers: dict, count: int) -> list[float]:
    """Wall-clock milliseconds of `count` GETs (after one warm-up)."""
    client.get(url, headers=headers)
    out = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        out.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.data[:300]
    return out


def paged(client, headers: dict, args) -> list[float]:
    """Milliseconds per page: a since/until window with limit=100, the first page and two `more` pages."""
    out = []
    for _ in range(max(1, args.requests // 3)):
        url = "/xapi/statements?" + urlencode({**window(args.n), "limit": 100})
        for _page in range(3):
            start = time.perf_counter()
            response = client.get(url, headers=headers)
            out.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.data[:300]
            url = response.get_json().get("more")
            if not url:
                break
            url = url[url.index("/xapi/"):]
    return out


def report(label: str, samples: list[float], name: str) -> None:
    """Print median and p95 of millisecond samples, and the median as a figure."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered))) - 1)]
    print(f"  {label:<44} median {statistics.median(ordered):7.2f} ms   p95 {p95:7.2f} ms   (n={len(ordered)})")
    figure(f"{name}.median", statistics.median(ordered), "ms", digits=2)


def baseline(path: Path, docs: list[str], batch: int) -> float:
    """Raw sqlite3 inserts of JSON documents into a one-column table, one commit per `batch`; docs/s."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE IF NOT EXISTS raw_baseline (doc TEXT)")
    start = time.perf_counter()
    for offset in range(0, len(docs), batch):
        with conn:
            conn.executemany("INSERT INTO raw_baseline (doc) VALUES (?)", [(d,) for d in docs[offset:offset + batch]])
    elapsed = time.perf_counter() - start
    conn.close()
    return len(docs) / elapsed


def prepare(url: str):
    """Migrate, create two organisations and an LRS credential; the app, the org id and the auth headers."""
    from lms import create_app
    from lms.auth.services import create_organisation
    from lms.migrations import upgrade
    from lms.lrs.lrs_auth import create_credential
    from lms.auth.models import Organisation
    from sqlalchemy import select

    upgrade(url)
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url, "BASE_IRI": HOME,
                      "BUNDLED_CONTENT": False, "COURSES_DIR": str(REPO / "tests/content/courses"),
                      "QUIZZES_DIR": str(REPO / "tests/content/quizzes")})
    session = app.extensions["lms_db"][1]()
    org = session.scalar(select(Organisation).where(Organisation.slug == "bench"))  # --database: filled before
    if org is None:
        org = create_organisation(session, "Bench", "bench")
        create_organisation(session, "Other", "other")
    credential, secret = create_credential(session, org.id, "bench")
    session.commit()
    org_id = credential.org_id
    session.close()
    headers = {"X-Experience-API-Version": "1.0.3",
               "Authorization": "Basic " + base64.b64encode(f"{credential.key}:{secret}".encode()).decode()}
    return app, org_id, headers


def stored_count(app) -> int:
    """Statements in the database (the --database one may be filled already)."""
    with app.extensions["lms_db"][0].connect() as conn:
        return conn.exec_driver_sql("SELECT COUNT(*) FROM xapi_statements").scalar()


def plan_queries(n: int) -> list[tuple[str, object]]:
    """(label, StatementQuery) of the filters whose plans are printed."""
    from lms.lrs.query import StatementQuery

    return [("agent + verb", StatementQuery(agent=f"account:{HOME}|user-1", verb=VERBS[0])),
            ("activity + related_activities", StatementQuery(activity=f"{HOME}/course/1", related_activities=True)),
            ("since/until window", StatementQuery(**window(n)))]


def queries(client, headers: dict, args, prefix: str) -> None:
    """Time the filtered GETs and print them."""
    rng = random.Random(11)
    print(f"GET /xapi/statements at {args.n:,} statements (Flask test client, full request incl. auth):")
    samples = []
    for _ in range(args.requests):
        params = {"agent": json.dumps(actor(rng.randrange(args.agents))), "verb": rng.choice(VERBS)}
        samples += timed(client, "/xapi/statements?" + urlencode(params), headers, 1)
    report("agent + verb", samples, f"{prefix}.get_agent_verb")
    samples = []
    for _ in range(args.requests):
        samples += timed(client, "/xapi/statements?" + urlencode(
            {"agent": json.dumps(actor(rng.randrange(args.agents)))}), headers, 1)
    report("agent only (all its statements)", samples, f"{prefix}.get_agent")
    samples = []
    for _ in range(args.requests):
        samples += timed(client, "/xapi/statements?" + urlencode(
            {"activity": f"{HOME}/activity/{rng.randrange(5000)}", "related_activities": "true", "limit": 100}),
            headers, 1)
    report("activity + related_activities, limit=100", samples, f"{prefix}.get_activity_related")
    report("since/until (1 % window), 3 pages via more", paged(client, headers, args), f"{prefix}.get_since_until_page")
    report("verb only, limit=100", timed(client, "/xapi/statements?" + urlencode(
        {"verb": VERBS[3], "limit": 100}), headers, args.requests), f"{prefix}.get_verb_limit100")
    report("no filter, limit=100", timed(client, "/xapi/statements?limit=100", headers, args.requests),
           f"{prefix}.get_unfiltered_limit100")


def ingest(client, headers: dict, args, work: Path, prefix: str) -> None:
    """POST single statements and batches of 100; compare with raw sqlite3 inserts of the same JSON."""
    print("Ingest through POST /xapi/statements:")
    gen = random.Random(5)
    singles = [make_statement(gen, args.agents) for _ in range(args.singles)]
    with gate_timed() as single_gate:
        start = time.perf_counter()
        for statement in singles:
            response = client.post("/xapi/statements", json=statement, headers=headers)
            assert response.status_code == 200, response.data[:300]
        single_rate = len(singles) / (time.perf_counter() - start)
    batches = [[make_statement(gen, args.agents) for _ in range(100)] for _ in range(args.batches)]
    with gate_timed() as batch_gate:
        start = time.perf_counter()
        for batch in batches:
            response = client.post("/xapi/statements", json=batch, headers=headers)
            assert response.status_code == 200, response.data[:300]
        batch_rate = 100 * len(batches) / (time.perf_counter() - start)
    raw_single = baseline(work / "baseline.sqlite3", [json.dumps(s) for s in singles], 1)
    raw_batch = baseline(work / "baseline.sqlite3", [json.dumps(s) for b in batches for s in b], 100)
    print(f"  POST single statement   {single_rate:10,.0f} statements/s   raw sqlite3 (commit each) "
          f"{raw_single:10,.0f}/s   ratio {single_rate / raw_single:.3f}")
    print(f"  POST batches of 100     {batch_rate:10,.0f} statements/s   raw sqlite3 (commit per 100) "
          f"{raw_batch:10,.0f}/s   ratio {batch_rate / raw_batch:.3f}")
    figure(f"{prefix}.post_single", single_rate, "statements/s", baseline=raw_single,
           baseline_label="raw sqlite3, commit each", digits=0)
    figure(f"{prefix}.post_batch100", batch_rate, "statements/s", baseline=raw_batch,
           baseline_label="raw sqlite3, commit per 100", digits=0)
    report_gate(f"{prefix}.post_single", "POST single", len(singles), single_gate)
    report_gate(f"{prefix}.post_batch100", "POST batches of 100", 100 * len(batches), batch_gate)


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="statements to store (default 1,000,000)")
    parser.add_argument("--agents", type=int, default=10_000, help="distinct actors (default 10,000)")
    parser.add_argument("--requests", type=int, default=50, help="GET requests per figure (default 50)")
    parser.add_argument("--singles", type=int, default=500, help="statements POSTed one by one (default 500)")
    parser.add_argument("--batches", type=int, default=30, help="batches of 100 POSTed (default 30)")
    parser.add_argument("--http-batches", type=int, default=200, help="batches of 100 POSTed over HTTP to this LRS "
                        "and to ralph (default 200)")
    parser.add_argument("--http-singles", type=int, default=500, help="single statements POSTed over HTTP to this LRS "
                        "(default 500; ralph gets at most --http-singles-ralph of them)")
    parser.add_argument("--http-singles-ralph", type=int, default=200, help="at most this many of the single "
                        "statements go to ralph (about 80 ms each; default 200)")
    parser.add_argument("--concurrency", type=int, default=8, help="HTTP client connections (default 8)")
    parser.add_argument("--workers", type=int, default=serve_workers(),
                        help="gunicorn workers (default as scripts/serve.sh: LMS_WORKERS, else 2 x cores + 1)")
    parser.add_argument("--fast-fill", action="store_true", help="PostgreSQL: fill with INSERT … SELECT "
                        "generate_series inside the server (for --n 10000000)")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP ingest comparison with ralph")
    parser.add_argument("--database", metavar="URL", help="an existing database (kept): migrated, and filled only "
                        "when it holds fewer than N statements; e.g. to measure again on a 10 M fill")
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server URL without database name "
                        "(scripts/pg-cluster.sh start DIR prints one); a database is created and dropped")
    add_smoke_flag(parser)
    args = parser.parse_args()
    if args.smoke:
        args.n, args.agents, args.requests, args.singles, args.batches = 2000, 100, 5, 20, 2
        args.http_batches, args.http_singles, args.workers = 2, 10, 2

    with ScratchDatabases(args.postgres, prefix="bench_lrs") as dbs:  # --database: never dropped (not made here)
        url = args.database or dbs.new("lrs")
        kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        app, org_id, headers = prepare(url)
        prefix = f"lrs.{kind.lower()}"
        stored = stored_count(app)
        if stored < args.n:
            print(f"Filling {args.n - stored:,} statements ({args.agents:,} actors, {len(VERBS)} verbs) "
                  f"into {kind} ...")
            if args.fast_fill and kind == "PostgreSQL":
                seconds = fill_postgres(url, org_id, args.n - stored, args.agents, VERBS, HOME)
            else:
                seconds = fill(url, org_id, args.n - stored, args.agents)
            print(f"  fill: {seconds:.1f} s ({(args.n - stored) / seconds:,.0f} statements/s incl. index rows)")
        else:
            print(f"{stored:,} statements already stored in {url}: no fill")
        print_plan(app, org_id, plan_queries(args.n))
        print_window_shapes(app, org_id, args.n, prefix)
        client = app.test_client()
        queries(client, headers, args, prefix)
        ingest(client, headers, args, dbs.workdir, prefix)
        app.extensions["lms_db"][0].dispose()
        if not args.no_http:
            key, secret = base64.b64decode(headers["Authorization"].split()[1]).decode().split(":", 1)
            compare_with_ralph(url, key, secret, args, prefix, dbs.workdir)


if __name__ == "__main__":
    main()
