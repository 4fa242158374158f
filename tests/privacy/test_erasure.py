"""Erasure: one rule per users.id column, the person gone from every table, export, report and LRS query;
forwarding targets get voiding statements through the outbox, also after an outage; the log names nobody."""
import hashlib
import json

from sqlalchemy import Column, ForeignKey, Integer, Table, select, text

from helpers import learn, set_privacy
from lms.db import Base
from lms.privacy import erasure
from lms.privacy.models import ErasureLog, KeptRecord


def test_erasure_every_users_column_has_a_rule():
    """A table with a foreign key to users.id and no erasure rule fails this test."""
    assert erasure.missing_rules() == []
    table = Table("privacy_probe_new_table", Base.metadata, Column("id", Integer, primary_key=True),
                  Column("owner_id", ForeignKey("users.id")))
    try:
        assert erasure.missing_rules() == ["privacy_probe_new_table.owner_id"]
    finally:
        Base.metadata.remove(table)


def _lrs_client_statement(app, db, world):
    """A statement an LRS client stored about Lea by e-mail, with an agent profile document about her."""
    from lms.lrs.document_models import XapiDocument
    from lms.lrs.store import store_statements

    agent = {"objectType": "Agent", "mbox": "mailto:learner@alpha.example", "name": "Lea Lernend"}
    with app.app_context():
        store_statements(db, world["org_a"].id, [{"actor": agent, "verb": {"id": "http://example.com/met"},
                                                  "object": {"id": "http://example.com/a"}}],
                         authority={"objectType": "Agent", "mbox": "mailto:lrs@alpha.example"}, version="1.0.3")
    db.add(XapiDocument(org_id=world["org_a"].id, kind="agent_profile", agent_ifi="mbox:mailto:learner@alpha.example",
                        doc_id="prefs", content=b"{}", content_type="application/json", etag="x"))
    db.commit()


def _traces(world, db, actor_id: str) -> list[str]:
    """Every table cell, in every table, that still names the erased learner."""
    user = world["learner_a"]
    needles = ["Lea Lernend", "learner@alpha.example", actor_id,
               hashlib.sha1(b"mailto:learner@alpha.example").hexdigest()]
    found = []
    for table in Base.metadata.sorted_tables:
        for row in db.execute(select(table)).mappings():
            text_row = json.dumps({k: str(v) for k, v in row.items()}, ensure_ascii=False)
            found += [f"{table.name}: {n}" for n in needles if n in text_row]
            for fk in table.foreign_keys:
                if fk.column.table.name == "users" and row[fk.parent.name] == user.id:
                    found.append(f"{table.name}.{fk.parent.name}")
    return found


def test_erasure_removes_the_person_from_every_store(app, client, login_as, world, db):
    """After erasure no table, export, report or LRS query returns the person; the log holds a reference only."""
    learn(app, "learner@alpha.example", quiz=True)
    learner_client = learn(app, "learner@alpha.example")
    learner_client.post("/privacy/erasure-request", data={"note": "bitte"})
    _lrs_client_statement(app, db, world)
    set_privacy(app, db, world["org_a"], world["learner_a"], keep_certificate_register=False)
    db.refresh(world["learner_a"])
    actor_id, user_id = world["learner_a"].actor_id, world["learner_a"].id
    assert _traces(world, db, actor_id)
    login_as("admin_a")
    response = client.post(f"/admin/privacy/users/{user_id}/erase", data={"confirm": "yes"})
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    db.rollback()
    assert _traces(world, db, actor_id) == []
    log = db.scalar(select(ErasureLog))
    assert log.on_request and log.counts["quiz_attempts"] == 1 and log.counts["xapi_statements"] >= 3
    assert log.counts["xapi_documents"] == 1 and log.subject_ref.startswith("P-")
    assert "Lea" not in client.get("/admin/privacy/erasure").get_data(as_text=True)
    assert "Lea" not in client.get("/reports/?course=mini").get_data(as_text=True)
    assert "Lea" not in client.get("/admin/audit").get_data(as_text=True)
    assert learner_client.get("/privacy").status_code in (302, 401)


def test_erasure_lrs_agent_index_holds_nothing_about_the_person(app, client, login_as, world, db):
    """The rows the LRS agent filter reads (statements and agent index) hold nothing of the person after erasure."""
    from lms.lrs.models import Statement, StatementAgent

    _lrs_client_statement(app, db, world)
    ifi = "mbox:mailto:learner@alpha.example"
    assert db.scalars(select(StatementAgent).where(StatementAgent.ifi == ifi)).all()
    login_as("admin_a")
    client.post(f"/admin/privacy/users/{world['learner_a'].id}/erase", data={"confirm": "yes"})
    db.rollback()
    assert db.scalars(select(StatementAgent).where(StatementAgent.ifi == ifi)).all() == []
    assert db.scalars(select(Statement).where(Statement.actor_ifi == ifi)).all() == []


def test_erasure_keeps_certificate_register_entry_with_reason(app, client, login_as, world, db):
    """With the register kept, a certificate leaves a register entry with the reason; the certificate row goes."""
    from tests_quiz_helpers import complete_course

    from conftest import login
    from lms.certificates.models import Certificate

    learner = app.test_client()
    login(learner, "learner@alpha.example")
    complete_course(app, learner, db)
    assert db.scalars(select(Certificate)).all()
    login_as("admin_a")
    client.post(f"/admin/privacy/users/{world['learner_a'].id}/erase", data={"confirm": "yes"})
    db.rollback()
    assert db.scalars(select(Certificate).where(Certificate.org_id == world["org_a"].id)).all() == []
    kept = db.scalar(select(KeptRecord))
    assert kept.kind == "certificate" and "Zertifikatsregister" in kept.reason and kept.data["holder"]
    assert db.scalar(select(ErasureLog)).kept["certificate"]["count"] == 1


def test_erasure_refuses_self_and_other_organisation(client, login_as, world):
    """An admin cannot erase themselves (400) or someone of another organisation (404); confirmation needed."""
    login_as("admin_a")
    assert client.post(f"/admin/privacy/users/{world['admin_a'].id}/erase", data={"confirm": "yes"}).status_code == 400
    assert client.post(f"/admin/privacy/users/{world['learner_b'].id}/erase", data={"confirm": "yes"}).status_code == 404
    assert client.post(f"/admin/privacy/users/{world['learner_a'].id}/erase", data={}).status_code == 303


def test_erasure_forwarded_statements_are_voided_after_a_target_outage(fwd_app, client, login_as, world, db,
                                                                       fake_lrs):
    """Statements that reached a target get one voiding statement each, queued in the outbox; the target is down
    at erasure time and receives them when it is back. The voiding statements do not name the person."""
    import fwd_helpers

    from lms.forwarding.models import ForwardTarget, OutboxItem

    target = fwd_helpers.make_target(db, world["org_a"], fake_lrs.endpoint, name="Konzern-LRS")
    learn(fwd_app, "learner@alpha.example")
    assert fwd_helpers.run_relay(fwd_app) > 0
    delivered = {sid for sid, s in fake_lrs.store.items()}
    fake_lrs.kill()
    login_as("admin_a")
    client.post(f"/admin/privacy/users/{world['learner_a'].id}/erase", data={"confirm": "yes"})
    log = db.scalar(select(ErasureLog))
    assert log.targets == [{"id": target.id, "name": "Konzern-LRS", "voiding": len(delivered)}]
    assert fwd_helpers.run_relay(fwd_app) == 0  # target down: nothing delivered, items stay
    assert len(fwd_helpers.outbox(db, target)) == len(delivered)
    fake_lrs.start()
    db.execute(text("UPDATE forward_targets SET retry_at = NULL, failure_streak = 0"))
    db.execute(OutboxItem.__table__.update().values(next_attempt_at=_a_minute_ago()))
    db.commit()
    assert fwd_helpers.run_relay(fwd_app) == len(delivered)
    voiding = [s for s in fake_lrs.store.values() if s["verb"]["id"].endswith("/voided")]
    assert {s["object"]["id"] for s in voiding} == delivered
    assert all("learner@alpha.example" not in json.dumps(s) and "Lea" not in json.dumps(s) for s in voiding)
    assert db.get(ForwardTarget, target.id) is not None


def _a_minute_ago():
    """A time in the past, so queued items are due at once."""
    from datetime import timedelta

    from lms.db import utcnow

    return utcnow() - timedelta(minutes=1)
