"""Task pages: hand-in with limits and type checks, downloads, the trainer's list and review, organisation scope."""
from sqlalchemy import select

from lms.tasks.models import TaskFile, TaskSubmission
from tests.tasks.tasks_helpers import PDF, TASK_URL, hand_in, review, start, submission_ids


def _only_submission(db):
    db.rollback()
    return db.scalar(select(TaskSubmission).order_by(TaskSubmission.id.desc()))


def test_tasks_views_lesson_and_overview_show_exercise_time(client, login_as):
    """Overview and lesson pages show reading and exercise time separately, and the lesson links its task."""
    login_as("learner_a")
    start(client)
    overview = client.get("/courses/mini/").get_data(as_text=True)
    assert "Lesezeit gesamt ca. 16 Min." in overview and "Übungszeit gesamt ca. 20 Min." in overview
    assert "Übung 20 Min." in overview
    lesson = client.get("/courses/mini/lessons/b-one").get_data(as_text=True)
    assert "Lesezeit ca. 5 Minuten" in lesson and "Übungszeit ca. 20 Minuten" in lesson
    assert 'href="/tasks/mini/probe"' in lesson


def test_tasks_views_task_page_shows_instructions_rubric_and_template(client, login_as):
    """The task page shows instructions, rubric and a template that downloads as an attachment."""
    login_as("learner_a")
    start(client)
    body = client.get(TASK_URL).get_data(as_text=True)
    assert "<strong>Ihr Ziel</strong>" in body and "Messbarkeit" in body and "Vorlage herunterladen" in body
    response = client.get(f"{TASK_URL}/template")
    assert response.status_code == 200 and response.data.startswith(b"# Vorlage")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert client.get("/tasks/mini/ghost").status_code == 404


def test_tasks_views_submit_text_and_pdf_then_download_headers(client, login_as, db):
    """A hand-in with a PDF is stored in the database; the download is an uncached, nosniff attachment."""
    login_as("learner_a")
    start(client)
    response = hand_in(client, file=(PDF, "../../etc/Mein Ziel.pdf"))
    assert response.status_code == 302
    submission = _only_submission(db)
    assert submission.status == "submitted" and submission.answers["ziel"].startswith("Mehr Bewerbungen")
    assert submission.file.name == "Mein_Ziel.pdf" and submission.file.mime == "application/pdf"
    download = client.get(f"/tasks/files/{submission.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download.headers["Cache-Control"]
    body = client.get(TASK_URL).get_data(as_text=True)
    assert "wird geprüft" in body and 'action="/tasks/mini/probe/submit"' not in body


def test_tasks_views_upload_too_large_is_refused(client, login_as, db):
    """A file over the task's limit (1 MB) is refused with a clear 400; nothing is stored."""
    login_as("learner_a")
    start(client)
    response = hand_in(client, file=(PDF + b"0" * (1024 * 1024), "gross.pdf"))
    assert response.status_code == 400 and "zu groß" in response.get_data(as_text=True)
    assert _only_submission(db) is None


def test_tasks_views_bad_type_by_content_is_refused(client, login_as, db):
    """The type is judged by content: an executable named .pdf and a PDF named .docx are both refused."""
    login_as("learner_a")
    start(client)
    response = hand_in(client, file=(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "bericht.pdf"))
    assert response.status_code == 400 and "Dateityp ist nicht erlaubt" in response.get_data(as_text=True)
    response = hand_in(client, file=(PDF, "bericht.docx"))
    assert response.status_code == 400 and "passt nicht zu ihrer Endung" in response.get_data(as_text=True)
    assert _only_submission(db) is None and db.scalars(select(TaskFile)).all() == []


def test_tasks_views_required_field_missing_is_refused(client, login_as, db):
    """An empty required field gives 400 with the reason, the typed answers stay in the form."""
    login_as("learner_a")
    start(client)
    response = client.post(f"{TASK_URL}/submit", data={"field-ziel": " ", "field-notiz": "meine Notiz"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "Pflichtfelder" in body and "meine Notiz" in body
    assert _only_submission(db) is None


def test_tasks_views_revision_cycle_keeps_history(app, client, login_as, db, world):
    """Revision requested → the learner sees the feedback and hands in again → accepted; both hand-ins stay."""
    login_as("learner_a")
    start(client)
    hand_in(client, ziel="Irgendwas mit Social Media.")
    first = _only_submission(db)
    trainer = app.test_client()
    from conftest import login

    login(trainer, world["trainer_a"].email)
    assert submission_ids(trainer.get("/tasks/review").get_data(as_text=True)) == [first.id]
    assert review(trainer, first.id, "revision_requested", feedback="",
                  levels=(("klarheit", "unklar"), ("messbar", "nein"))).status_code == 400
    assert review(trainer, first.id, "revision_requested", feedback="Bitte messbar formulieren.",
                  levels=(("klarheit", "unklar"), ("messbar", "nein"))).status_code == 302
    body = client.get(TASK_URL).get_data(as_text=True)
    assert "Bitte messbar formulieren." in body and "Überarbeitung erbeten" in body
    assert "Überarbeitete Fassung abgeben" in body
    hand_in(client, ziel="20 % mehr Bewerbungen bis 30.06.")
    second = _only_submission(db)
    assert second.number == 2 and second.id != first.id
    assert review(trainer, second.id, "accepted").status_code == 302
    assert review(trainer, second.id, "accepted").status_code == 400  # decided once
    db.rollback()
    assert [s.status for s in db.scalars(select(TaskSubmission).order_by(TaskSubmission.number))] == \
        ["revision_requested", "accepted"]
    assert "Gut gemacht." in client.get(TASK_URL).get_data(as_text=True)
    assert hand_in(client).status_code == 400  # accepted: no further hand-in


def test_tasks_views_draft_review_marks_in_review(client, login_as, db, app, world):
    """Saving the rubric as a draft sets "in review" and keeps the chosen levels for later."""
    from conftest import login

    login_as("learner_a")
    start(client)
    hand_in(client)
    submission = _only_submission(db)
    trainer = app.test_client()
    login(trainer, world["trainer_a"].email)
    assert review(trainer, submission.id, "draft", levels=(("klarheit", "klar"),)).status_code == 302
    assert _only_submission(db).status == "in_review"
    page = trainer.get(f"/tasks/review/{submission.id}").get_data(as_text=True)
    assert 'value="klar" checked' in page
    listing = trainer.get("/tasks/review?status=in_review").get_data(as_text=True)
    assert submission_ids(listing) == [submission.id]
    assert submission_ids(trainer.get("/tasks/review?status=accepted").get_data(as_text=True)) == []


def test_tasks_views_other_organisation_gets_404(client, login_as, db, app, world):
    """Staff and learners of another organisation, and other learners, cannot see a hand-in or its file."""
    from conftest import login

    login_as("learner_a")
    start(client)
    hand_in(client, file=(PDF, "ziel.pdf"))
    submission = _only_submission(db)
    for email in (world["trainer_b"].email, world["admin_b"].email, world["learner_a2"].email):
        other = app.test_client()
        login(other, email)
        assert other.get(f"/tasks/files/{submission.id}").status_code == 404
        if "learner" not in email:
            assert other.get(f"/tasks/review/{submission.id}").status_code == 404
            assert review(other, submission.id, "accepted").status_code == 404
            assert submission_ids(other.get("/tasks/review?status=").get_data(as_text=True)) == []
    assert _only_submission(db).status == "submitted"
    learner = app.test_client()
    login(learner, world["learner_a2"].email)
    assert learner.get("/tasks/review").status_code == 403


def test_tasks_views_trainer_dashboard_shows_status_counts(client, login_as, db, app, world):
    """The trainer dashboard lists the course's hand-ins per status with links to the filtered task list."""
    from conftest import login

    login_as("learner_a")
    start(client)
    hand_in(client)
    trainer = app.test_client()
    login(trainer, world["trainer_a"].email)
    body = trainer.get("/reports/?course=mini").get_data(as_text=True)
    assert "Praxisaufgaben" in body and 'href="/tasks/review?status=submitted"' in body


def test_tasks_views_staff_cannot_review_own_hand_in(client, login_as, db):
    """A trainer who learns too may hand in, but not accept their own hand-in."""
    login_as("trainer_a")
    start(client)
    hand_in(client)
    submission = _only_submission(db)
    response = review(client, submission.id, "accepted")
    assert response.status_code == 400 and "eigene Abgabe" in response.get_data(as_text=True)
    assert _only_submission(db).status == "submitted"
