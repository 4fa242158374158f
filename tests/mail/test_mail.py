"""E-mail through a real SMTP server: invitation and reset links, languages, dev mode, admin pages."""
from __future__ import annotations

import re

from sqlalchemy import select

from conftest import login
from lms.mail.models import AccountToken, Mail
from lms.mail.worker import MailWorker

LINK = re.compile(r"http://lms\.test(/password/set\?token=[A-Za-z0-9_\-]+)")


def deliver(app) -> int:
    """One pass of a mail worker."""
    return MailWorker(app).run_pass()


def parts(message) -> tuple[str, str]:
    """The text and HTML bodies of a multipart/alternative message."""
    return (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content())


def test_mail_invitation_link_sets_password_once(mail_app, mail_db, mail_world, smtp_server, mail_clock):
    """The admin invites; the mail arrives in German with both parts; its link sets the password exactly once."""
    recorder, _ = smtp_server
    admin = mail_app.test_client()
    login(admin, "admin@alpha.example")
    response = admin.post("/admin/users", data={"name": "Nora Neu", "email": "nora@alpha.example", "role": "learner",
                                                "locale": "de", "handover": "invite"})
    assert response.status_code == 200 and "Vorläufiges Passwort" not in response.get_data(as_text=True)
    assert deliver(mail_app) == 1
    message = recorder.messages[0]
    assert message["To"] == "nora@alpha.example" and "Alpha GmbH" in message["Subject"]
    assert message["List-Unsubscribe"] is None  # account mails cannot be switched off
    text, html = parts(message)
    assert "Hallo Nora Neu" in text and "Passwort festlegen" in html
    path = LINK.search(text).group(1)
    assert path in html.replace("&amp;", "&")
    token = path.split("token=")[1]
    assert mail_db.scalar(select(AccountToken.token_hash)) != token  # only the hash is stored
    mail_db.rollback()
    assert "action_url" not in mail_db.scalar(select(Mail)).context  # the secret link is not kept once sent
    guest = mail_app.test_client()
    assert guest.get(path).status_code == 200
    assert guest.post(path, data={"new": "brand-new-secret", "repeat": "brand-new-secret"}).status_code == 302
    assert login(guest, "nora@alpha.example", "brand-new-secret").status_code == 302
    assert mail_app.test_client().get(path).status_code == 400  # single use


def test_mail_invitation_link_expires(mail_app, mail_db, mail_world, smtp_server, mail_clock):
    """An invitation link older than its lifetime no longer works."""
    recorder, _ = smtp_server
    admin = mail_app.test_client()
    login(admin, "admin@alpha.example")
    admin.post("/admin/users", data={"name": "Otto", "email": "otto@alpha.example", "role": "learner",
                                     "locale": "de", "handover": "invite"})
    deliver(mail_app)
    path = LINK.search(parts(recorder.messages[0])[0]).group(1)
    mail_clock.advance(hours=73)
    assert mail_app.test_client().get(path).status_code == 400


def test_mail_forgot_password_no_enumeration_and_voided_by_password_change(mail_app, mail_db, mail_world,
                                                                           smtp_server, mail_clock):
    """Known and unknown addresses get the same answer; only the known one gets a mail; a password change voids it."""
    recorder, _ = smtp_server
    client = mail_app.test_client()
    unknown = client.post("/password/forgot", data={"email": "nobody@alpha.example"}).get_data(as_text=True)
    known = client.post("/password/forgot", data={"email": "learner@alpha.example"}).get_data(as_text=True)
    strip = lambda page: re.sub(r'name="csrf_token"[^>]*', "", page)  # noqa: E731
    assert strip(unknown) == strip(known)
    assert deliver(mail_app) == 1 and recorder.messages[0]["To"] == "learner@alpha.example"
    path = LINK.search(parts(recorder.messages[0])[0]).group(1)
    learner = mail_app.test_client()
    login(learner, "learner@alpha.example")
    learner.post("/account", data={"action": "password", "pw-current": "password-123", "pw-new": "another-pass-1",
                                   "pw-repeat": "another-pass-1"})
    assert mail_app.test_client().get(path).status_code == 400  # any password change voids the link


def test_mail_reset_link_works_and_ends_other_sessions(mail_app, mail_db, mail_world, smtp_server, mail_clock):
    """Following the reset link sets a new password; the old password and old sessions stop working."""
    recorder, _ = smtp_server
    old_session = mail_app.test_client()
    login(old_session, "learner@alpha.example")
    mail_app.test_client().post("/password/forgot", data={"email": "learner@alpha.example"})
    deliver(mail_app)
    path = LINK.search(parts(recorder.messages[0])[0]).group(1)
    client = mail_app.test_client()
    assert client.post(path, data={"new": "reset-secret-99", "repeat": "reset-secret-99"}).status_code == 302
    assert old_session.get("/courses/").status_code == 302  # sent to the login page
    assert login(mail_app.test_client(), "learner@alpha.example").status_code == 200  # old password refused
    assert login(mail_app.test_client(), "learner@alpha.example", "reset-secret-99").status_code == 302


def test_mail_language_follows_recipient(mail_app, mail_db, mail_world, smtp_server, mail_clock):
    """An English-speaking user gets the reset mail in English, a German one in German."""
    recorder, _ = smtp_server
    from lms.auth.models import User

    mail_db.get(User, mail_world["learner_a2"].id).locale = "en"
    mail_db.commit()
    client = mail_app.test_client()
    client.post("/password/forgot", data={"email": "learner2@alpha.example"})
    client.post("/password/forgot", data={"email": "learner@alpha.example"})
    deliver(mail_app)
    by_to = {m["To"]: m for m in recorder.messages}
    english, german = by_to["learner2@alpha.example"], by_to["learner@alpha.example"]
    assert english["Subject"].startswith("Reset password") and english["Content-Language"] == "en"
    assert "Hello" in parts(english)[0] and "Hallo" in parts(german)[0]
    assert german["Subject"].startswith("Passwort zurücksetzen")


def test_mail_dev_mode_keeps_mails_for_admins(app, db, world, client):
    """Without an SMTP host, mails are kept (not sent) and the admin page shows their text."""
    from lms.mail.models import SENT

    client.post("/password/forgot", data={"email": "learner@alpha.example"})
    assert deliver(app) == 1
    mail = db.scalar(select(Mail))
    assert mail.status == SENT and mail.transport == "kept"
    login(client, "admin@alpha.example")
    page = client.get(f"/admin/mail?show={mail.id}").get_data(as_text=True)
    assert "Entwicklungsmodus" in page and "/password/set?token=" in page
    other = app.test_client()
    login(other, "admin@beta.example")
    assert other.get(f"/admin/mail?show={mail.id}").status_code == 404


def test_mail_set_password_rejects_short_password(mail_app, mail_db, mail_world, smtp_server, mail_clock):
    """A too-short password is a 400 and leaves the link usable."""
    recorder, _ = smtp_server
    mail_app.test_client().post("/password/forgot", data={"email": "learner@alpha.example"})
    deliver(mail_app)
    path = LINK.search(parts(recorder.messages[0])[0]).group(1)
    client = mail_app.test_client()
    assert client.post(path, data={"new": "short", "repeat": "short"}).status_code == 400
    assert client.get(path).status_code == 200
    mail_clock.advance(minutes=61)
    assert client.get(path).status_code == 400


def test_mail_forgot_password_is_rate_limited_per_address(app, db, world, client):
    """More than MAIL_FORGOT_LIMIT requests from one address queue no more mails; the answer stays the same."""
    pages = {client.post("/password/forgot", data={"email": "learner@alpha.example"}).status_code for _ in range(7)}
    assert pages == {200}
    db.rollback()
    assert len(db.scalars(select(Mail)).all()) == app.config["MAIL_FORGOT_LIMIT"]


def test_mail_broken_template_is_a_dead_letter_not_a_stuck_queue(app, db, world):
    """A mail whose template cannot be rendered becomes a dead letter; the mails after it are still kept."""
    from lms.mail import outbox

    with app.app_context():
        outbox.queue(db, world["learner_a"], "digest", "no_such_template", {})
        outbox.queue(db, world["learner_a"], "password_reset", "password_reset",
                     {"name": "Lea", "org_name": "Alpha GmbH", "minutes": 60, "action_url": "http://lms.test/x"})
        db.commit()
    assert deliver(app) == 1
    db.rollback()
    states = {m.template: (m.status, m.last_error[:7]) for m in db.scalars(select(Mail))}
    assert states == {"no_such_template": ("dead", "render:"), "password_reset": ("sent", "")}


def test_mail_admin_sends_reset_link_own_org_only(app, db, world, login_as):
    """The admin's 'send reset link' queues a reset mail for a user of their organisation; others are 404."""
    client = login_as("admin_a")
    assert client.post(f"/admin/users/{world['learner_a'].id}/send-reset").status_code == 302
    assert client.post(f"/admin/users/{world['learner_b'].id}/send-reset").status_code == 404
    db.rollback()
    assert [(m.kind, m.to_addr) for m in db.scalars(select(Mail))] == [("password_reset", "learner@alpha.example")]
