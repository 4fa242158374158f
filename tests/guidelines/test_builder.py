"""Guideline builder: steps, save without JavaScript, autosave, Markdown and PDF downloads, trainer visibility."""
from __future__ import annotations

import subprocess

from sqlalchemy import select

from lms.courses.models import Enrolment
from lms.guidelines.models import GuidelineDraft
from lms.guidelines.steps import load_steps

EVIL = '<script>alert("x")</script> & **fett**'


def _draft(db):
    db.rollback()  # see what the requests committed
    return db.scalar(select(GuidelineDraft))


def _fill(client):
    client.post("/guidelines/mini/builder", data={"step": "ziele", "action": "save",
                                                  "ziele-unternehmen": "Müller Haustechnik GmbH",
                                                  "ziele-ziele": "Fachkräfte gewinnen.\n" + EVIL})
    client.post("/guidelines/mini/builder", data={"step": "ansprechpartner", "action": "save",
                                                  "ansprechpartner-kontakt": "Sara Demir, Tel. 123"})


def test_builder_steps_cover_every_part_of_a_guideline():
    """The eleven steps run from goals to rollout, each with explanation, example and English labels."""
    steps = load_steps()
    assert [s.id for s in steps] == ["ziele", "geltungsbereich", "sprecher", "transparenz", "vertraulichkeit",
                                     "recht", "arbeitszeit", "ansprechpartner", "krise", "betriebsrat",
                                     "einfuehrung"]
    for step in steps:
        assert step.explanation["de"] and step.example["de"] and step.title.get("en")
        assert all(field.label.get("en") for field in step.fields)
    assert "DDG" in steps[5].explanation["de"] and "§87" in steps[9].explanation["de"]


def test_builder_page_shows_step_with_autosave_hooks(started, client):
    """A step page shows its explanation, example, fields, CSRF token, autosave URL and the script."""
    body = client.get("/guidelines/mini/builder?step=recht").get_data(as_text=True)
    assert "Impressum" in body and "callout-example" in body
    assert 'name="recht-werbung"' in body and 'name="csrf_token"' in body
    assert 'data-autosave="/guidelines/mini/builder/autosave"' in body
    assert "js/guidelines.js" in body and "css/guidelines.css" in body
    assert "<script>" not in body.split("</head>")[1]  # no inline script in the page body
    assert client.get("/guidelines/mini/builder?step=nope").status_code == 404


def test_builder_save_without_js_and_navigation(started, client, db):
    """The normal form saves the step; 'next' goes on, the last step leads to the preview."""
    response = client.post("/guidelines/mini/builder", data={"step": "ziele", "action": "next",
                                                              "ziele-ziele": "Bekannter werden"})
    assert response.headers["Location"].endswith("/guidelines/mini/builder?step=geltungsbereich")
    assert _draft(db).answers == {"ziele": {"ziele": "Bekannter werden"}}
    page = client.get("/guidelines/mini/builder?step=ziele").get_data(as_text=True)
    assert "Bekannter werden</textarea>" in page
    last = client.post("/guidelines/mini/builder", data={"step": "einfuehrung", "action": "next",
                                                          "einfuehrung-einfuehrung": "Workshop"})
    assert last.headers["Location"].endswith("/guidelines/mini/builder/result")
    back = client.post("/guidelines/mini/builder", data={"step": "krise", "action": "prev"})
    assert back.headers["Location"].endswith("step=ansprechpartner")


def test_builder_autosave_returns_json_and_keeps_other_steps(started, client, db):
    """Autosave stores the posted step only and answers with JSON."""
    client.post("/guidelines/mini/builder", data={"step": "ziele", "ziele-ziele": "A"})
    response = client.post("/guidelines/mini/builder/autosave",
                           data={"step": "krise", "krise-eskalation": "Chefin anrufen"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.get_json()["saved"] is True
    assert _draft(db).answers == {"ziele": {"ziele": "A"}, "krise": {"eskalation": "Chefin anrufen"}}


def test_builder_autosave_rejects_too_long_and_unknown_step(started, client, db):
    """Too long text and unknown steps give 400 and store nothing."""
    too_long = client.post("/guidelines/mini/builder/autosave", data={"step": "ziele", "ziele-ziele": "x" * 5001})
    assert too_long.status_code == 400 and too_long.get_json()["field"] == "ziele"
    assert client.post("/guidelines/mini/builder/autosave", data={"step": "x"}).status_code == 400
    form = client.post("/guidelines/mini/builder", data={"step": "ziele", "ziele-ziele": "x" * 5001})
    assert form.status_code == 400 and "zu lang" in form.get_data(as_text=True)
    assert _draft(db) is None


def test_builder_csrf_missing_is_400(started, client, db):
    """Autosave, save and download without a CSRF token are rejected."""
    assert client.post("/guidelines/mini/builder/autosave", data={"step": "ziele", "ziele-ziele": "A"},
                       csrf=False).status_code == 400
    assert client.post("/guidelines/mini/builder", data={"step": "ziele", "ziele-ziele": "A"},
                       csrf=False).status_code == 400
    assert client.post("/guidelines/mini/builder/download", data={"format": "md"}, csrf=False).status_code == 400
    assert _draft(db) is None


def test_builder_needs_enrolment(client, login_as, db):
    """Without an enrolment the builder is not available, and GET writes nothing."""
    login_as("learner_a")
    assert client.get("/guidelines/mini/builder").status_code == 404
    assert client.post("/guidelines/mini/builder/autosave", data={"step": "ziele"}).status_code == 404
    assert db.scalar(select(GuidelineDraft)) is None and db.scalar(select(Enrolment)) is None


def test_builder_markdown_download_contains_answers(started, client, db, recorded):
    """The Markdown download holds the title, every heading and the learner's text as written."""
    _fill(client)
    response = client.post("/guidelines/mini/builder/download", data={"format": "md"})
    assert response.status_code == 200 and response.mimetype == "text/markdown"
    disposition = response.headers["Content-Disposition"]
    assert disposition == 'attachment; filename="social-media-richtlinie-mueller-haustechnik-gmbh.md"'
    text = response.get_data(as_text=True)
    assert text.startswith("# Social-Media-Richtlinie – Müller Haustechnik GmbH")
    assert "## 6. Recht: Impressum, Urheber- und Bildrechte, Werbekennzeichnung" in text
    assert EVIL in text and "Sara Demir, Tel. 123" in text and "_(noch offen)_" in text
    assert _draft(db).produced_at is not None
    assert len(recorded["guideline_produced"]) == 1


def test_builder_pdf_download_contains_answers_literally(started, client, tmp_path, recorded):
    """The PDF's text contains the answers, umlauts and '<script>' literally."""
    _fill(client)
    response = client.post("/guidelines/mini/builder/download", data={"format": "pdf"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = tmp_path / "draft.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Müller Haustechnik GmbH" in text and "Fachkräfte gewinnen." in text
    assert '<script>alert("x")</script>' in text and "**fett**" in text
    assert "Sara Demir, Tel. 123" in text
    client.post("/guidelines/mini/builder/download", data={"format": "md"})
    assert len(recorded["guideline_produced"]) == 1  # only the first download counts


def test_builder_docx_download_is_an_editable_word_document(started, client, recorded):
    """The DOCX download has the title, a heading per step and the answers as written (markup stays text)."""
    import io

    from docx import Document

    _fill(client)
    response = client.post("/guidelines/mini/builder/download", data={"format": "docx"})
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert response.headers["Content-Disposition"].endswith('.docx"')
    document = Document(io.BytesIO(response.data))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0] == "Social-Media-Richtlinie – Müller Haustechnik GmbH"
    assert "6. Recht: Impressum, Urheber- und Bildrechte, Werbekennzeichnung" in headings
    text = "\n".join(p.text for p in document.paragraphs)
    assert '<script>alert("x")</script>' in text and "**fett**" in text and "Sara Demir, Tel. 123" in text
    assert "(noch offen)" in text
    assert len(recorded["guideline_produced"]) == 1


def test_builder_download_of_empty_draft_is_refused(started, client, recorded):
    """An empty draft cannot be downloaded; nothing is recorded."""
    response = client.post("/guidelines/mini/builder/download", data={"format": "pdf"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/guidelines/mini/builder")
    assert client.post("/guidelines/mini/builder/download", data={"format": "exe"}).status_code == 400
    assert "guideline_produced" not in recorded


def test_builder_result_page_escapes_user_text(started, client):
    """The preview shows the learner's text escaped."""
    _fill(client)
    body = client.get("/guidelines/mini/builder/result").get_data(as_text=True)
    assert "&lt;script&gt;alert(" in body and '<script>alert("x")' not in body


def test_builder_trainer_sees_produced_not_content_unless_allowed(started, client, login_as, db):
    """Trainers see that a draft was produced; its content only after the admin allows it."""
    _fill(client)
    client.post("/guidelines/mini/builder/download", data={"format": "md"})
    enrolment_id = _draft(db).enrolment_id
    client.post("/logout")
    login_as("trainer_a")
    team = client.get("/guidelines/team/").get_data(as_text=True)
    assert "erstellt am" in team
    detail = client.get(f"/guidelines/team/enrolments/{enrolment_id}").get_data(as_text=True)
    assert "Erstellt (erster Download)" in detail and "Sara Demir" not in detail
    client.post("/logout")
    login_as("admin_a")
    assert client.post("/guidelines/admin/settings", data={"trainers_see_drafts": "1"}).status_code == 302
    client.post("/logout")
    login_as("trainer_a")
    detail = client.get(f"/guidelines/team/enrolments/{enrolment_id}").get_data(as_text=True)
    assert "Sara Demir, Tel. 123" in detail and "&lt;script&gt;" in detail
    client.post("/logout")
    login_as("admin_b")
    client.post("/guidelines/admin/settings", data={"trainers_see_drafts": "1"})
    assert client.get(f"/guidelines/team/enrolments/{enrolment_id}").status_code == 404


def test_builder_links_on_course_overview(started, client):
    """The course overview links to the builder (the mini course has no guidelines module)."""
    body = client.get("/courses/mini/").get_data(as_text=True)
    assert "/guidelines/mini/builder" in body and "Richtlinien-Baukasten" in body
