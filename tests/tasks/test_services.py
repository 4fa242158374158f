"""Task services: module completion waits for accepted tasks when the course requires them; xAPI statements."""
import json

from sqlalchemy import select

from conftest import login
from factories import build_world
from lms.courses.models import Enrolment, ModuleProgress
from lms.tasks import services
from lms.tasks.models import TaskSubmission
from lms.lrs.models import Statement
from tests.tasks.tasks_helpers import PDF, hand_in, review, start
from tests_quiz_helpers import answer_all

SUBMIT = "http://activitystrea.ms/schema/1.0/submit"


def _setup(app):
    db = app.extensions["lms_db"][1]()
    world = build_world(db)
    learner, trainer = app.test_client(), app.test_client()
    login(learner, world["learner_a"].email)
    login(trainer, world["trainer_a"].email)
    return db, world, learner, trainer


def _basics(db):
    db.rollback()
    return db.scalar(select(ModuleProgress).where(ModuleProgress.module_id == "basics"))


def test_tasks_services_module_waits_for_accepted_task(required_app):
    """With tasks_required, lessons done and quiz passed do not complete the module until the task is accepted."""
    db, _world, learner, trainer = _setup(required_app)
    start(learner)
    for lesson in ("b-one", "b-two"):
        learner.post(f"/courses/mini/lessons/{lesson}/done")
    answer_all(required_app, learner, db, "m1")
    assert _basics(db).quiz_passed_at is not None and _basics(db).completed_at is None
    hand_in(learner)
    db.rollback()
    submission_id = db.scalar(select(TaskSubmission.id))
    assert review(trainer, submission_id, "revision_requested", feedback="Noch nicht.").status_code == 302
    assert _basics(db).completed_at is None
    response = hand_in(learner, ziel="Besser.")
    assert response.status_code == 302, response.get_data(as_text=True)
    db.rollback()
    second = db.scalar(select(TaskSubmission.id).where(TaskSubmission.number == 2))
    response = review(trainer, second, "accepted")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _basics(db).completed_at is not None
    db.close()


def test_tasks_services_accepted_task_before_quiz_completes_module_with_quiz(required_app):
    """An accepted task alone completes nothing; the module completes when the quiz is passed afterwards."""
    db, _world, learner, trainer = _setup(required_app)
    start(learner)
    hand_in(learner)
    db.rollback()
    review(trainer, db.scalar(select(TaskSubmission.id)), "accepted")
    for lesson in ("b-one", "b-two"):
        learner.post(f"/courses/mini/lessons/{lesson}/done")
    assert _basics(db).completed_at is None
    answer_all(required_app, learner, db, "m1")
    assert _basics(db).completed_at is not None
    db.close()


def test_tasks_services_not_required_by_default(app, client, login_as, db):
    """Without tasks_required the module completes on lessons and quiz alone."""
    login_as("learner_a")
    start(client)
    for lesson in ("b-one", "b-two"):
        client.post(f"/courses/mini/lessons/{lesson}/done")
    answer_all(app, client, db, "m1")
    assert _basics(db).completed_at is not None


def test_tasks_services_optional_lesson_task_is_not_required(required_app):
    """A task of a lesson the learner's path marks optional is not required for the module."""
    db, _world, learner, _trainer = _setup(required_app)
    start(learner)
    db.rollback()
    enrolment = db.scalar(select(Enrolment))
    enrolment.path = {"b-one": "optional", "b-two": "required", "m-one": "required"}
    db.commit()
    learner.post("/courses/mini/lessons/b-two/done")
    answer_all(required_app, learner, db, "m1")
    assert _basics(db).completed_at is not None
    db.close()


def test_tasks_services_xapi_submitted_and_reviewed(app, client, login_as, db, world):
    """Hand-in → "submitted" (Activity Streams submit); review → passed/failed with rubric score and instructor."""
    login_as("learner_a")
    start(client)
    hand_in(client, file=(PDF, "a.pdf"))
    trainer = app.test_client()
    login(trainer, world["trainer_a"].email)
    db.rollback()
    first = db.scalar(select(TaskSubmission.id))
    review(trainer, first, "revision_requested", feedback="Bitte nachbessern.",
           levels=(("klarheit", "teilweise"), ("messbar", "nein")))
    hand_in(client)
    db.rollback()
    review(trainer, db.scalar(select(TaskSubmission.id).where(TaskSubmission.number == 2)), "accepted")
    db.rollback()
    rows = db.scalars(select(Statement).where(Statement.activity_id.like("%/task/probe"))
                      .order_by(Statement.seq)).all()
    assert [row.verb_id.rsplit("/", 1)[-1] for row in rows] == ["submit", "failed", "submit", "passed"]
    assert rows[0].verb_id == SUBMIT and rows[0].user_id == world["learner_a"].id
    failed, passed = json.loads(rows[1].raw), json.loads(rows[3].raw)
    assert failed["result"]["success"] is False and failed["result"]["score"]["scaled"] == round(1 / 3, 4)
    assert passed["result"]["success"] is True and passed["result"]["score"]["raw"] == 3
    assert passed["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/performance"
    assert passed["context"]["instructor"]["account"]["name"] == world["trainer_a"].actor_id
    assert passed["context"]["contextActivities"]["parent"][0]["id"].endswith("/module/basics")
    assert json.loads(rows[2].raw)["context"]["extensions"][
        "https://lms.example/xapi/extensions/task-submission-number"] == 2


def test_tasks_services_required_tasks_lists_only_required_modules(app):
    """required_tasks is empty for modules without tasks_required."""
    with app.app_context():
        from lms.catalog import get_catalog

        catalog = get_catalog()
        course = catalog.courses["mini"]
        assert services.required_tasks(course, None, course.module("basics"), catalog.course_tasks("mini")) == []


def test_tasks_services_demo_load_hands_in_once(runner, db):
    """`flask demo load` gives a demo learner one hand-in of the first task, and only once."""
    runner.invoke(args=["demo", "load"])
    runner.invoke(args=["demo", "load"])
    db.rollback()
    rows = db.scalars(select(TaskSubmission)).all()
    assert [(row.task_id, row.status, row.number) for row in rows] == [("probe", "submitted", 1)]
    assert rows[0].answers["ziel"].startswith("Beispielantwort")
