"""The organisation's published guideline: versions, acknowledgements, CSV proof, organisation scoping."""
from __future__ import annotations

import csv
import io

from sqlalchemy import select

from lms.guidelines.models import GuidelineAcknowledgement, GuidelineVersion

BODY = "## Grundsatz\n\nWir bleiben **freundlich**.\n\n<script>alert(1)</script>\n"


def _publish(client, title="Social-Media-Richtlinie", body=BODY):
    return client.post("/guidelines/admin/publish", data={"title": title, "body": body})


def _switch(client, login_as, key):
    client.post("/logout")
    return login_as(key)


def test_published_publish_and_show_rendered_without_html(client, login_as, db):
    """An admin publishes version 1; learners see it rendered from Markdown with raw HTML shown as text."""
    login_as("admin_a")
    response = _publish(client)
    assert response.status_code == 302
    version = db.scalar(select(GuidelineVersion))
    assert version.number == 1 and version.published_at is not None
    _switch(client, login_as, "learner_a")
    body = client.get("/guidelines/").get_data(as_text=True)
    assert "<strong>freundlich</strong>" in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "Version 1" in body and "Gelesen und verstanden" in body


def test_published_acknowledge_then_new_version_needs_new_acknowledgement(client, login_as, db, world, recorded):
    """Acknowledging is recorded once; a new version asks again and the old acknowledgement stays."""
    login_as("admin_a")
    _publish(client)
    _switch(client, login_as, "learner_a")
    assert client.post("/guidelines/versions/1/acknowledge").status_code == 302
    client.post("/guidelines/versions/1/acknowledge")  # twice: still one
    body = client.get("/guidelines/").get_data(as_text=True)
    assert "Sie haben diese Version am" in body and "Gelesen und verstanden" not in body
    assert len(recorded["guideline_acknowledged"]) == 1
    assert recorded["guideline_acknowledged"][0]["guideline_version"].number == 1
    _switch(client, login_as, "admin_a")
    _publish(client, body=BODY + "\nNeu: Regeln für KI-Bilder.\n")
    _switch(client, login_as, "learner_a")
    body = client.get("/guidelines/").get_data(as_text=True)
    assert "Version 2" in body and "Sie hatten Version 1 bestätigt" in body and "Gelesen und verstanden" in body
    stale = client.post("/guidelines/versions/1/acknowledge")
    assert stale.status_code == 302
    client.post("/guidelines/versions/2/acknowledge")
    rows = db.scalars(select(GuidelineAcknowledgement).order_by(GuidelineAcknowledgement.id)).all()
    assert [(r.user_id, r.version.number) for r in rows] == [(world["learner_a"].id, 1), (world["learner_a"].id, 2)]
    assert len(recorded["guideline_acknowledged"]) == 2


def test_published_csv_export_is_proof(client, login_as, world):
    """The admin's CSV has a BOM, semicolons and name, e-mail, version and time per acknowledgement."""
    login_as("admin_a")
    _publish(client)
    _switch(client, login_as, "learner_a")
    client.post("/guidelines/versions/1/acknowledge")
    _switch(client, login_as, "admin_a")
    _publish(client, body="Version zwei")
    response = client.get("/guidelines/admin/acknowledgements.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    raw = response.data
    assert raw.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Name", "E-Mail", "Version", "Bestätigt am (UTC)"]
    assert rows[1][:3] == ["Lea Lernend", "learner@alpha.example", "1"] and len(rows) == 2
    only_two = client.get("/guidelines/admin/acknowledgements.csv?version=2").data.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(only_two), delimiter=";"))) == 1
    page = client.get("/guidelines/admin/versions/1/acknowledgements").get_data(as_text=True)
    assert "Lea Lernend" in page and "Lars Lernend" in page  # acknowledged / still open


def test_published_csv_neutralises_formulas(client, login_as, db, world):
    """Names that look like spreadsheet formulas are exported as text."""
    world["learner_a"].name = "=HYPERLINK(1)"
    db.commit()
    login_as("admin_a")
    _publish(client)
    _switch(client, login_as, "learner_a")
    client.post("/guidelines/versions/1/acknowledge")
    _switch(client, login_as, "admin_a")
    text = client.get("/guidelines/admin/acknowledgements.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text


def test_published_only_admins_publish_and_export(client, login_as, db):
    """Learners and trainers cannot publish, change settings or export."""
    login_as("trainer_a")
    assert _publish(client).status_code == 403
    assert client.get("/guidelines/admin").status_code == 403
    assert client.get("/guidelines/admin/acknowledgements.csv").status_code == 403
    assert client.post("/guidelines/admin/settings", data={"trainers_see_drafts": "1"}).status_code == 403
    assert db.scalar(select(GuidelineVersion)) is None


def test_published_invalid_publish_is_400(client, login_as, db):
    """A version without a body is not published."""
    login_as("admin_a")
    response = _publish(client, body="")
    assert response.status_code == 400
    assert db.scalar(select(GuidelineVersion)) is None


def test_published_cross_org_is_404(client, login_as, db):
    """Another organisation's versions, acknowledgements and exports are not reachable."""
    login_as("admin_a")
    _publish(client)
    _switch(client, login_as, "learner_b")
    assert "hat noch keine Richtlinie veröffentlicht" in client.get("/guidelines/").get_data(as_text=True)
    assert client.get("/guidelines/versions/1").status_code == 404
    assert client.post("/guidelines/versions/1/acknowledge").status_code == 404
    _switch(client, login_as, "admin_b")
    assert client.get("/guidelines/admin/versions/1/acknowledgements").status_code == 404
    assert client.get("/guidelines/admin/acknowledgements.csv?version=1").status_code == 404
    _publish(client, title="Beta-Regeln", body="Beta")
    assert db.scalars(select(GuidelineVersion.number).order_by(GuidelineVersion.id)).all() == [1, 1]
    assert db.scalar(select(GuidelineAcknowledgement)) is None


def test_published_csrf_missing_is_400(client, login_as, db):
    """Publishing and acknowledging without a CSRF token are rejected."""
    login_as("admin_a")
    assert client.post("/guidelines/admin/publish", data={"title": "T", "body": "B"}, csrf=False).status_code == 400
    _publish(client)
    assert client.post("/guidelines/versions/1/acknowledge", csrf=False).status_code == 400
    assert db.scalar(select(GuidelineAcknowledgement)) is None


def test_published_nav_link_for_everyone(client, login_as):
    """The header shows the guideline link to learners and the path overview link to trainers."""
    login_as("learner_a")
    body = client.get("/courses/").get_data(as_text=True)
    assert 'href="/guidelines/"' in body and 'href="/guidelines/team/"' not in body
    _switch(client, login_as, "trainer_a")
    assert 'href="/guidelines/team/"' in client.get("/courses/").get_data(as_text=True)
