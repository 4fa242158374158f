"""A certificate's life: expiry per course, idempotent issuing, revocation rules, re-certification after a legal
module's content version changes."""
import re
import shutil
from datetime import timedelta

import pytest
from sqlalchemy import select

from conftest import TEST_COURSES, login, make_app
from lms.certificates.models import Certificate
from lms.db import utcnow
from lms.lrs.models import Statement
from tests_quiz_helpers import complete_course

EARNED = "http://id.tincanapi.com/verb/earned"


def _content_copy(tmp_path, course_extra: str = "", legal_version: str | None = None):
    """The test course copied to tmp_path, with extra course.toml lines and/or a new legal module version."""
    target = tmp_path / "courses"
    shutil.copytree(TEST_COURSES, target)
    course_toml = target / "mini" / "course.toml"
    if course_extra:
        text = course_toml.read_text(encoding="utf-8")
        course_toml.write_text(text.replace('final_exam = "final"', f'final_exam = "final"\n{course_extra}'),
                               encoding="utf-8")
    if legal_version:
        for module_toml in (target / "mini" / "modules").glob("*/module.toml"):
            text = module_toml.read_text(encoding="utf-8")
            if "legal = true" in text:
                module_toml.write_text(re.sub(r'version = "[^"]+"', f'version = "{legal_version}"', text, count=1),
                                       encoding="utf-8")
    return target


def _certificates(db):
    db.rollback()
    return db.scalars(select(Certificate).order_by(Certificate.id)).all()


def test_lifecycle_course_validity_sets_expiry_and_verify_shows_expired(database_url, tmp_path, world, db):
    """certificate_valid_days gives the certificate an end date; once past, verification says expired."""
    courses = _content_copy(tmp_path, "certificate_valid_days = 365")
    app = make_app(database_url, tmp_path, COURSES_DIR=str(courses))
    client = app.test_client()
    login(client, world["learner_a"].email)
    complete_course(app, client, db)
    [certificate] = _certificates(db)
    assert timedelta(days=364) < certificate.expires_at - certificate.issued_at <= timedelta(days=365)
    body = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "gültig" in body.lower()
    db.rollback()  # a fresh snapshot: the lookup counted in the shared rate limit since this session last read
    certificate.expires_at = utcnow() - timedelta(minutes=1)
    db.commit()
    response = app.test_client().get(f"/verify/{certificate.code}")
    assert response.status_code == 200 and "abgelaufen" in response.get_data(as_text=True).lower()
    app.extensions["lms_db"][0].dispose()


def test_lifecycle_default_has_no_expiry(app, client, login_as, db):
    """Without certificate_valid_days a certificate does not expire."""
    login_as("learner_a")
    complete_course(app, client, db)
    [certificate] = _certificates(db)
    assert certificate.expires_at is None


def test_lifecycle_completing_again_does_not_issue_twice(app, client, login_as, db):
    """Passing a module quiz again and redoing a lesson after completion keep one certificate and one 'earned'
    statement; the passed final exam cannot be started again."""
    from tests_quiz_helpers import answer_all

    login_as("learner_a")
    complete_course(app, client, db)
    answer_all(app, client, db, "m1")
    client.post("/courses/mini/lessons/b-one/done")
    assert client.post("/quizzes/mini/final/start").headers["Location"].endswith("/quizzes/mini/final/")
    assert len(_certificates(db)) == 1
    assert db.scalars(select(Statement.verb_id).where(Statement.verb_id == EARNED)).all() == [EARNED]


@pytest.mark.parametrize("who, status", [("trainer@beta.example", 404), ("admin@beta.example", 404),
                                         ("learner2@alpha.example", 403)])
def test_lifecycle_revoke_refused_outside_own_org_and_for_learners(app, client, login_as, db, who, status):
    """Only trainers and admins of the learner's own organisation may revoke."""
    login_as("learner_a")
    complete_course(app, client, db)
    [certificate] = _certificates(db)
    other = app.test_client()
    login(other, who)
    assert other.post(f"/certificates/{certificate.id}/revoke", data={"reason": "x"}).status_code == status
    assert _certificates(db)[0].revoked_at is None


def test_lifecycle_revoke_needs_a_reason(app, client, login_as, db):
    """An empty reason revokes nothing and says why."""
    login_as("learner_a")
    complete_course(app, client, db)
    [certificate] = _certificates(db)
    trainer = app.test_client()
    login(trainer, "trainer@alpha.example")
    response = trainer.post(f"/certificates/{certificate.id}/revoke", data={"reason": "  "}, follow_redirects=True)
    assert "Grund" in response.get_data(as_text=True)
    assert _certificates(db)[0].revoked_at is None
    trainer.post(f"/certificates/{certificate.id}/revoke", data={"reason": "Täuschung in der Prüfung"})
    revoked = _certificates(db)[0]
    assert revoked.revoked_at is not None and revoked.revoke_reason == "Täuschung in der Prüfung"


def test_lifecycle_legal_module_change_leads_to_recertification(database_url, tmp_path, world, db):
    """After the legal module's version changes, the learner is offered re-certification; it reopens only that
    module; passing that module's quiz again completes the course (the passed final exam counts) and issues a new
    certificate that supersedes the old one."""
    from tests_quiz_helpers import answer_all

    first = make_app(database_url, tmp_path)
    client = first.test_client()
    login(client, world["learner_a"].email)
    complete_course(first, client, db)
    [old] = _certificates(db)
    first.extensions["lms_db"][0].dispose()

    courses = _content_copy(tmp_path, legal_version="2027-01-01")
    second = make_app(database_url, tmp_path / "second", COURSES_DIR=str(courses))
    client = second.test_client()
    login(client, world["learner_a"].email)
    assert "recertify" in client.get("/certificates/").get_data(as_text=True)
    assert client.post("/certificates/mini/recertify").status_code == 302
    from lms.courses.models import Enrolment, ModuleProgress

    db.rollback()
    records = {m.module_id: m for m in db.scalars(select(ModuleProgress))}
    assert records["more"].completed_at is None and records["basics"].completed_at is not None
    assert db.scalar(select(Enrolment)).completed_at is None
    assert _certificates(db)[0].superseded_at is None  # the old one stays valid until the new one exists

    answer_all(second, client, db, "m2")
    old_again, new = _certificates(db)
    assert old_again.id == old.id and old_again.superseded_at is not None and old_again.state() == "superseded"
    assert new.state() == "valid" and new.legal_versions == {"more": "2027-01-01"}
    assert client.post("/certificates/mini/recertify").status_code == 404  # nothing left to re-certify
    second.extensions["lms_db"][0].dispose()
