"""since/until windows: the seq walk and the stored-time read give the same pages; the cheaper one is chosen."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert

from lms.lrs.models import Statement
from lms.lrs.query import StatementQuery, run_query, window_page

BASE = datetime(2026, 1, 1, tzinfo=timezone.utc)
VERBS = ("http://adlnet.gov/expapi/verbs/experienced", "http://adlnet.gov/expapi/verbs/passed")


def iso(t: datetime) -> str:
    """xAPI timestamp text."""
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def fill(db, org_id: int, count: int) -> list[dict]:
    """`count` statements one second apart, with some stored times out of seq order and some voided."""
    rows = []
    for i in range(count):
        # Concurrent writers can commit a later-stamped statement first: swap every 7th pair of stored times.
        second = i + 1 if i % 7 == 0 else i - 1 if i % 7 == 1 else i
        stored = BASE + timedelta(seconds=second)
        sid = str(uuid.UUID(int=i + 1))
        rows.append(dict(seq=1_000 + i, org_id=org_id, statement_id=sid, stored=stored, timestamp=stored,
                         actor_ifi="mbox:mailto:a@example.com", verb_id=VERBS[i % 2], activity_id="http://x/a",
                         voided=i % 11 == 5, raw=json.dumps({"id": sid})))
    db.execute(insert(Statement.__table__), rows)
    db.commit()
    return rows


def expected(rows, query: StatementQuery) -> list[int]:
    """The window's seqs, newest (or oldest) first, computed in Python."""
    since = datetime.fromisoformat(query.since.replace("Z", "+00:00")) if query.since else None
    until = datetime.fromisoformat(query.until.replace("Z", "+00:00")) if query.until else None
    seqs = [r["seq"] for r in rows if not r["voided"] and (since is None or r["stored"] > since)
            and (until is None or r["stored"] <= until) and (query.verb is None or r["verb_id"] == query.verb)]
    return sorted(seqs, reverse=not query.ascending)


def pages(db, org_id: int, query: StatementQuery, limit: int) -> list[int]:
    """Every page of the query, followed through the paging cursor as `more` does."""
    seen, cap = [], None
    while True:
        rows, more, cap = run_query(db, org_id, query, limit)
        seen += [row.seq for row in rows]
        if not more:
            return seen
        query.after, query.cap = rows[-1].seq, cap


WINDOWS = [(20, 60), (150, 190), (0, 400), (250, 600), (None, 30), (170, None), (99, 99)]


@pytest.mark.parametrize("budget", [1, 3, 10**9])
@pytest.mark.parametrize("ascending", [False, True])
def test_lrs_query_window_every_strategy_same_pages(app, db, world, monkeypatch, budget, ascending):
    """Whatever the budget (mostly stored-time reads, mixed, or seq walks only), the pages are the exact window."""
    monkeypatch.setattr("lms.lrs.query.WINDOW_BUDGET", budget)
    org_id = world["org_a"].id
    rows = fill(db, org_id, 200)
    for since, until in WINDOWS:
        for verb in (None, VERBS[1]):
            query = StatementQuery(since=iso(BASE + timedelta(seconds=since)) if since is not None else None,
                                   until=iso(BASE + timedelta(seconds=until)) if until is not None else None,
                                   ascending=ascending, verb=verb)
            assert pages(db, org_id, query, 7) == expected(rows, query), (since, until, verb)


def test_lrs_query_window_deep_in_history_read_by_stored_time(app, db, world, monkeypatch):
    """A window far from both ends is read through the stored-time index after two short seq walks."""
    monkeypatch.setattr("lms.lrs.query.WINDOW_BUDGET", 8)
    org_id = world["org_a"].id
    rows = fill(db, org_id, 400)
    query = StatementQuery(since=iso(BASE + timedelta(seconds=180)), until=iso(BASE + timedelta(seconds=220)))
    trace = []
    seqs, strategy = window_page(db, query, org_id, cap=1_399, limit=5, trace=trace)
    assert strategy == "stored"
    assert len(trace) == 5  # walk 1 seq (none), count up to 8 (40), walk 8 (none), count up to 64 (40), read
    assert seqs == expected(rows, query)[:6]


@pytest.mark.parametrize("ascending", [False, True])
def test_lrs_query_window_near_the_cursor_walks_seq(app, db, world, monkeypatch, ascending):
    """A wide window starting where the walk starts is answered by one bounded seq walk."""
    monkeypatch.setattr("lms.lrs.query.WINDOW_BUDGET", 100)
    org_id = world["org_a"].id
    rows = fill(db, org_id, 400)
    query = StatementQuery(since=iso(BASE - timedelta(seconds=1)), until=iso(BASE + timedelta(seconds=500)),
                           ascending=ascending)
    trace = []
    seqs, strategy = window_page(db, query, org_id, cap=1_399, limit=5, trace=trace)
    assert (strategy, len(trace)) == ("seq", 1)
    assert seqs == expected(rows, query)[:6]


@pytest.mark.parametrize("budget", [1, 10**9])
@pytest.mark.parametrize("ascending", [False, True])
def test_lrs_query_window_more_stable_when_statements_arrive(app, db, world, monkeypatch, budget, ascending):
    """Statements stored between pages (inside the window) never enter or shift the pages, by either strategy."""
    monkeypatch.setattr("lms.lrs.query.WINDOW_BUDGET", budget)
    org_id = world["org_a"].id
    rows = fill(db, org_id, 60)
    query = StatementQuery(since=iso(BASE), until=iso(BASE + timedelta(days=1)), ascending=ascending)
    want = expected(rows, query)
    page, more, cap = run_query(db, org_id, query, 7)
    seen = [row.seq for row in page]
    late = [dict(r, seq=r["seq"] + 100, statement_id=str(uuid.UUID(int=r["seq"] + 500)), voided=False)
            for r in rows[:20]]  # newer seqs, stored times inside the window (a slow writer's)
    db.execute(insert(Statement.__table__), late)
    db.commit()
    while more:
        query.after, query.cap = page[-1].seq, cap
        page, more, cap = run_query(db, org_id, query, 7)
        seen += [row.seq for row in page]
    assert seen == want
