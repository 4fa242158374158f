"""Scenario questions in drafts: a posted scenario value is refused, attempts broken by one are repaired."""
import re

from sqlalchemy import select

from lms.quizzes.models import QuestionResult, QuizAttempt


def _start_m2(client) -> int:
    client.post("/courses/mini/start")
    response = client.post("/quizzes/mini/m2/start")
    return int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))


def _answers(db, attempt_id) -> dict:
    db.rollback()
    return dict(db.get(QuizAttempt, attempt_id).answers or {})


def _break(db, attempt_id, answers: dict) -> None:
    """Store drafts the way the unfixed save did: a scenario value that no decision produced."""
    db.rollback()
    attempt = db.get(QuizAttempt, attempt_id)
    attempt.answers = answers
    db.commit()


def test_quizzes_scenario_draft_value_before_decision_refused(client, login_as, db):
    """Saving q-<scenario>=… before the first decision is a 400 and stores nothing; the attempt stays usable."""
    login_as("learner_a")
    attempt_id = _start_m2(client)
    before = _answers(db, attempt_id)
    response = client.post(f"/quizzes/mini/m2/attempts/{attempt_id}/save", data={"q-s1": "garbage"})
    assert response.status_code == 400
    assert _answers(db, attempt_id) == before
    assert client.get(f"/quizzes/mini/m2/attempts/{attempt_id}").status_code == 200
    response = client.post(f"/quizzes/mini/m2/attempts/{attempt_id}/submit", data={"q-s1": "x,x"})
    assert response.status_code == 400
    assert db.scalars(select(QuestionResult)).all() == []


def test_quizzes_scenario_draft_value_after_decision_refused(client, login_as, db):
    """A posted value cannot overwrite a decided path either."""
    login_as("learner_a")
    attempt_id = _start_m2(client)
    client.post(f"/quizzes/mini/m2/attempts/{attempt_id}/save", data={"decide": "s1", "decision-s1": "y"})
    response = client.post(f"/quizzes/mini/m2/attempts/{attempt_id}/save", data={"q-s1": "x,x"})
    assert response.status_code == 400
    assert _answers(db, attempt_id)["q-s1"] == ["y"]


def test_quizzes_scenario_broken_attempt_is_repaired(client, login_as, db):
    """An attempt broken before the fix opens again; the next save stores only decided paths; it can be submitted."""
    login_as("learner_a")
    attempt_id = _start_m2(client)
    _break(db, attempt_id, {"q-s1": ["garbage"]})
    page = client.get(f"/quizzes/mini/m2/attempts/{attempt_id}")
    assert page.status_code == 200 and "Freitagabend" in page.get_data(as_text=True)
    assert client.post(f"/quizzes/mini/m2/attempts/{attempt_id}/save", data={}).status_code == 302
    assert "q-s1" not in _answers(db, attempt_id)
    for choice in ("x", "x"):
        client.post(f"/quizzes/mini/m2/attempts/{attempt_id}/save", data={"decide": "s1", "decision-s1": choice})
    assert _answers(db, attempt_id)["q-s1"] == ["x,x"]
    assert client.post(f"/quizzes/mini/m2/attempts/{attempt_id}/submit", data={}).status_code == 302
    db.rollback()
    assert db.scalar(select(QuestionResult).where(QuestionResult.question_key == "s1")).score == 1.0


def test_quizzes_scenario_broken_decided_path_cut_to_valid_prefix(client, login_as, db):
    """A decided path with an invalid tail is read as its valid part; deciding goes on from there."""
    login_as("learner_a")
    attempt_id = _start_m2(client)
    _break(db, attempt_id, {"q-s1": ["y,nope,x"], "_scenario_fields": ["q-s1"]})
    page = client.get(f"/quizzes/mini/m2/attempts/{attempt_id}").get_data(as_text=True)
    assert "Die Presse fragt an" in page
    client.post(f"/quizzes/mini/m2/attempts/{attempt_id}/save", data={"decide": "s1", "decision-s1": "x"})
    assert _answers(db, attempt_id)["q-s1"] == ["y,x"]
