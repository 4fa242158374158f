"""Assignments: assign to people, departments and the organisation; due dates, statuses, pages, xAPI."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from lms.assignments import queries, services
from lms.assignments.models import LearnerAssignment
from lms.lrs.models import Statement
from tests_quiz_helpers import complete_course


def _assign(app, db, world, **kwargs):
    with app.test_request_context():
        trainer = db.merge(world["trainer_a"])
        kwargs.setdefault("scope", "organisation")
        result = services.create_assignment(db, trainer, "mini", **kwargs)
        db.commit()
        return result


def _status(app, db, user):
    with app.test_request_context():
        return {r.item.course_slug: r.status for r in queries.learner_rows(db, db.merge(user))}


def test_assignments_department_gets_relative_due_date(app, db, world, clock):
    """Assigning to a department reaches exactly its members; '14 days after assignment' is the due date."""
    department_id = world["learner_a"].department_id
    _, created = _assign(app, db, world, scope="department", department_id=department_id, due_days=14)
    assert created == 1
    items = db.scalars(select(LearnerAssignment)).all()
    assert [i.user_id for i in items] == [world["learner_a"].id]
    assert items[0].due_at == clock() + timedelta(days=14)


def test_assignments_status_moves_with_time(app, db, world, clock):
    """not started → due soon → overdue as the clock moves; the overdue statement is recorded once."""
    _assign(app, db, world, due_days=14)
    assert _status(app, db, world["learner_a"]) == {"mini": "not_started"}
    clock.advance(days=8)
    assert _status(app, db, world["learner_a"]) == {"mini": "due_soon"}
    clock.advance(days=7)
    assert _status(app, db, world["learner_a"]) == {"mini": "overdue"}
    with app.app_context():
        assert services.record_overdue(db) == 2  # both learners of organisation A
        assert services.record_overdue(db) == 0
        db.commit()
    verbs = [s.verb_id.rsplit("/", 1)[-1] for s in db.scalars(select(Statement).order_by(Statement.seq))]
    assert verbs.count("assigned") == 2 and verbs.count("overdue") == 2


def test_assignments_completion_in_time_and_statement(app, db, world, client, clock):
    """Completing the assigned course completes the assignment; the statement says in time (success true)."""
    from conftest import login

    _assign(app, db, world, due_days=14)
    login(client, world["learner_a"].email)
    complete_course(app, client, db)
    item = db.scalar(select(LearnerAssignment).where(LearnerAssignment.user_id == world["learner_a"].id))
    assert item.completed_at is not None
    assert _status(app, db, world["learner_a"]) == {"mini": "completed"}
    done = [json.loads(s.raw) for s in db.scalars(select(Statement)) if "/assignment/" in s.activity_id
            and s.verb_id.endswith("/completed")]
    assert len(done) == 1 and done[0]["result"]["success"] is True
    assert done[0]["context"]["contextActivities"]["grouping"][0]["id"].endswith("/course/mini")


def test_assignments_learner_home_lists_by_urgency(app, db, world, client, clock):
    """The learner's home shows the assignment with its due date and status."""
    from conftest import login

    _assign(app, db, world, due_days=3)
    login(client, world["learner_a"].email)
    page = client.get("/courses/").get_data(as_text=True)
    assert "Meine Aufgaben" in page and "bald fällig" in page
    assert (clock() + timedelta(days=3)).strftime("%d.%m.%Y") in page


def test_assignments_trainer_assigns_through_the_form(app, db, world, login_as, clock):
    """The trainer's form assigns a course to a department; bad input is a 400 and changes nothing."""
    client = login_as("trainer_a")
    department_id = world["learner_a2"].department_id
    bad = client.post("/assignments/", data={"course": "mini", "scope": "department", "department": "0",
                                             "mandatory": "1", "recert_lead_days": "30"})
    assert bad.status_code == 400
    assert db.scalar(select(LearnerAssignment)) is None
    ok = client.post("/assignments/", data={"course": "mini", "scope": "department", "department": str(department_id),
                                            "due_days": "10", "mandatory": "1", "recert_lead_days": "30"})
    assert ok.status_code == 302
    db.rollback()
    users = [i.user_id for i in db.scalars(select(LearnerAssignment))]
    assert users == [world["learner_a2"].id]
    page = client.get("/assignments/status?status=not_started").get_data(as_text=True)
    assert world["learner_a2"].name in page
    csv_text = client.get("/assignments/status.csv").get_data(as_text=True)
    assert world["learner_a2"].email in csv_text and "nicht begonnen" in csv_text


def test_assignments_other_organisation_is_refused(app, db, world, clock):
    """A trainer cannot move another organisation's due dates (404), nor assign its department (400)."""
    from conftest import login

    _assign(app, db, world, due_days=10)
    item = db.scalar(select(LearnerAssignment))
    other = app.test_client()
    login(other, world["trainer_b"].email)
    response = other.post("/assignments/due", data={"item_id": str(item.id), "due_date": "2030-01-01"})
    assert response.status_code == 404
    db.expire_all()
    assert db.get(LearnerAssignment, item.id).due_at == clock() + timedelta(days=10)
    foreign = other.post("/assignments/", data={"course": "mini", "scope": "department", "mandatory": "1",
                                                "department": str(world["learner_a"].department_id),
                                                "recert_lead_days": "30"})
    assert foreign.status_code == 400


def test_assignments_due_date_change_emits_rescheduled(app, db, world, login_as, clock):
    """Moving a due date stores a 'rescheduled' statement with the previous date."""
    _assign(app, db, world, due_days=10)
    item = db.scalar(select(LearnerAssignment).where(LearnerAssignment.user_id == world["learner_a"].id))
    client = login_as("trainer_a")
    assert client.post("/assignments/due", data={"item_id": str(item.id), "due_date": "2027-06-30"}).status_code == 302
    db.rollback()
    raw = [json.loads(s.raw) for s in db.scalars(select(Statement)) if s.verb_id.endswith("/rescheduled")]
    assert len(raw) == 1
    extensions = raw[0]["context"]["extensions"]
    assert any(v.startswith("2027-06-30") for v in extensions.values() if isinstance(v, str))
    assert raw[0]["context"]["instructor"]


def test_assignments_future_members_are_assigned_by_sync(app, db, world, clock):
    """'Include users added later': a learner created afterwards is assigned on the next sync, once."""
    from factories import create_user

    _assign(app, db, world, due_days=14, include_future=True)
    newcomer = create_user(db, world["org_a"], email="new@alpha.example")
    db.commit()
    with app.app_context():
        assert services.sync_future_members(db) == 1
        assert services.sync_future_members(db) == 0
        db.commit()
    assert db.scalar(select(LearnerAssignment).where(LearnerAssignment.user_id == newcomer.id)) is not None


def test_assignments_self_enrolment_switch(app, db, world, login_as, clock):
    """With self-enrolment off, a learner can start only assigned courses; the list hides the others."""
    from lms.auth.models import Organisation

    db.get(Organisation, world["org_a"].id).self_enrolment = False
    db.commit()
    client = login_as("learner_a")
    assert "Minikurs" not in client.get("/courses/").get_data(as_text=True)
    assert client.post("/courses/mini/start").status_code == 403
    _assign(app, db, world, scope="users", user_ids=[world["learner_a"].id], due_days=7)
    assert "Minikurs" in client.get("/courses/").get_data(as_text=True)
    assert client.post("/courses/mini/start").status_code == 302


def test_assignments_admin_turns_self_enrolment_off(app, db, world, login_as):
    """The organisation settings page switches self-enrolment."""
    from lms.auth.models import Organisation

    client = login_as("admin_a")
    response = client.post("/admin/organisation", data={"actor_mode": "account", "pseudonymous_reports": "0",
                                                        "inactivity_days": "7", "self_enrolment": "0"})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Organisation, world["org_a"].id).self_enrolment is False


def test_assignments_overdue_list_on_trainer_dashboard(app, db, world, login_as, clock):
    """The trainer overview lists overdue learners of the course."""
    _assign(app, db, world, due_days=2)
    clock.advance(days=3)
    page = login_as("trainer_a").get("/reports/?course=mini").get_data(as_text=True)
    assert "Überfällige Zuweisungen" in page and world["learner_a"].name in page
