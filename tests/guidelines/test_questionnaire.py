"""Needs questionnaire in the learner flow: start, answer, path with reasons, revisit, org defaults, trainers."""
from __future__ import annotations

from sqlalchemy import select

from conftest import login, make_app
from lms.courses.models import Enrolment, LessonProgress
from lms.guidelines import services
from lms.guidelines.models import QuestionnaireOrgDefault, QuestionnaireResponse


def _enrolment(db, user):
    db.rollback()  # end the read transaction so the next query sees what the requests committed
    return db.scalar(select(Enrolment).where(Enrolment.user_id == user.id))


def test_questionnaire_start_leads_to_questionnaire(started, client):
    """Starting a course with a questionnaire goes to the questionnaire first."""
    assert started.status_code == 302
    assert started.headers["Location"].endswith("/guidelines/mini/questionnaire")
    body = client.get("/guidelines/mini/questionnaire").get_data(as_text=True)
    assert "Wie groß ist Ihr Betrieb?" in body and 'name="kanaele"' in body and 'type="checkbox"' in body


def test_questionnaire_answers_set_path_with_reasons_on_overview(started, client, answer, db, world, recorded):
    """Answering sets the enrolment path, shows reasons on the path page and badges on the overview."""
    response = answer()
    assert response.status_code == 302 and response.headers["Location"].endswith("/guidelines/mini/path")
    enrolment = _enrolment(db, world["learner_a"])
    assert enrolment.path == {"b-one": "optional", "b-two": "optional", "m-one": "recommended"}
    page = client.get("/guidelines/mini/path").get_data(as_text=True)
    assert "Weil Sie nur Facebook nutzen." in page and "Weil Ihr Betrieb klein ist" in page
    assert "empfohlen" in page
    overview = client.get("/courses/mini/").get_data(as_text=True)
    assert "Mein Lernpfad" in overview and "Weil Sie nur Facebook nutzen." in overview
    assert "path-optional" in overview and "path-recommended" in overview
    sent = recorded["questionnaire_answered"]
    assert len(sent) == 1 and sent[0]["answers"] == {"groesse": "klein", "betriebsrat": "nein",
                                                      "kanaele": ["facebook"]}
    assert sent[0]["path"] == enrolment.path and sent[0]["enrolment"].id == enrolment.id


def test_questionnaire_revisit_keeps_progress(started, client, answer, db, world):
    """Changing the answers later changes the path but keeps lessons already done."""
    answer()
    client.post("/courses/mini/lessons/m-one/done")
    before = _enrolment(db, world["learner_a"])
    assert before.progress == 1.0  # only m-one counts: both basics lessons are optional
    page = client.get("/guidelines/mini/questionnaire").get_data(as_text=True)
    assert "bereits erledigte Lektionen bleiben erledigt" in page and 'value="klein" checked' in page
    answer({"groesse": "gross", "betriebsrat": "ja", "kanaele": ["instagram"]})
    after = _enrolment(db, world["learner_a"])
    assert after.path == {"b-one": "required", "b-two": "required", "m-one": "required"}
    assert abs(after.progress - 1 / 3) < 0.01
    done = db.scalars(select(LessonProgress).where(LessonProgress.enrolment_id == after.id)).all()
    assert [row.lesson_id for row in done if row.completed_at] == ["m-one"]
    stored = db.scalar(select(QuestionnaireResponse))
    assert stored.revisions == 2 and stored.answers["groesse"] == "gross"


def test_questionnaire_invalid_answers_rerender_with_errors(started, client, db):
    """Missing or contradictory answers give 400 with messages and store nothing."""
    response = client.post("/guidelines/mini/questionnaire", data={"groesse": "klein",
                                                                     "kanaele": ["facebook", "keine"]})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Bitte beantworten Sie diese Frage." in body and "nicht mit anderen kombinieren" in body
    assert db.scalar(select(QuestionnaireResponse)) is None


def test_questionnaire_get_writes_nothing(client, login_as, db):
    """Opening the questionnaire and path pages with GET stores nothing (and needs an enrolment)."""
    login_as("learner_a")
    assert client.get("/guidelines/mini/questionnaire").status_code == 302
    assert client.get("/guidelines/mini/path").status_code == 302
    assert db.scalar(select(QuestionnaireResponse)) is None and db.scalar(select(Enrolment)) is None


def test_questionnaire_csrf_missing_is_400(started, client, db):
    """A questionnaire post without a CSRF token is rejected."""
    response = client.post("/guidelines/mini/questionnaire", data={"groesse": "klein"}, csrf=False)
    assert response.status_code == 400
    assert db.scalar(select(QuestionnaireResponse)) is None


def test_questionnaire_course_without_questionnaire_404(started, client, app, monkeypatch):
    """A course without questionnaire.toml has no questionnaire page and no path link."""
    monkeypatch.setitem(app.extensions["lms_questionnaires"], "mini", None)
    assert client.get("/guidelines/mini/questionnaire").status_code == 404
    assert "Mein Lernpfad" not in client.get("/courses/mini/").get_data(as_text=True)


def test_questionnaire_org_defaults_offered_and_used(client, login_as, db, world, recorded):
    """The admin's default answers are offered as a skip button and become the learner's path."""
    login_as("admin_a")
    page = client.get("/guidelines/admin/mini/defaults")
    assert page.status_code == 200
    response = client.post("/guidelines/admin/mini/defaults",
                           data={"groesse": "klein", "betriebsrat": "ja", "kanaele": ["keine"]})
    assert response.status_code == 302
    assert db.scalar(select(QuestionnaireOrgDefault)).answers["kanaele"] == ["keine"]
    client.post("/logout")
    login_as("learner_a")
    client.post("/courses/mini/start")
    page = client.get("/guidelines/mini/questionnaire").get_data(as_text=True)
    assert "Standardantworten der Organisation verwenden" in page and 'value="keine" checked' in page
    response = client.post("/guidelines/mini/questionnaire/defaults")
    assert response.headers["Location"].endswith("/guidelines/mini/path")
    enrolment = _enrolment(db, world["learner_a"])
    assert enrolment.path == {"b-one": "recommended", "b-two": "required", "m-one": "required"}
    stored = db.scalar(select(QuestionnaireResponse))
    assert stored.source == "org_default"
    assert len(recorded["questionnaire_answered"]) == 1


def test_questionnaire_org_defaults_not_shared_across_orgs(client, login_as, db, world):
    """Organisation A's defaults are not offered to B's learners, and B cannot use them."""
    login_as("admin_a")
    client.post("/guidelines/admin/mini/defaults", data={"groesse": "klein", "betriebsrat": "ja",
                                                         "kanaele": ["keine"]})
    client.post("/logout")
    login_as("learner_b")
    client.post("/courses/mini/start")
    page = client.get("/guidelines/mini/questionnaire").get_data(as_text=True)
    assert "Standardantworten der Organisation verwenden" not in page
    response = client.post("/guidelines/mini/questionnaire/defaults")
    assert response.status_code == 302 and response.headers["Location"].endswith("/guidelines/mini/questionnaire")
    assert db.scalar(select(QuestionnaireResponse)) is None


def test_questionnaire_defaults_page_admin_only(client, login_as):
    """Learners and trainers cannot set organisation defaults."""
    login_as("trainer_a")
    assert client.get("/guidelines/admin/mini/defaults").status_code == 403
    assert client.post("/guidelines/admin/mini/defaults", data={"groesse": "klein"}).status_code == 403


def test_questionnaire_summary_for_trainers(started, answer, app, db, world):
    """questionnaire_summary returns answers, labels, path, reasons and counts; None before answering."""
    enrolment = _enrolment(db, world["learner_a"])
    with app.app_context():
        assert services.questionnaire_summary(db, enrolment.id) is None
    answer()
    with app.app_context():
        db.rollback()
        summary = services.questionnaire_summary(db, enrolment.id)
    assert summary["answers"]["groesse"] == "klein" and summary["source"] == "own"
    assert summary["counts"] == {"required": 0, "recommended": 1, "optional": 2}
    assert summary["reasons"]["b-one"][0]["rule"] == "nur-facebook-einstieg-optional"
    labels = {item["question_id"]: item["labels"] for item in summary["answer_labels"]}
    assert labels["groesse"] == [{"de": "unter 10 Beschäftigte", "en": "fewer than 10 employees"}]
    assert [lesson["status"] for lesson in summary["lessons"]] == ["optional", "optional", "recommended"]


def test_questionnaire_trainer_sees_answers_and_other_org_gets_404(started, client, answer, login_as, db, world):
    """A trainer of the same organisation sees answers and path; a trainer of B gets 404."""
    answer()
    enrolment = _enrolment(db, world["learner_a"])
    client.post("/logout")
    login_as("trainer_a")
    team = client.get("/guidelines/team/").get_data(as_text=True)
    assert "Lea Lernend" in team and "0 Pflicht, 1 empfohlen, 2 optional" in team
    detail = client.get(f"/guidelines/team/enrolments/{enrolment.id}").get_data(as_text=True)
    assert "unter 10 Beschäftigte" in detail and "Weil Sie nur Facebook nutzen." in detail
    client.post("/logout")
    login_as("trainer_b")
    assert client.get(f"/guidelines/team/enrolments/{enrolment.id}").status_code == 404
    assert "Lea Lernend" not in client.get("/guidelines/team/").get_data(as_text=True)


def test_questionnaire_learner_cannot_open_team_pages(started, client):
    """Learners get 403 on the trainer pages."""
    assert client.get("/guidelines/team/").status_code == 403


def test_questionnaire_real_course_page_and_path(database_url, tmp_path, world):
    """The real course's questionnaire renders its twelve questions and a full answer set gives a path."""
    real = make_app(database_url, tmp_path, BUNDLED_CONTENT=True, COURSES_DIR=None, QUIZZES_DIR=None)
    client = real.test_client()
    login(client, world["learner_a"].email)
    client.post("/courses/social_media_manager/start")
    page = client.get("/guidelines/social_media_manager/questionnaire").get_data(as_text=True)
    assert page.count('<fieldset class="card question') == 12
    response = client.post("/guidelines/social_media_manager/questionnaire", data={
        "beschaeftigte": "10-49", "vertrauensbranche": "nein", "kundschaft": "b2c", "plattformen": ["instagram"],
        "wer-postet": ["inhaber"], "richtlinie": "aktuell", "betriebsrat": "ja", "krisen": "nein",
        "hauptziel": "service", "werbeaktionen": "nein", "bilder": ["keine"], "messen-betreuung": "keins"})
    assert response.status_code == 302
    path = client.get("/guidelines/social_media_manager/path").get_data(as_text=True)
    assert "Weil Ihr Unternehmen einen Betriebsrat hat" in path
    real.extensions["lms_db"][0].dispose()
