"""The transactional outbox: items are written with the statement, per matching active target."""
from __future__ import annotations

import pytest
from fwd_helpers import COURSE_IRI, OTHER_IRI, fresh, make_target, outbox, raw_by_id, statement, store
from sqlalchemy import func, select

from lms.forwarding.models import PENDING
from lms.lrs.models import Statement


def _count(db, model) -> int:
    fresh(db)
    return db.scalar(select(func.count()).select_from(model))


@pytest.fixture
def store_route(fwd_app, world):
    """A POST route that stores one statement for org A in the request session, then ends as told."""
    from lms.db import get_session
    from lms.lrs.store import store_statements

    org_id = world["org_a"].id

    @fwd_app.route("/_test/store/<mode>", methods=["POST"])
    def _store_then(mode):
        store_statements(get_session(), org_id, [statement()], authority={"objectType": "Agent", "account": {
            "homePage": "http://lms.test", "name": "lms"}}, version="1.0.3")
        if mode == "raise":
            raise RuntimeError("the request fails after storing")
        return ("failed", 500) if mode == "fail" else ("ok", 200)

    return fwd_app


def test_outbox_transaction_rolled_back_request_leaves_nothing(store_route, client, db, world):
    """A request that stores a statement and then fails leaves neither the statement nor its outbox row."""
    from lms.forwarding.models import OutboxItem

    make_target(db, world["org_a"], "http://127.0.0.1:9/xAPI/")
    assert client.post("/_test/store/fail").status_code == 500
    with pytest.raises(RuntimeError):
        client.post("/_test/store/raise")
    assert _count(db, Statement) == 0
    assert _count(db, OutboxItem) == 0
    assert client.post("/_test/store/ok").status_code == 200
    assert _count(db, Statement) == 1
    assert _count(db, OutboxItem) == 1


def test_outbox_transaction_learner_action_queues_its_statements(fwd_app, client, db, world, login_as):
    """Enrolling through the real course page queues every statement it emits, in the same commit."""
    target = make_target(db, world["org_a"], "http://127.0.0.1:9/xAPI/")
    login_as("learner_a")
    assert client.post("/courses/mini/start").status_code == 302
    stored = raw_by_id(db, world["org_a"])
    assert stored, "enrolling emitted no statements"
    items = outbox(db, target)
    assert len(items) == len(stored)
    seqs = set(db.scalars(select(Statement.seq).where(Statement.org_id == world["org_a"].id)))
    assert {i.seq for i in items} == seqs
    assert all(i.status == PENDING and i.attempts == 0 for i in items)


def test_outbox_filter_course_and_verb(fwd_app, db, world):
    """Course filters match object, context activities or registration; verb filters match the verb id."""
    from lms.courses.models import Enrolment

    org = world["org_a"]
    by_course = make_target(db, org, "http://127.0.0.1:9/xAPI/", course_slugs=["mini"])
    by_verb = make_target(db, org, "http://127.0.0.1:9/xAPI/", verb_ids=["http://adlnet.gov/expapi/verbs/passed"])
    both = make_target(db, org, "http://127.0.0.1:9/xAPI/", course_slugs=["mini"],
                       verb_ids=["http://adlnet.gov/expapi/verbs/passed"])
    everything = make_target(db, org, "http://127.0.0.1:9/xAPI/")
    enrolment = Enrolment(user_id=world["learner_a"].id, org_id=org.id, course_slug="mini")
    db.add(enrolment)
    db.commit()
    cases = {
        "object": statement(activity=f"{COURSE_IRI}/lesson/x"),
        "course-itself": statement(activity=COURSE_IRI),
        "grouping": statement(activity="https://elsewhere.example/a", grouping=COURSE_IRI),
        "registration": statement(activity="https://elsewhere.example/b", registration=enrolment.registration),
        "other-course": statement(activity=f"{OTHER_IRI}/lesson/x", grouping=OTHER_IRI),
        "prefix-lookalike": statement(activity=COURSE_IRI + "-2/lesson/x"),
        "passed-other": statement(verb="passed", activity=f"{OTHER_IRI}/x"),
        "passed-course": statement(verb="passed", activity=f"{COURSE_IRI}/x"),
    }
    ids = dict(zip(cases, store(db, org, list(cases.values()))))
    seq_of = dict(db.execute(select(Statement.statement_id, Statement.seq)).all())

    def names(target) -> set[str]:
        """The case names queued for a target."""
        seqs = {i.seq for i in outbox(db, target)}
        return {name for name, sid in ids.items() if seq_of[sid] in seqs}

    assert names(by_course) == {"object", "course-itself", "grouping", "registration", "passed-course"}
    assert names(by_verb) == {"passed-other", "passed-course"}
    assert names(both) == {"passed-course"}
    assert names(everything) == set(cases)


def test_outbox_inactive_target_gets_nothing(fwd_app, db, world):
    """Inactive targets and other organisations' targets get no outbox rows."""
    active = make_target(db, world["org_a"], "http://127.0.0.1:9/xAPI/")
    paused = make_target(db, world["org_a"], "http://127.0.0.1:9/xAPI/", active=False)
    other_org = make_target(db, world["org_b"], "http://127.0.0.1:9/xAPI/")
    store(db, world["org_a"], [statement() for _ in range(3)])
    assert len(outbox(db, active)) == 3
    assert outbox(db, paused) == []
    assert outbox(db, other_org) == []


def test_outbox_probe_sees_only_own_active_targets(fwd_app, db, world, monkeypatch):
    """The driver-level probe answers "no target" for an organisation with only paused targets, even while another
    organisation has an active one: the ORM target query (here made to return every target) is then never asked."""
    from sqlalchemy import true

    from lms.forwarding import outbox as outbox_module
    from lms.forwarding.models import ForwardTarget

    paused = make_target(db, world["org_a"], "http://127.0.0.1:9/xAPI/", active=False)
    other_org = make_target(db, world["org_b"], "http://127.0.0.1:9/xAPI/")
    monkeypatch.setattr(outbox_module, "_ACTIVE_TARGETS", select(ForwardTarget).where(true()))
    store(db, world["org_a"], [statement()])
    assert outbox(db, paused) == [] and outbox(db, other_org) == []
    active = make_target(db, world["org_a"], "http://127.0.0.1:9/xAPI/other/")
    store(db, world["org_a"], [statement()])
    assert len(outbox(db, active)) == 1 and len(outbox(db, other_org)) == 1  # the patched query, now asked
