"""A learner's way through the lessons: start, read, mark done, resume, progress."""
from sqlalchemy import select

from lms.courses.models import Enrolment, LessonProgress, ModuleProgress


def _start(client):
    return client.post("/courses/mini/start")


def test_learning_course_list_and_overview_render(client, login_as):
    """The course list and the overview show modules, objectives and a start button."""
    login_as("learner_a")
    assert "Minikurs" in client.get("/courses/").get_data(as_text=True)
    body = client.get("/courses/mini/").get_data(as_text=True)
    assert "Grundlagen" in body and "Ziel eins" in body and "Kurs starten" in body


def test_learning_start_enrols_once_and_opens_first_lesson(client, login_as, db):
    """Starting enrols the learner with a registration UUID and leads to the first lesson; twice is harmless."""
    login_as("learner_a")
    response = _start(client)
    # The test course has a needs questionnaire, which comes before the first lesson.
    assert response.headers["Location"].endswith("/guidelines/mini/questionnaire")
    _start(client)
    enrolments = db.scalars(select(Enrolment)).all()
    assert len(enrolments) == 1 and len(enrolments[0].registration) == 36


def test_learning_get_does_not_enrol(client, login_as, db):
    """Opening pages with GET changes nothing."""
    login_as("learner_a")
    client.get("/courses/mini/")
    client.get("/courses/mini/lessons/b-one")
    client.get("/courses/mini/resume")
    assert db.scalars(select(Enrolment)).all() == []


def test_learning_lesson_page_has_prev_next_and_done(client, login_as):
    """A lesson shows its content, previous/next links and the done button."""
    login_as("learner_a")
    _start(client)
    body = client.get("/courses/mini/lessons/b-two").get_data(as_text=True)
    assert "Zusammenfassung" in body
    assert 'rel="prev"' in body and 'rel="next"' in body
    assert "Als erledigt markieren" in body
    assert "Offene Rechtsfrage" in body


def test_learning_mark_done_updates_progress_and_goes_next(client, login_as, db):
    """Marking done records completion, module and course progress, and moves on."""
    login_as("learner_a")
    _start(client)
    response = client.post("/courses/mini/lessons/b-one/done")
    assert response.headers["Location"].endswith("/courses/mini/lessons/b-two")
    enrolment = db.scalar(select(Enrolment))
    assert abs(enrolment.progress - 1 / 3) < 0.01
    module = db.scalar(select(ModuleProgress).where(ModuleProgress.module_id == "basics"))
    assert module.lessons_done == 1 and module.status == "in_progress"
    client.post("/courses/mini/lessons/b-one/done")  # twice: still one completion
    assert db.scalar(select(ModuleProgress).where(ModuleProgress.module_id == "basics")).lessons_done == 1


def test_learning_resume_goes_to_last_unfinished_lesson(client, login_as):
    """Resume returns to the lesson last opened, or the next unfinished one."""
    login_as("learner_a")
    _start(client)
    client.post("/courses/mini/lessons/b-two/beacon", data={"event": "open"})
    assert client.get("/courses/mini/resume").headers["Location"].endswith("/lessons/b-two")
    client.post("/courses/mini/lessons/b-two/done")
    assert client.get("/courses/mini/resume").headers["Location"].endswith("/lessons/m-one")


def test_learning_beacon_records_visits_and_bounded_time(client, login_as, db):
    """Reading beacons count visits and add time, capped per call."""
    login_as("learner_a")
    _start(client)
    client.post("/courses/mini/lessons/b-one/beacon", data={"event": "open"})
    client.post("/courses/mini/lessons/b-one/beacon", data={"event": "time", "seconds": "95"})
    client.post("/courses/mini/lessons/b-one/beacon", data={"event": "time", "seconds": "999999"})
    record = db.scalar(select(LessonProgress))
    assert record.visits == 1 and record.seconds_spent == 95 + 1800
    assert client.post("/courses/mini/lessons/b-one/beacon", data={"event": "bogus"}).status_code == 400


def test_learning_unknown_course_or_lesson_is_404(client, login_as):
    """Unknown slugs and lesson ids answer 404."""
    login_as("learner_a")
    assert client.get("/courses/nope/").status_code == 404
    _start(client)
    assert client.get("/courses/mini/lessons/nope").status_code == 404


def test_learning_progress_bars_on_overview(client, login_as):
    """The overview shows a progress bar per module with the right value."""
    login_as("learner_a")
    _start(client)
    client.post("/courses/mini/lessons/b-one/done")
    body = client.get("/courses/mini/").get_data(as_text=True)
    assert 'value="50"' in body  # module basics: 1 of 2
    assert body.count("<progress") >= 3


def test_learning_english_ui_for_english_users(client, login_as, world, db):
    """Module titles appear in English for English-speaking users."""
    from lms.auth.models import User

    db.get(User, world["learner_a"].id).locale = "en"
    db.commit()
    login_as("learner_a")
    body = client.get("/courses/mini/").get_data(as_text=True)
    assert "Basics" in body and 'lang="en"' in body


def test_learning_anonymous_redirected_to_login(client):
    """Course pages require sign-in."""
    response = client.get("/courses/mini/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
