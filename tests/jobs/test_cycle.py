"""The whole loop with time moved forward, never slept: assign → remind → overdue → complete → expire → re-assign
→ pass again → new certificate supersedes the old one. Mails go through a real SMTP server."""
from __future__ import annotations

from sqlalchemy import select

from conftest import login
from lms.assignments.models import LearnerAssignment
from lms.certificates.models import Certificate
from lms.jobs.runner import run_once
from lms.mail.worker import MailWorker
from tests_quiz_helpers import complete_course


def _step(app) -> dict:
    """One scheduler run and one delivery pass."""
    result = run_once(app)
    MailWorker(app).run_pass()
    return result


def _subjects(recorder, start: int) -> list[str]:
    return [str(m["Subject"]) for m in recorder.messages[start:]]


def test_cycle_assign_remind_overdue_complete_expire_reassign(cycle_app, cycle_db, cycle_world, smtp_server):
    """A trainer assigns the course to a department; everything after that happens without a manual step."""
    recorder, _ = smtp_server
    app, db, clock = cycle_app, cycle_db, cycle_app.clock
    trainer = app.test_client()
    login(trainer, "trainer@alpha.example")
    department = cycle_world["learner_a"].department_id
    assert trainer.post("/assignments/", data={"course": "mini", "scope": "department", "department": department,
                                               "due_days": "14", "mandatory": "1",
                                               "recert_lead_days": "30"}).status_code == 302
    _step(app)
    assert _subjects(recorder, 0) == ["Neuer Kurs für Sie: Minikurs"]
    assert recorder.messages[0]["List-Unsubscribe"] is None  # the assignment notice is not optional

    clock.advance(days=7)  # 7 days before the due date
    assert _step(app)["reminders"] == 1 and _step(app)["reminders"] == 0
    reminder = recorder.messages[1]
    assert "Erinnerung" in reminder["Subject"] and reminder["List-Unsubscribe"].startswith("<http://lms.test/")
    clock.advance(days=6)  # 1 day before
    assert _step(app)["reminders"] == 1
    clock.advance(days=1, hours=1)  # the due date has passed
    login(trainer, "trainer@alpha.example")  # days later the trainer's session has long timed out: a new one
    seen = len(recorder.messages)
    result = _step(app)
    assert result["overdue"] == 1 and result["reminders"] == 1 and result["digests"] == 1
    subjects = _subjects(recorder, seen)
    assert "Überfällig: Minikurs" in subjects
    assert any(s.startswith("Wochenübersicht") and "1 überfällig" in s for s in subjects)  # to the trainer
    assert cycle_world["learner_a"].name in trainer.get("/assignments/status").get_data(as_text=True)

    learner = app.test_client()
    login(learner, "learner@alpha.example")
    complete_course(app, learner, db)
    _step(app)
    assert "Ihr Zertifikat: Minikurs" in _subjects(recorder, 0)
    db.rollback()
    first = db.scalar(select(LearnerAssignment))
    assert first.completed_at is not None and first.expires_at is not None
    assert "abgeschlossen" in learner.get("/courses/").get_data(as_text=True)

    clock.advance(days=340)  # the certificate expires in under 30 days: re-assigned automatically
    result = _step(app)
    assert result["reassigned_expiring"] == 1
    assert "Bitte auffrischen: Minikurs" in _subjects(recorder, 0)
    db.rollback()
    items = db.scalars(select(LearnerAssignment).where(LearnerAssignment.user_id == cycle_world["learner_a"].id)
                       .order_by(LearnerAssignment.id)).all()
    assert [i.reason for i in items] == ["assigned", "recertification"] and items[0].closed_at is not None
    assert items[1].due_at == items[0].expires_at and items[1].completed_at is None
    assert _step(app)["reassigned_expiring"] == 0  # idempotent

    login(learner, "learner@alpha.example")  # 340 days on: a new session
    complete_course(app, learner, db, quizzes=("m1", "m2"))  # passing the module quizzes again
    db.rollback()
    certificates = db.scalars(select(Certificate).order_by(Certificate.id)).all()
    assert len(certificates) == 2 and certificates[0].superseded_at is not None
    assert certificates[1].superseded_at is None and certificates[1].expires_at > certificates[0].expires_at
    assert db.get(LearnerAssignment, items[1].id).completed_at is not None
