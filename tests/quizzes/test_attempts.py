"""Quiz attempts end to end: draw, resume, scenario decisions, server-side scoring, feedback, final exam."""
import re

import pytest
from sqlalchemy import select

from lms.courses.models import Enrolment, ModuleProgress
from lms.quizzes.models import QuestionResult, QuizAttempt


def correct_form(app, attempt) -> dict:
    """Form values answering every question of the attempt correctly (scenario paths excluded)."""
    with app.app_context():
        from lms.catalog import get_catalog
        from lms.quizzes.services import pool_for

        catalog = get_catalog()
        pool = pool_for(catalog.course_quizzes("mini"), catalog.quiz("mini", attempt.quiz_id))
    form = {}
    for item in attempt.plan:
        q = pool[item["key"]]
        raw, name = q.raw, f"q-{q.id}"
        if q.type in ("single",):
            form[name] = raw["answer"]
        elif q.type == "multiple":
            form[name] = raw["answer"]
        elif q.type == "truefalse":
            form[name] = "true" if raw["answer"] else "false"
        elif q.type == "numeric":
            form[name] = str(raw["answer"]).replace(".", ",")
        elif q.type == "ordering":
            for pos, item_id in enumerate(raw["answer"], start=1):
                form[f"{name}-{item_id}"] = str(pos)
        elif q.type == "matching":
            for item_id, cat in raw["answer"].items():
                form[f"{name}-{item_id}"] = cat
    return form


def _enrol_and_start(client, quiz="m1"):
    client.post("/courses/mini/start")
    response = client.post(f"/quizzes/mini/{quiz}/start")
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    return attempt_id


def _attempt(db, attempt_id):
    db.rollback()  # end the test session's snapshot so the app's commits are visible
    return db.get(QuizAttempt, attempt_id)


def _decide_scenarios(client, db, attempt_id, quiz="m2", choice="x"):
    attempt = _attempt(db, attempt_id)
    for item in attempt.plan:
        key = item["key"]  # "s1" in its module quiz, "m2/s1" when the final exam draws it
        if key.rsplit("/", 1)[-1] == "s1":
            for _ in range(2):
                client.post(f"/quizzes/mini/{quiz}/attempts/{attempt_id}/save",
                            data={"decide": key, f"decision-{key}": choice})


def test_attempts_start_draws_and_reload_shows_same(client, login_as, db):
    """A started attempt keeps its drawn questions and option order across reloads."""
    login_as("learner_a")
    attempt_id = _enrol_and_start(client)
    first = client.get(f"/quizzes/mini/m1/attempts/{attempt_id}").get_data(as_text=True)
    second = client.get(f"/quizzes/mini/m1/attempts/{attempt_id}").get_data(as_text=True)
    strip = lambda html: re.sub(r'value="[^"]{40,}"', "", html)  # CSRF tokens differ
    assert strip(first) == strip(second)
    assert len(_attempt(db, attempt_id).plan) == 3


def test_attempts_start_twice_resumes_open_attempt(client, login_as, db):
    """Starting again while an attempt is open resumes it instead of drawing a new one."""
    login_as("learner_a")
    attempt_id = _enrol_and_start(client)
    response = client.post("/quizzes/mini/m1/start")
    assert response.headers["Location"].endswith(f"/attempts/{attempt_id}")
    assert len(db.scalars(select(QuizAttempt)).all()) == 1


def test_attempts_draft_saved_and_prefilled(client, login_as, db):
    """Saved draft answers come back when the attempt is resumed."""
    login_as("learner_a")
    attempt_id = _enrol_and_start(client)
    client.post(f"/quizzes/mini/m1/attempts/{attempt_id}/save", data={"q-q1": "c"})
    body = client.get(f"/quizzes/mini/m1/attempts/{attempt_id}").get_data(as_text=True)
    assert re.search(r'name="q-q1" value="c" checked', body)


def test_attempts_submit_correct_passes_and_records_results(app, client, login_as, db):
    """All-correct answers pass; results per question are stored; feedback explains and links the lesson."""
    login_as("learner_a")
    attempt_id = _enrol_and_start(client)
    form = correct_form(app, _attempt(db, attempt_id))
    response = client.post(f"/quizzes/mini/m1/attempts/{attempt_id}/submit", data=form)
    assert response.status_code == 302
    attempt = _attempt(db, attempt_id)
    assert attempt.status == "submitted" and attempt.passed and attempt.scaled == 1.0
    assert len(db.scalars(select(QuestionResult)).all()) == 3
    body = client.get(f"/quizzes/mini/m1/attempts/{attempt_id}").get_data(as_text=True)
    assert "Bestanden" in body and "Weil B stimmt" in body and "/courses/mini/lessons/b-one" in body
    progress = db.scalar(select(ModuleProgress).where(ModuleProgress.module_id == "basics"))
    assert progress.quiz_passed_at is not None and progress.quiz_best_score == 1.0


def test_attempts_wrong_answers_fail_with_feedback(client, login_as, db):
    """Wrong answers fail the attempt and the feedback marks them wrong with the right answer."""
    login_as("learner_a")
    attempt_id = _enrol_and_start(client)
    response = client.post(f"/quizzes/mini/m1/attempts/{attempt_id}/submit",
                           data={"q-q1": "a", "q-q2": "false", "q-q3": "b"})
    assert response.status_code == 302
    attempt = _attempt(db, attempt_id)
    assert attempt.passed is False and attempt.scaled == 0.0
    body = client.get(f"/quizzes/mini/m1/attempts/{attempt_id}").get_data(as_text=True)
    assert "nicht bestanden" in body and "Richtige Antwort" in body


def test_attempts_double_submit_records_one_attempt(app, client, login_as, db):
    """Submitting twice (double click, reload) changes nothing the second time."""
    login_as("learner_a")
    attempt_id = _enrol_and_start(client)
    client.post(f"/quizzes/mini/m1/attempts/{attempt_id}/submit", data={"q-q1": "a", "confirm_unanswered": "1"})
    before = _attempt(db, attempt_id).scaled
    second = client.post(f"/quizzes/mini/m1/attempts/{attempt_id}/submit",
                         data=correct_form(app, _attempt(db, attempt_id)))
    assert second.status_code == 302
    assert _attempt(db, attempt_id).scaled == before
    assert len(db.scalars(select(QuizAttempt)).all()) == 1
    assert len(db.scalars(select(QuestionResult)).all()) == 3


@pytest.mark.parametrize("form, message", [
    ({"q-q1": "zz"}, "zz"),
    ({"q-nope": "a"}, "nope"),
])
def test_attempts_foreign_answers_are_a_clear_error(client, login_as, db, form, message):
    """Answers naming options or questions that are not in the attempt are refused with 400; nothing stored."""
    login_as("learner_a")
    attempt_id = _enrol_and_start(client)
    response = client.post(f"/quizzes/mini/m1/attempts/{attempt_id}/submit", data=form)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _attempt(db, attempt_id).status == "open"
    assert db.scalars(select(QuestionResult)).all() == []


def test_attempts_scenario_decisions_and_scoring(app, client, login_as, db):
    """A branching scenario reveals each next step after a decision and scores per decision."""
    login_as("learner_a")
    client.post("/courses/mini/start")
    attempt_id = _enrol_and_start(client, "m2")
    first = client.get(f"/quizzes/mini/m2/attempts/{attempt_id}").get_data(as_text=True)
    assert "Freitagabend" in first and "Die Presse fragt an" not in first
    client.post(f"/quizzes/mini/m2/attempts/{attempt_id}/save", data={"decide": "s1", "decision-s1": "y"})
    second = client.get(f"/quizzes/mini/m2/attempts/{attempt_id}").get_data(as_text=True)
    assert "Die Presse fragt an" in second and "Schlecht." in second
    client.post(f"/quizzes/mini/m2/attempts/{attempt_id}/save", data={"decide": "s1", "decision-s1": "x"})
    form = correct_form(app, _attempt(db, attempt_id))
    client.post(f"/quizzes/mini/m2/attempts/{attempt_id}/submit", data=form)
    db.rollback()
    result = db.scalar(select(QuestionResult).where(QuestionResult.question_key == "s1"))
    assert result.score == 0.5 and result.correct is False


def test_attempts_other_learners_attempt_is_404(app, client, login_as, db, world):
    """A learner cannot open or submit someone else's attempt."""
    login_as("learner_a")
    attempt_id = _enrol_and_start(client)
    other = app.test_client()
    from conftest import login

    login(other, "learner2@alpha.example")
    other.post("/courses/mini/start")
    assert other.get(f"/quizzes/mini/m1/attempts/{attempt_id}").status_code == 404
    assert other.post(f"/quizzes/mini/m1/attempts/{attempt_id}/submit", data={"q-q1": "b"}).status_code == 404


def test_attempts_final_exam_locked_until_modules_done_then_completes_course(app, client, login_as, db):
    """The final exam opens after every module is complete; passing it completes the course."""
    login_as("learner_a")
    client.post("/courses/mini/start")
    assert client.post("/quizzes/mini/final/start").headers["Location"].endswith("/quizzes/mini/final/")
    for lesson in ("b-one", "b-two", "m-one"):
        client.post(f"/courses/mini/lessons/{lesson}/done")
    for quiz in ("m1", "m2"):
        attempt_id = int(re.search(r"/attempts/(\d+)", client.post(f"/quizzes/mini/{quiz}/start")
                                   .headers["Location"]).group(1))
        _decide_scenarios(client, db, attempt_id, quiz)
        client.post(f"/quizzes/mini/{quiz}/attempts/{attempt_id}/submit",
                    data=correct_form(app, _attempt(db, attempt_id)))
    db.rollback()
    modules = db.scalars(select(ModuleProgress)).all()
    assert all(m.completed_at for m in modules)
    response = client.post("/quizzes/mini/final/start")
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    _decide_scenarios(client, db, attempt_id, "final")
    attempt = _attempt(db, attempt_id)
    form = correct_form(app, attempt)
    client.post(f"/quizzes/mini/final/attempts/{attempt_id}/submit", data=form)
    final = _attempt(db, attempt_id)
    assert final.passed, (final.plan, final.scaled, form)
    db.rollback()
    assert db.scalar(select(Enrolment)).completed_at is not None


def test_attempts_limit_and_waiting_time(app, client, login_as, db, monkeypatch):
    """A quiz with a limit and a waiting time refuses new attempts until allowed."""
    from dataclasses import replace

    from lms.catalog import Catalog

    catalog = app.extensions["lms_catalog"]
    quiz = replace(catalog.quizzes[("mini", "m1")], max_attempts=2, wait_minutes=30)
    app.extensions["lms_catalog"] = Catalog(catalog.courses, {**catalog.quizzes, ("mini", "m1"): quiz})
    login_as("learner_a")
    attempt_id = _enrol_and_start(client)
    client.post(f"/quizzes/mini/m1/attempts/{attempt_id}/submit", data={"q-q1": "a", "confirm_unanswered": "1"})
    response = client.post("/quizzes/mini/m1/start")
    assert response.headers["Location"].endswith("/quizzes/mini/m1/")
    assert "Bitte warten Sie" in client.get("/quizzes/mini/m1/").get_data(as_text=True)
    assert len(db.scalars(select(QuizAttempt)).all()) == 1
