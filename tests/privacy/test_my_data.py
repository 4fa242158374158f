"""My data (Art. 15/20): every row about the person, the statements as JSON lines, a readable summary."""
import json

from helpers import learn


def test_my_data_json_has_every_table_about_me(app, client, login_as, world, db):
    """The JSON download has profile, enrolment, progress, attempts with answers, audit entries; no secrets."""
    learn(app, "learner@alpha.example", quiz=True)
    login_as("learner_a")
    response = client.get("/privacy/my-data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    tables = data["tables"]
    assert tables["users"][0]["email"] == "learner@alpha.example"
    assert "password_hash" not in tables["users"][0] and "session_token" not in tables["users"][0]
    for name in ("enrolments", "lesson_progress", "quiz_attempts", "quiz_question_results"):
        assert tables.get(name), name
    assert {r["response"] for r in tables["quiz_question_results"]} >= {"b"}
    assert data["statements"]["count"] > 0
    assert "learner2@alpha.example" not in response.get_data(as_text=True)


def test_my_data_statements_stream_as_json_lines(app, client, login_as, world, db):
    """The statements download is JSON lines, each the person's own stored statement."""
    learn(app, "learner@alpha.example")
    learn(app, "learner2@alpha.example")
    login_as("learner_a")
    response = client.get("/privacy/statements.jsonl")
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    db.refresh(world["learner_a"])
    assert lines and all(s["actor"]["account"]["name"] == world["learner_a"].actor_id for s in lines)


def test_my_data_page_and_summary_list_what_is_stored(app, client, login_as, world):
    """The page counts the rows per area; the summary shows them readably; both are audited downloads."""
    learn(app, "learner@alpha.example")
    login_as("learner_a")
    page = client.get("/privacy").get_data(as_text=True)
    assert "enrolments" in page and "Lernereignisse" in page
    summary = client.get("/privacy/summary").get_data(as_text=True)
    assert "Lea Lernend" in summary and "lesson_progress" in summary
    data = json.loads(client.get("/privacy/my-data.json").data)
    assert any(r["action"] == "export.my_data" for r in data["tables"]["audit_log"])


def test_my_data_erasure_request_reaches_admins(client, login_as, world):
    """A learner's request is listed on the admin's erasure page, nothing is erased yet."""
    login_as("learner_a")
    assert client.post("/privacy/erasure-request", data={"note": "Bitte löschen"}).status_code == 302
    assert "liegt der Administration vor" in client.get("/privacy").get_data(as_text=True)
    client.post("/logout")
    login_as("admin_a")
    page = client.get("/admin/privacy/erasure").get_data(as_text=True)
    assert "Bitte löschen" in page and "Lea Lernend (" in page


def test_my_data_staff_rows_are_references_only(app, client, login_as, world, db):
    """A trainer's export names the hand-ins they reviewed by id only, never the learner's answers or files."""
    from sqlalchemy import select

    from lms.courses.models import Enrolment
    from lms.privacy import export
    from lms.tasks.models import TaskSubmission

    learn(app, "learner@alpha.example")
    db.rollback()
    enrolment_id = db.scalar(select(Enrolment.id))
    db.add(TaskSubmission(enrolment_id=enrolment_id, org_id=world["org_a"].id, user_id=world["learner_a"].id,
                          course_slug="mini", task_id="probe", module_id="m1", number=1,
                          answers={"text": "Geheime Antwort"}, reviewer_id=world["trainer_a"].id))
    db.commit()
    with app.app_context():
        data = export.collect(db, world["trainer_a"])
    assert "Geheime Antwort" not in str(data)
    submission_id = db.scalar(select(TaskSubmission.id))
    assert data["tables"]["task_submissions"] == [{"id": submission_id, "reviewer_id": world["trainer_a"].id}]
