"""Audit log: every admin/trainer action on personal data is recorded, per organisation, filterable, exportable,
and never editable."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from conftest import login
from lms.audit import services as audit
from lms.audit.models import AuditEntry, AuditLogIsAppendOnly
from lms.certificates.models import Certificate
from lms.courses.models import Enrolment
from lms.db import utcnow
from tests_quiz_helpers import complete_course


def _actions(db) -> list[tuple[str, str, str]]:
    db.rollback()
    return [(r.action, r.actor_email, r.target_label) for r in
            db.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def _switch(client, login_as, key):
    client.post("/logout")
    login_as(key)


def test_audit_user_administration_recorded(client, login_as, db, world):
    """Create, reset, role change, deactivate, activate and settings changes each leave one row."""
    login_as("admin_a")
    client.post("/admin/users", data={"name": "Nora Neu", "email": "neu@alpha.example", "role": "learner",
                                      "locale": "de"})
    learner_id = world["learner_a"].id
    client.post(f"/admin/users/{learner_id}/reset-password")
    client.post(f"/admin/users/{learner_id}/role", data={"role": "trainer"})
    client.post(f"/admin/users/{learner_id}/deactivate")
    client.post(f"/admin/users/{learner_id}/activate")
    client.post("/admin/organisation", data={"actor_mode": "account", "pseudonymous_reports": "1",
                                             "inactivity_days": "7"})
    rows = _actions(db)
    assert [a for a, _e, _t in rows] == ["user.create", "user.password_reset", "user.role_change", "user.deactivate",
                                         "user.activate", "organisation.settings"]
    assert {e for _a, e, _t in rows} == {"admin@alpha.example"}
    assert rows[0][2] == "neu@alpha.example" and rows[1][2] == "learner@alpha.example"
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "user.role_change")).one()
    assert entry.details == {"from": "learner", "to": "trainer"} and entry.org_id == world["org_a"].id
    assert entry.address == "127.0.0.1" and entry.target_id == str(learner_id)


def test_audit_views_exports_and_certificates_recorded(app, client, login_as, db, world):
    """Learner detail views, the report/statement/acknowledgement exports, a certificate download by staff and a
    revocation are recorded with the trainer or admin who did them."""
    learner = app.test_client()
    login(learner, "learner@alpha.example")
    complete_course(app, learner, db)
    db.rollback()
    certificate = db.scalar(select(Certificate))
    enrolment = db.scalar(select(Enrolment).where(Enrolment.user_id == world["learner_a"].id))
    learner.get(f"/certificates/{certificate.id}.pdf")  # one's own certificate: not an audited act
    login_as("trainer_a")
    client.get(f"/reports/learners/{world['learner_a'].id}")
    assert client.get(f"/guidelines/team/enrolments/{enrolment.id}").status_code == 200
    client.get("/reports/export.csv")
    client.get("/reports/export.xlsx")
    client.get("/export/statements.jsonl")
    client.get(f"/certificates/{certificate.id}.pdf")
    client.post(f"/certificates/{certificate.id}/revoke", data={"reason": "Betrug"})
    _switch(client, login_as, "admin_a")
    client.get("/guidelines/admin/acknowledgements.csv")
    actions = [a for a, _e, _t in _actions(db)]
    assert actions == ["view.learner", "view.learner", "export.report", "export.report", "export.statements",
                       "certificate.download", "certificate.revoke", "export.acknowledgements"]


def test_audit_forwarding_and_lrs_credentials_recorded(app, client, login_as, db, world):
    """Forwarding target changes and LRS credential changes are recorded."""
    app.config["FORWARDING_ALLOW_PRIVATE_NETWORKS"] = True
    login_as("admin_a")
    client.post("/admin/forwarding/new", data={
        "name": "Konzern-LRS", "endpoint": "http://127.0.0.1:9/xAPI/", "username": "relay", "secret": "S3cr3t-4711",
        "xapi_version": "1.0.3", "verb_ids": "", "batch_size": "100", "connect_timeout": "5", "read_timeout": "15",
        "active": "y"})
    target_id = db.scalar(select(AuditEntry.target_id).where(AuditEntry.action == "forwarding.target_save"))
    client.post(f"/admin/forwarding/{target_id}/deactivate")
    client.post(f"/admin/forwarding/{target_id}/delete")
    client.post("/admin/lrs/credentials", data={"name": "Moodle", "scope": "all"})
    db.rollback()
    credential_id = db.scalar(select(AuditEntry.target_id).where(AuditEntry.action == "lrs.credential_create"))
    client.post(f"/admin/lrs/credentials/{credential_id}/deactivate")
    actions = [a for a, _e, _t in _actions(db)]
    assert actions == ["forwarding.target_save", "forwarding.target_toggle", "forwarding.target_delete",
                       "lrs.credential_create", "lrs.credential_deactivate"]
    saved = db.scalars(select(AuditEntry).where(AuditEntry.action == "forwarding.target_save")).one()
    assert "S3cr3t" not in repr(saved.details) and saved.details["secret_changed"] is True


def test_audit_page_admins_of_own_organisation_only(client, login_as, db, world):
    """Admins see their organisation's rows only; trainers and learners get 403."""
    audit.record(db, world["admin_a"], "user.create", target_label="only-in-alpha@alpha.example")
    audit.record(db, world["admin_b"], "user.create", target_label="only-in-beta@beta.example")
    db.commit()
    login_as("admin_b")
    body = client.get("/admin/audit").get_data(as_text=True)
    assert "only-in-beta" in body and "only-in-alpha" not in body
    assert "only-in-alpha" not in client.get("/admin/audit.csv").get_data(as_text=True)
    for key in ("trainer_a", "learner_a"):
        _switch(client, login_as, key)
        assert client.get("/admin/audit").status_code == 403
        assert client.get("/admin/audit.csv").status_code == 403


def test_audit_filters_by_action_actor_and_date(client, login_as, db, world):
    """The page filters by action, by part of the actor's e-mail and by date."""
    old = audit.record(db, world["trainer_a"], "export.report", target_label="old-export")
    old_id = old.id
    audit.record(db, world["admin_a"], "user.deactivate", target_label="new-deactivation")
    db.commit()
    db.execute(AuditEntry.__table__.update().where(AuditEntry.id == old_id)
               .values(created_at=utcnow() - timedelta(days=40)))  # test setup only: the ORM refuses updates
    db.commit()
    login_as("admin_a")

    def shown(query: str) -> set[str]:
        body = client.get("/admin/audit?" + query).get_data(as_text=True)
        return {label for label in ("old-export", "new-deactivation") if label in body}

    assert shown("") == {"old-export", "new-deactivation"}
    assert shown("action=export.report") == {"old-export"}
    assert shown("actor=TRAINER@alpha") == {"old-export"}
    since = (utcnow() - timedelta(days=7)).date().isoformat()
    assert shown(f"since={since}") == {"new-deactivation"}
    assert shown(f"until={(utcnow() - timedelta(days=30)).date().isoformat()}") == {"old-export"}
    assert shown("action=nonsense&since=not-a-date") == {"old-export", "new-deactivation"}  # ignored, no 500


def test_audit_csv_export_with_filters_is_itself_recorded(client, login_as, db, world):
    """The CSV holds the filtered rows (formulas neutralised) and the export adds a row of its own."""
    audit.record(db, world["admin_a"], "user.create", target_label="=HYPERLINK(\"x\")")
    audit.record(db, world["trainer_a"], "export.report", target_label="report")
    db.commit()
    login_as("admin_a")
    response = client.get("/admin/audit.csv?action=user.create")
    text = response.get_data().decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("Zeit (UTC);Person") and len(lines) == 2
    assert "'=HYPERLINK" in lines[1] and "report" not in text
    assert _actions(db)[-1][0] == "export.audit"


def test_audit_has_no_route_that_changes_rows(app, client, login_as):
    """No audit URL accepts POST, PUT, PATCH or DELETE."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("lms.audit.")]
    assert rules and all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in rules)
    login_as("admin_a")
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)("/admin/audit").status_code in (400, 405)


def test_audit_rows_cannot_be_changed_or_deleted_through_the_orm(db, world):
    """The model refuses updates and deletes."""
    entry = audit.record(db, world["admin_a"], "user.create", target_label="x")
    db.commit()
    entry.target_label = "changed"
    with pytest.raises(AuditLogIsAppendOnly):
        db.flush()
    db.rollback()
    db.delete(db.get(AuditEntry, entry.id))
    with pytest.raises(AuditLogIsAppendOnly):
        db.flush()
    db.rollback()


def test_audit_unknown_action_refused(db, world):
    """Only documented actions can be recorded."""
    with pytest.raises(ValueError):
        audit.record(db, world["admin_a"], "user.teleport")


def test_audit_page_lists_and_labels_actions(client, login_as, db, world):
    """The page shows the action label, the actor and the object; pages beyond the first are linked."""
    for i in range(audit.PAGE_SIZE + 1):
        audit.record(db, world["admin_a"], "user.activate", target_label=f"person-{i}@alpha.example")
    db.commit()
    login_as("admin_a")
    body = client.get("/admin/audit").get_data(as_text=True)
    assert "Benutzer aktiviert" in body and "admin@alpha.example" in body
    assert re.search(r'href="/admin/audit\?page=2"', body)
