"""Backfill: a new target is sent the organisation's existing statements, resumably and without duplicates."""
from __future__ import annotations

import pytest
from fwd_helpers import fresh, make_target, outbox, run_relay, statement, store
from sqlalchemy import func, select

from lms import db as dbmod
from lms.forwarding import outbox as outbox_mod
from lms.forwarding.models import ForwardTarget, OutboxItem
from lms.lrs.models import Statement


class Crash(Exception):
    """Stands in for the process dying before the transaction commits."""


def _seqs(db, org) -> list[int]:
    fresh(db)
    return list(db.scalars(select(Statement.seq).where(Statement.org_id == org.id).order_by(Statement.seq)))


def _target(db, target_id) -> ForwardTarget:
    fresh(db)
    return db.get(ForwardTarget, target_id)


def test_backfill_resumable_cursor_survives_a_crash(ctx, db, world):
    """A crash mid-chunk loses that chunk's rows and cursor together; resuming queues every statement once."""
    org = world["org_a"]
    store(db, org, [statement() for _ in range(23)])
    store(db, world["org_b"], [statement() for _ in range(4)])
    target = make_target(db, org, "http://127.0.0.1:9/xAPI/")
    store(db, org, [statement() for _ in range(3)])  # already queued by the receiver
    seqs = _seqs(db, org)
    with dbmod.session_scope() as s:
        outbox_mod.start_backfill(s, s.get(ForwardTarget, target.id))
        assert outbox_mod.backfill_step(s, s.get(ForwardTarget, target.id), chunk=10) == 10
    assert _target(db, target.id).backfill_cursor == seqs[9]
    with pytest.raises(Crash):
        with dbmod.session_scope() as s:
            assert outbox_mod.backfill_step(s, s.get(ForwardTarget, target.id), chunk=10) == 10
            raise Crash
    t = _target(db, target.id)
    assert t.backfill_cursor == seqs[9] and t.backfill_until == seqs[-1]
    assert len(outbox(db, target)) == 10 + 3
    added = []
    while _target(db, target.id).backfill_until is not None:
        with dbmod.session_scope() as s:
            added.append(outbox_mod.backfill_step(s, s.get(ForwardTarget, target.id), chunk=10))
    assert sum(added) == 13  # the 3 queued by the receiver are not queued again
    items = outbox(db, target)
    assert sorted(i.seq for i in items) == seqs
    assert _target(db, target.id).backfill_cursor is None


def test_backfill_restart_adds_no_duplicates(ctx, db, world):
    """Starting the backfill again midway (or after it ended) never queues a statement twice."""
    org = world["org_a"]
    store(db, org, [statement() for _ in range(12)])
    target = make_target(db, org, "http://127.0.0.1:9/xAPI/")
    for _round in range(2):
        with dbmod.session_scope() as s:
            outbox_mod.start_backfill(s, s.get(ForwardTarget, target.id))
            outbox_mod.backfill_step(s, s.get(ForwardTarget, target.id), chunk=5)
    while _target(db, target.id).backfill_until is not None:
        with dbmod.session_scope() as s:
            outbox_mod.backfill_step(s, s.get(ForwardTarget, target.id), chunk=5)
    fresh(db)
    counts = db.execute(select(OutboxItem.seq, func.count()).where(OutboxItem.target_id == target.id)
                        .group_by(OutboxItem.seq)).all()
    assert len(counts) == 12 and {c for _s, c in counts} == {1}


def test_backfill_applies_the_target_filters(ctx, db, world):
    """A filtered target is backfilled with the matching statements only."""
    org = world["org_a"]
    ids = store(db, org, [statement(verb="passed"), statement(verb="failed"), statement(verb="passed",
                                                                                       activity="https://x.example/a")])
    target = make_target(db, org, "http://127.0.0.1:9/xAPI/", course_slugs=["mini"],
                         verb_ids=["http://adlnet.gov/expapi/verbs/passed"])
    with dbmod.session_scope() as s:
        outbox_mod.start_backfill(s, s.get(ForwardTarget, target.id))
        assert outbox_mod.backfill_step(s, s.get(ForwardTarget, target.id)) == 1
    fresh(db)
    seq = db.scalar(select(Statement.seq).where(Statement.statement_id == ids[0]))
    assert [i.seq for i in outbox(db, target)] == [seq]


def test_backfill_relay_continues_in_chunks(fwd_app, db, world, fake_lrs):
    """The relay queues the next chunk whenever the target has nothing else due, until all are delivered."""
    fwd_app.config["FORWARDING_BACKFILL_CHUNK"] = 7
    org = world["org_a"]
    ids = store(db, org, [statement() for _ in range(30)])
    target = make_target(db, org, fake_lrs.endpoint, batch_size=5)
    with fwd_app.app_context(), dbmod.session_scope() as s:
        outbox_mod.start_backfill(s, s.get(ForwardTarget, target.id))
    assert run_relay(fwd_app) == 30
    assert set(fake_lrs.store) == set(ids) and fake_lrs.accepted_new == 30
    assert outbox(db, target) == [] and _target(db, target.id).backfill_until is None
    assert max(n for _m, _p, n, _b in fake_lrs.requests) <= 5
