"""Department scope of trainers: one filter (lms/auth/scope.py) for every trainer-facing list."""
import re

from sqlalchemy import func, select

from lms.auth import scope
from lms.auth.models import TrainerDepartment, User


def _limit(db, trainer, *learners):
    db.rollback()  # a fresh snapshot: requests may have written since this session last read
    scope.set_trainer_departments(db, db.get(User, trainer.id), [learner.department_id for learner in learners])
    db.commit()


def _visible(db, viewer) -> set[str]:
    return set(db.scalars(select(User.email).where(User.id.in_(scope.visible_user_ids(db.get(User, viewer.id))))))


def test_scope_limited_trainer_sees_only_their_departments(db, world):
    """A trainer limited to Marketing sees Marketing only; unlimited trainers and admins see the organisation."""
    everyone_a = {u.email for u in db.scalars(select(User).where(User.org_id == world["org_a"].id))}
    assert _visible(db, world["trainer_a"]) == everyone_a
    _limit(db, world["trainer_a"], world["learner_a"])
    assert _visible(db, world["trainer_a"]) == {"learner@alpha.example"}
    assert _visible(db, world["admin_a"]) == everyone_a
    assert scope.may_see(db, db.get(User, world["trainer_a"].id), world["learner_a"].id)
    assert not scope.may_see(db, db.get(User, world["trainer_a"].id), world["learner_a2"].id)
    assert not scope.may_see(db, db.get(User, world["trainer_a"].id), world["learner_b"].id)


def test_scope_other_organisations_departments_are_ignored(db, world):
    """Departments of another organisation cannot be given to a trainer."""
    from lms.auth.services import department_named

    foreign = department_named(db, world["org_b"], "Fremd")
    scope.set_trainer_departments(db, db.get(User, world["trainer_a"].id), [foreign.id])
    db.commit()
    assert db.scalars(select(TrainerDepartment)).all() == []


def test_scope_report_overview_lists_only_the_team(client, login_as, db, world):
    """The report overview of a limited trainer does not list learners of other departments."""
    _limit(db, world["trainer_a"], world["learner_a"])
    login_as("trainer_a")
    body = client.get("/reports/?course=mini").get_data(as_text=True)
    assert "Lea Lernend" in body and "Lars Lernend" not in body
    assert client.get(f"/reports/learners/{world['learner_a2'].id}?course=mini").status_code == 404


def test_scope_admin_sets_limit_on_departments_page(client, login_as, db, world):
    """An admin limits a trainer on the departments page; an empty choice makes them organisation-wide again."""
    login_as("admin_a")
    department = world["learner_a"].department_id
    response = client.post("/assignments/departments", data={"action": "limit", "t-trainer": world["trainer_a"].id,
                                                              "t-departments": [department]})
    assert response.status_code == 302
    db.expire_all()
    assert [d.id for d in scope.trainer_departments(db, world["trainer_a"].id)] == [department]
    client.post("/assignments/departments", data={"action": "limit", "t-trainer": world["trainer_a"].id})
    db.rollback()
    assert scope.trainer_departments(db, world["trainer_a"].id) == []
    refused = client.post("/assignments/departments", data={"action": "limit", "t-trainer": world["learner_a"].id})
    assert refused.status_code == 404


def test_scope_limited_trainer_assigns_only_within_their_departments(client, login_as, db, world):
    """A limited trainer cannot assign the whole organisation or someone of another department."""
    from lms.assignments.models import LearnerAssignment

    _limit(db, world["trainer_a"], world["learner_a"])
    login_as("trainer_a")
    base = {"course": "mini", "mandatory": "1", "recert_lead_days": 30}
    for data in ({"scope": "organisation"}, {"scope": "users", "users": [world["learner_a2"].id]}):
        response = client.post("/assignments/", data=base | data)
        assert response.status_code == 400 and "Ihrer Abteilungen" in response.get_data(as_text=True)
    db.rollback()
    assert db.scalars(select(LearnerAssignment)).all() == []
    allowed = client.post("/assignments/", data=base | {"scope": "users", "users": [world["learner_a"].id]})
    assert allowed.status_code == 302




def test_scope_report_headline_figures_count_only_the_team(client, login_as, db, world):
    """A limited trainer's headline figures and department filter count their department only; the admin's whole."""
    _limit(db, world["trainer_a"], world["learner_a"])
    login_as("trainer_a")
    body = client.get("/reports/?course=mini").get_data(as_text=True)
    from lms.reports import queries

    org = db.get(type(world["org_a"]), world["org_a"].id)
    course = client.application.extensions["lms_catalog"].courses["mini"]
    trainer = db.get(User, world["trainer_a"].id)
    team = queries.summary(db, org, course, queries.score_bands(db, org, course, viewer=trainer), viewer=trainer)
    whole = queries.summary(db, org, course, queries.score_bands(db, org, course))
    assert team.learners == 1 and whole.learners == 2
    assert queries.departments(db, org, trainer) == [world["learner_a"].department_name]
    assert "Vertrieb" not in body.split("<main", 1)[1].split("</form>", 1)[0]  # not offered as a filter


def _both_learners_answered(app, db, world):
    from conftest import login
    from tests_quiz_helpers import complete_course

    for key in ("learner_a", "learner_a2"):
        learner = app.test_client()
        login(learner, world[key].email)
        complete_course(app, learner, db)


def test_scope_quiz_analysis_counts_only_the_team(app, client, login_as, db, world):
    """A limited trainer's question analysis is computed over their department's attempts only; the admin's over
    everyone's (page and query)."""
    from lms.quizzes.models import QuestionResult, QuizAttempt
    from lms.reports import analysis

    _both_learners_answered(app, db, world)
    _limit(db, world["trainer_a"], world["learner_a"])
    trainer, admin = db.get(User, world["trainer_a"].id), db.get(User, world["admin_a"].id)
    answered = {user_id: n for user_id, n in db.execute(
        select(QuizAttempt.user_id, func.count()).join(QuestionResult, QuestionResult.attempt_id == QuizAttempt.id)
        .where(QuizAttempt.quiz_id == "m1").group_by(QuizAttempt.user_id))}
    team = analysis.question_stats(db, world["org_a"].id, "mini", "m1", trainer)
    whole = analysis.question_stats(db, world["org_a"].id, "mini", "m1", admin)
    assert sum(s.answered for s in team) == answered[world["learner_a"].id]
    assert sum(s.answered for s in whole) == answered[world["learner_a"].id] + answered[world["learner_a2"].id]
    login_as("trainer_a")
    body = client.get("/reports/quizzes/m1?course=mini").get_data(as_text=True)
    shown = [int(n) for n in re.findall(r"\(\d+/(\d+)\)", body)]
    assert shown and sum(shown) == answered[world["learner_a"].id]


def _aggregate_only(app, db, world):
    from lms.privacy import settings

    with app.test_request_context():
        db.rollback()
        settings.save(db, db.get(User, world["admin_a"].id), world["org_a"],
                      {"reporting_level": "aggregate", "min_group_size": 2})
        db.commit()


def test_scope_aggregate_overview_counts_only_the_team(app, client, login_as, db, world):
    """In aggregate-only reporting a limited trainer's department table, total and export count only their people."""
    from lms.reports import aggregate

    _both_learners_answered(app, db, world)
    _aggregate_only(app, db, world)
    _limit(db, world["trainer_a"], world["learner_a"])
    org = db.get(type(world["org_a"]), world["org_a"].id)
    course = app.extensions["lms_catalog"].courses["mini"]
    trainer, admin = db.get(User, world["trainer_a"].id), db.get(User, world["admin_a"].id)
    team_rows, team_total = aggregate.group_table(db, org, course, aggregate.AggregateFilters(), 1, viewer=trainer)
    whole_rows, whole_total = aggregate.group_table(db, org, course, aggregate.AggregateFilters(), 1, viewer=admin)
    assert [row.department for row in team_rows] == [world["learner_a"].department_name]
    assert team_total.learners == 1 and whole_total.learners == 2 and len(whole_rows) == 2
    login_as("trainer_a")
    page = client.get("/reports/?course=mini").get_data(as_text=True)
    export = client.get("/reports/export.csv?course=mini").get_data(as_text=True)
    assert "Vertrieb" not in page and "Vertrieb" not in export and world["learner_a"].department_name in export


def test_scope_quiz_analysis_aggregate_counts_only_the_team(app, client, login_as, db, world):
    """In aggregate-only reporting the question figures of a limited trainer count only their department's people."""
    from lms.reports import aggregate

    _both_learners_answered(app, db, world)
    _aggregate_only(app, db, world)
    _limit(db, world["trainer_a"], world["learner_a"])
    trainer, admin = db.get(User, world["trainer_a"].id), db.get(User, world["admin_a"].id)
    team = aggregate.question_aggregates(db, world["org_a"].id, "mini", "m1", 1, trainer)
    whole = aggregate.question_aggregates(db, world["org_a"].id, "mini", "m1", 1, admin)
    assert {row.people for row in team} == {1} and {row.people for row in whole} == {2}
    login_as("trainer_a")
    assert client.get("/reports/quizzes/m1?course=mini").status_code == 200
