"""Progress reads of a GET are plain read-only rows read once per request; a request that may write gets ORM
objects it can change (lms/courses/services.py `_records`)."""

from lms.catalog import get_catalog
from lms.courses import services
from lms.courses.models import LessonProgress, ModuleProgress
from lms.db import get_session


def _enrolled(app, client, login_as, world):
    login_as("learner_a")
    client.post("/courses/mini/start")
    client.post("/courses/mini/lessons/b-one/done")
    with app.app_context():
        course = get_catalog().course("mini")
    return course


def _read(app, world, course, method):
    with app.test_request_context("/courses/mini/", method=method):
        app.preprocess_request()
        db = get_session()
        user = db.get(type(world["learner_a"]), world["learner_a"].id)
        enrolment = services.get_enrolment(db, user, course)
        lessons = services.lesson_records(db, enrolment)
        modules = services.module_records(db, enrolment)
        again = services.lesson_records(db, enrolment)
        tracked = [obj for obj in db.identity_map.values() if isinstance(obj, (LessonProgress, ModuleProgress))]
        return lessons, modules, again, tracked


def test_courses_progress_rows_get_reads_plain_rows_once(app, client, login_as, world):
    """In a GET the lesson and module progress come as rows with the columns' names (the completion readable),
    none of them is an ORM object in the session, and a second read returns the same rows."""
    course = _enrolled(app, client, login_as, world)
    lessons, modules, again, tracked = _read(app, world, course, "GET")
    assert lessons["b-one"].completed_at is not None
    assert modules and all(not isinstance(row, ModuleProgress) for row in modules.values())
    assert not isinstance(lessons["b-one"], LessonProgress)
    assert tracked == []
    assert again["b-one"] is lessons["b-one"]


def test_courses_progress_rows_writing_request_gets_orm_objects(app, client, login_as, world):
    """In a POST the same reads return ORM objects of the request's session, so services can change them."""
    course = _enrolled(app, client, login_as, world)
    lessons, modules, _again, tracked = _read(app, world, course, "POST")
    assert isinstance(lessons["b-one"], LessonProgress)
    assert all(isinstance(row, ModuleProgress) for row in modules.values())
    assert tracked


def _learner_read(app, world, course, method):
    from sqlalchemy import event

    seen = []
    engine = app.extensions["lms_db"][0]

    def listener(conn, cursor, statement, *args):
        seen.append(statement)

    with app.test_request_context("/courses/mini/", method=method):
        app.preprocess_request()
        db = get_session()
        user = db.get(type(world["learner_a"]), world["learner_a"].id)
        event.listen(engine, "before_cursor_execute", listener)
        try:
            enrolment = services.learner_enrolment(db, user, course)
            lessons = services.lesson_records(db, enrolment) if enrolment is not None else {}
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        kind = type(enrolment)
        snapshot = (enrolment.course_slug, enrolment.progress) if enrolment is not None else None
        return kind, snapshot, {key: row.completed_at for key, row in lessons.items()}, len(seen)


def test_courses_learner_enrolment_get_reads_enrolment_and_lessons_in_one_statement(app, client, login_as, world):
    """In a GET the learner pages' enrolment is a read-only row read together with its lesson progress (one
    statement for both, the same values as the ORM reads); in a POST it is the ORM enrolment."""
    from lms.courses.models import Enrolment

    course = _enrolled(app, client, login_as, world)
    kind, enrolment, lessons, statements = _learner_read(app, world, course, "GET")
    orm_kind, orm_enrolment, orm_lessons, _statements = _learner_read(app, world, course, "POST")
    assert statements == 1
    assert kind is not Enrolment and orm_kind is Enrolment
    assert enrolment == orm_enrolment and enrolment[0] == "mini" and enrolment[1] > 0
    assert lessons == orm_lessons and set(lessons) == {"b-one"} and lessons["b-one"] is not None


def test_courses_learner_enrolment_without_progress_rows(app, client, login_as, world):
    """An enrolment with no lesson progress yet reads as an enrolment with no lesson rows (the outer join's
    empty side is not a row), and a learner without enrolment reads as None."""
    login_as("learner_a")
    client.post("/courses/mini/start")
    with app.app_context():
        course = get_catalog().course("mini")
    _kind, enrolment, lessons, _statements = _learner_read(app, world, course, "GET")
    assert enrolment is not None and lessons == {}
    with app.test_request_context("/courses/mini/"):
        app.preprocess_request()
        db = get_session()
        other = db.get(type(world["learner_a2"]), world["learner_a2"].id)
        assert services.learner_enrolment(db, other, course) is None
