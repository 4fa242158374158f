"""store.py: the storage service (LRS properties, conflicts, voiding, index rows, signal) and comparison."""
from __future__ import annotations

import hashlib
import json
import re
import uuid

import pytest
from sqlalchemy import select

from lms import signals
from lms.lrs.models import Attachment, Statement, StatementActivity, StatementAgent
from lms.lrs.store import StatementConflict, statements_equivalent, store_statements

AUTHORITY = {"objectType": "Agent", "name": "LMS", "account": {"homePage": "http://lms.test", "name": "lms"}}
VERB = "http://adlnet.gov/expapi/verbs/experienced"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
LEA = {"objectType": "Agent", "mbox": "mailto:lea@example.com"}
BEN = {"objectType": "Agent", "mbox": "mailto:ben@example.com"}


def statement(**overrides) -> dict:
    """A minimal valid statement; keyword arguments replace top-level properties."""
    data = {"actor": LEA, "verb": {"id": VERB}, "object": {"objectType": "Activity", "id": "http://example.com/a"}}
    data.update(overrides)
    return data


def store(db, org, statements, version="1.0.3", **kwargs) -> list[str]:
    """Store statements for an organisation with the test authority."""
    return store_statements(db, org.id, statements, authority=AUTHORITY, version=version, **kwargs)


def row(db, org, statement_id: str) -> Statement:
    """The stored row of a statement id in an organisation."""
    return db.scalar(select(Statement).where(Statement.org_id == org.id,
                                             Statement.statement_id == statement_id.lower()))


def test_store_assigns_lrs_properties(db, world):
    """Missing id, stored, timestamp, version and the authority are filled in."""
    org = world["org_a"]
    [sid] = store(db, org, [statement(authority={"objectType": "Agent", "mbox": "mailto:x@example.com"})])
    raw = json.loads(row(db, org, sid).raw)
    assert uuid.UUID(sid).version == 4 and raw["id"] == sid
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", raw["stored"])
    assert raw["timestamp"] == raw["stored"] and raw["authority"] == AUTHORITY and raw["version"] == "1.0.0"


def test_store_version_rules(db, world):
    """1.0.x requests store 1.0.0, 2.0 requests 2.0.0, and a statement's own version is kept."""
    org = world["org_a"]
    a, = store(db, org, [statement()], version="1.0.1")
    b, = store(db, org, [statement()], version="2.0.0")
    c, = store(db, org, [statement(version="1.0.2")], version="1.0.3")
    assert [row(db, org, x).version for x in (a, b, c)] == ["1.0.0", "2.0.0", "1.0.2"]


def test_store_does_not_mutate_input(db, world):
    """The caller's statement dicts (nested ones included) are left unchanged."""
    context = {"contextActivities": {"parent": {"id": "http://x.y/p"}}}
    sub = {"objectType": "SubStatement", "actor": BEN, "verb": {"id": VERB},
           "object": {"objectType": "Activity", "id": "http://x.y/s"}, "context": context}
    original = statement(context=context, object=sub)
    snapshot = json.dumps(original)
    sid, = store(db, world["org_a"], [original])
    assert json.dumps(original) == snapshot
    raw = json.loads(row(db, world["org_a"], sid).raw)
    assert raw["object"]["context"]["contextActivities"]["parent"] == [{"id": "http://x.y/p"}]


def test_store_identical_is_skipped(db, world):
    """An existing id with equivalent content adds no row and sends no signal."""
    org = world["org_a"]
    sid = str(uuid.uuid4())
    store(db, org, [statement(id=sid)])
    sent = []

    def receiver(sender, **kwargs):
        sent.append(kwargs)

    signals.statements_stored.connect(receiver)
    try:
        assert store(db, org, [statement(id=sid.upper())]) == [sid.upper()]
    finally:
        signals.statements_stored.disconnect(receiver)
    assert sent == [] and db.query(Statement).filter_by(statement_id=sid).count() == 1


def test_store_conflict_raises_and_stores_nothing(db, world):
    """A different statement under an existing id raises StatementConflict before any row is added."""
    org = world["org_a"]
    sid = str(uuid.uuid4())
    store(db, org, [statement(id=sid)])
    db.commit()
    fresh = str(uuid.uuid4())
    with pytest.raises(StatementConflict):
        store(db, org, [statement(id=fresh), statement(id=sid, verb={"id": VOIDED + "x"})])
    assert row(db, org, fresh) is None


def test_store_same_id_other_org_no_conflict(db, world):
    """Statement ids are scoped by organisation."""
    sid = str(uuid.uuid4())
    store(db, world["org_a"], [statement(id=sid)])
    store(db, world["org_b"], [statement(id=sid, verb={"id": VOIDED + "x"})])
    assert row(db, world["org_b"], sid).verb_id == VOIDED + "x"


def test_store_signal_sent_once_per_batch(db, world):
    """statements_stored is sent once per call with the session and every new, inserted row (seq set)."""
    received = []

    def receiver(sender, statements, **_):
        received.append((sender, [(s.seq, s.statement_id) for s in statements]))

    org = world["org_a"]
    known = str(uuid.uuid4())
    store(db, org, [statement(id=known)])
    signals.statements_stored.connect(receiver)
    try:
        ids = store(db, org, [statement(), statement(id=known), statement()])
    finally:
        signals.statements_stored.disconnect(receiver)
    assert len(received) == 1 and received[0][0] is db
    assert [sid for _, sid in received[0][1]] == [ids[0], ids[2]] and all(seq for seq, _ in received[0][1])


def test_store_user_id_recorded(db, world):
    """Statements the app emits carry the local user id."""
    user = world["learner_a"]
    sid, = store(db, world["org_a"], [statement()], user_id=user.id)
    assert row(db, world["org_a"], sid).user_id == user.id


def test_store_index_rows_relations(db, world):
    """Agents and activities are indexed as actor/related and object/related."""
    team = {"objectType": "Group", "member": [BEN]}
    sub = {"objectType": "SubStatement", "actor": {"objectType": "Agent", "mbox": "mailto:sub@example.com"},
           "verb": {"id": VERB}, "object": {"objectType": "Activity", "id": "http://example.com/sub"}}
    sid, = store(db, world["org_a"], [statement(
        actor={"objectType": "Group", "mbox": "mailto:group@example.com", "member": [LEA]}, object=sub,
        context={"team": team, "contextActivities": {"parent": [{"id": "http://example.com/p"}]}})])
    seq = row(db, world["org_a"], sid).seq
    agents = {(r.ifi, r.relation) for r in db.scalars(select(StatementAgent).where(StatementAgent.seq == seq))}
    assert agents == {("mbox:mailto:group@example.com", "actor"), ("mbox:mailto:lea@example.com", "actor"),
                      ("mbox:mailto:ben@example.com", "related"), ("mbox:mailto:sub@example.com", "related"),
                      ("account:http://lms.test|lms", "related")}
    activities = {(r.activity_id, r.relation)
                  for r in db.scalars(select(StatementActivity).where(StatementActivity.seq == seq))}
    assert activities == {("http://example.com/sub", "related"), ("http://example.com/p", "related")}


def test_store_voiding_marks_target(db, world):
    """A voiding statement marks its target voided; the voiding statement itself is not voided."""
    org = world["org_a"]
    target = str(uuid.uuid4())
    store(db, org, [statement(id=target)])
    voiding, = store(db, org, [statement(verb={"id": VOIDED}, object={"objectType": "StatementRef",
                                                                       "id": target.upper()})])
    db.expire_all()
    assert row(db, org, target).voided and not row(db, org, voiding).voided


def test_store_voiding_in_same_batch_and_before_target(db, world):
    """Targets stored together with or after their voiding statement are voided too."""
    org = world["org_a"]
    first, later = str(uuid.uuid4()), str(uuid.uuid4())
    store(db, org, [statement(id=first), statement(verb={"id": VOIDED},
                                                   object={"objectType": "StatementRef", "id": first})])
    store(db, org, [statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": later})])
    store(db, org, [statement(id=later)])
    db.expire_all()
    assert row(db, org, first).voided and row(db, org, later).voided


def test_store_voiding_a_voiding_statement_ignored(db, world):
    """A voiding statement cannot be voided."""
    org = world["org_a"]
    target = str(uuid.uuid4())
    voiding, = store(db, org, [statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target})])
    store(db, org, [statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": voiding})])
    db.expire_all()
    assert not row(db, org, voiding).voided


def test_store_voiding_other_org_untouched(db, world):
    """Voiding never reaches another organisation's statement with the same id."""
    target = str(uuid.uuid4())
    store(db, world["org_b"], [statement(id=target)])
    store(db, world["org_a"], [statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target})])
    db.expire_all()
    assert not row(db, world["org_b"], target).voided


def test_store_attachments_saved_once(db, world):
    """Attachment payloads are stored once per organisation and hash."""
    data = b"essay"
    sha2 = hashlib.sha256(data).hexdigest()
    meta = {"usageType": "http://example.com/u", "display": {"en-US": "E"}, "contentType": "text/plain",
            "length": 5, "sha2": sha2}
    for _ in range(2):
        store(db, world["org_a"], [statement(attachments=[meta])], attachments={sha2: ("text/plain", data)})
    saved = db.scalars(select(Attachment).where(Attachment.sha2 == sha2)).all()
    assert len(saved) == 1 and saved[0].content == data


def test_store_context_activities_stored_as_arrays(db, world):
    """A single context activity object is stored as a one-element array."""
    sid, = store(db, world["org_a"], [statement(context={"contextActivities": {"parent": {"id": "http://x.y/p"}}})])
    raw = json.loads(row(db, world["org_a"], sid).raw)
    assert raw["context"]["contextActivities"]["parent"] == [{"id": "http://x.y/p"}]


@pytest.mark.parametrize("left,right", [
    (statement(actor={"objectType": "Group", "member": [LEA, BEN]}),
     statement(actor={"objectType": "Group", "member": [BEN, LEA]})),
    (statement(actor={"mbox": "mailto:lea@EXAMPLE.COM"}), statement(actor={"mbox": "mailto:lea@example.com"})),
    (statement(timestamp="2024-01-01T12:00:00+02:00"), statement(timestamp="2024-01-01T10:00:00.000Z")),
    (statement(timestamp="2024-01-01T12:00:00Z"), statement()),
    (statement(verb={"id": VERB, "display": {"en-US": "x"}}), statement()),
    (statement(object={"id": "http://example.com/a", "definition": {"name": {"en-US": "A"}}}), statement()),
    (statement(result={"score": {"raw": 1}}), statement(result={"score": {"raw": 1.0}})),
    (statement(context={"registration": "AAAAAAAA-0000-4000-8000-000000000000"}),
     statement(context={"registration": "aaaaaaaa-0000-4000-8000-000000000000"})),
])
def test_store_comparison_equivalent(left, right):
    """Differences the LRS could have caused (Data 2.3.1) are ignored."""
    assert statements_equivalent(left, right)


@pytest.mark.parametrize("left,right", [
    (statement(verb={"id": VOIDED}), statement()),
    (statement(result={"success": True}), statement(result={"success": False})),
    (statement(result={"duration": "PT1H"}), statement(result={"duration": "PT60M"})),
    (statement(actor={"mbox": "mailto:LEA@example.com"}), statement(actor={"mbox": "mailto:lea@example.com"})),
    (statement(context={"extensions": {"http://x.y/e": True}}), statement(context={"extensions": {"http://x.y/e": 1}})),
    (statement(timestamp="2024-01-01T12:00:00Z"), statement(timestamp="2024-01-01T12:00:01Z")),
])
def test_store_comparison_different(left, right):
    """Real differences (including Result duration spelling and the mailbox local part) count."""
    assert not statements_equivalent(left, right)
