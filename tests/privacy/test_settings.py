"""Privacy settings: defaults, versions with who/when/old/new, validation, the learner's read-only summary."""
from sqlalchemy import select

from helpers import set_privacy
from lms.audit.models import AuditEntry
from lms.privacy.models import PrivacySettingsVersion


def _form(**changes):
    data = {"reporting_level": "aggregate", "min_group_size": "5", "trainer_detail": "progress",
            "forwarding_identity": "pseudonymous", "retention_months": "12", "certificate_retention_months": "120",
            "acknowledgement_retention_months": "36", "keep_certificate_register": "y"}
    data.update(changes)
    return data


def test_privacy_settings_admin_saves_new_version_with_history(client, login_as, world, db):
    """Each save is a new version; the history names who changed what from which value to which."""
    login_as("admin_a")
    assert client.post("/admin/privacy", data=_form()).status_code == 302
    assert client.post("/admin/privacy", data=_form(min_group_size="7")).status_code == 302
    rows = db.scalars(select(PrivacySettingsVersion).order_by(PrivacySettingsVersion.version)).all()
    assert [r.version for r in rows] == [1, 2]
    assert rows[1].values["min_group_size"] == 7 and rows[1].changed_by_label == "admin@alpha.example"
    body = client.get("/admin/privacy").get_data(as_text=True)
    assert "min_group_size: 5 → 7" in body and "admin@alpha.example" in body
    audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.settings")).all()
    assert audit[-1].details["changed"] == {"min_group_size": [5, 7]}
    db.refresh(world["org_a"])
    assert world["org_a"].pseudonymous_reports is True


def test_privacy_settings_invalid_values_change_nothing(client, login_as, db):
    """k below 2 or an unknown level is a 400 and no version is written."""
    login_as("admin_a")
    assert client.post("/admin/privacy", data=_form(min_group_size="1")).status_code == 400
    assert client.post("/admin/privacy", data=_form(reporting_level="everything")).status_code == 400
    assert db.scalars(select(PrivacySettingsVersion)).all() == []


def test_privacy_settings_only_admins(client, login_as):
    """Trainers and learners cannot open the settings."""
    login_as("trainer_a")
    assert client.get("/admin/privacy").status_code == 403
    assert client.post("/admin/privacy", data=_form()).status_code == 403


def test_privacy_settings_learner_sees_read_only_summary(app, client, login_as, world, db):
    """Every learner sees what trainers may see and for how long data is kept, with the version number."""
    set_privacy(app, db, world["org_a"], world["admin_a"], reporting_level="aggregate", min_group_size=6,
                retention_months=12)
    login_as("learner_a")
    body = client.get("/privacy").get_data(as_text=True)
    assert "Nur zusammengefasst" in body and "unter 6 Personen" in body and "12 Monate" in body
    assert "<select" not in body


def test_privacy_settings_other_org_unchanged(app, world, db):
    """Settings are per organisation."""
    from lms.privacy import settings

    set_privacy(app, db, world["org_a"], world["admin_a"], reporting_level="aggregate")
    db.info.pop("lms_privacy_settings", None)
    assert settings.current(db, world["org_b"]).reporting_level == "individual"
    assert settings.current(db, world["org_a"]).aggregate_only
