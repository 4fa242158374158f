"""Quiz pages that help: unanswered questions need a confirmation, a scenario step without a choice is a clear
message at the question, and the result shows the learner's own answer and points with a decimal comma."""
import re

from sqlalchemy import select

from lms.quizzes.models import QuizAttempt
from tests.quizzes.test_attempts import _attempt, _enrol_and_start, correct_form


def test_quiz_ux_unanswered_needs_confirmation(app, client, login_as, db):
    """A submit with open questions is not graded: the page names them, keeps the answers, offers 'submit anyway'."""
    login_as("learner_a")
    attempt_id = _enrol_and_start(client)
    form = correct_form(app, _attempt(db, attempt_id))
    first = next(iter(form))
    response = client.post(f"/quizzes/mini/m1/attempts/{attempt_id}/submit", data={first: form[first]})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Noch nicht beantwortet: 2 von 3 Fragen" in page and 'name="confirm_unanswered"' in page
    attempt = _attempt(db, attempt_id)
    given = form[first] if isinstance(form[first], list) else [form[first]]  # multiple choice posts a list
    assert attempt.status == "open" and attempt.answers[first] == given
    confirmed = client.post(f"/quizzes/mini/m1/attempts/{attempt_id}/submit", data={"confirm_unanswered": "1"})
    assert confirmed.status_code == 302 and _attempt(db, attempt_id).status == "submitted"


def test_quiz_ux_complete_submit_needs_no_confirmation(app, client, login_as, db):
    """Every question answered: submitted at once."""
    login_as("learner_a")
    attempt_id = _enrol_and_start(client)
    response = client.post(f"/quizzes/mini/m1/attempts/{attempt_id}/submit",
                           data=correct_form(app, _attempt(db, attempt_id)))
    assert response.status_code == 302 and _attempt(db, attempt_id).status == "submitted"


def test_quiz_ux_scenario_without_choice_says_choose(client, login_as, db):
    """Confirming a scenario step without a choice: 400 with 'Bitte wählen Sie eine Option.' at that question."""
    login_as("learner_a")
    attempt_id = _enrol_and_start(client, "m2")
    key = next(i["key"] for i in _attempt(db, attempt_id).plan if i["key"].endswith("s1"))
    response = client.post(f"/quizzes/mini/m2/attempts/{attempt_id}/save", data={"decide": key})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(rf'id="question-{key}".*?Bitte wählen Sie eine Option\.', page, re.S)
    assert "Unbekannte Entscheidung" not in page


def test_quiz_ux_feedback_shows_own_answer_and_points(app, client, login_as, db):
    """The result lists the learner's own answer (option text, 'falsch' for false) and '… von 3 Punkten'."""
    login_as("learner_a")
    attempt_id = _enrol_and_start(client)
    form = correct_form(app, _attempt(db, attempt_id))
    form.update({"q-q1": "c", "q-q2": "false", "confirm_unanswered": "1"})
    client.post(f"/quizzes/mini/m1/attempts/{attempt_id}/submit", data=form)
    page = client.get(f"/quizzes/mini/m1/attempts/{attempt_id}").get_data(as_text=True)
    own = re.findall(r'class="own-answer"><strong>Ihre Antwort:</strong> ([^<]*)<', page)
    assert "C" in own and "falsch" in own and "A; C" in own
    assert re.search(r"1 von 3 Punkten \(33\xa0%\)", page)
    assert len(db.scalars(select(QuizAttempt)).all()) == 1


def test_quiz_ux_feedback_numeric_decimal_comma_english_point(app, client, login_as, db):
    """A numeric answer is shown with a decimal comma in German and a point in English."""
    login_as("learner_a")
    attempt_id = _enrol_and_start(client, "m2")
    client.post(f"/quizzes/mini/m2/attempts/{attempt_id}/submit", data={"q-n1": "4,5", "confirm_unanswered": "1"})
    page = client.get(f"/quizzes/mini/m2/attempts/{attempt_id}").get_data(as_text=True)
    assert "Ihre Antwort:</strong> 4,5" in page
    client.post("/language", data={"lang": "en"})
    page = client.get(f"/quizzes/mini/m2/attempts/{attempt_id}").get_data(as_text=True)
    assert "Your answer:</strong> 4.5" in page
