"""The links in real mails, followed in Chromium: an admin's invitation and a self-service password reset.

Mails go through a real SMTP server on 127.0.0.1 (aiosmtpd); the test runs one delivery pass of the mail worker
instead of waiting for the in-app loop."""
from __future__ import annotations

import re
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from tests.browser.helpers import sign_in

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/password/set\?token=[\w\-.~%]+)")
NEW_PASSWORD = "Kaffeemaschine-Regenbogen-42"


class Inbox:
    """aiosmtpd handler keeping every message."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def mail_server():
    """An SMTP server on a free loopback port; yields (inbox, port)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def mailing_server(live_server_factory, mail_server):
    """The live app sending through the test SMTP server, its links pointing at itself."""
    _, port = mail_server
    live = live_server_factory(MAIL_SMTP_HOST="127.0.0.1", MAIL_SMTP_PORT=port, MAIL_SMTP_SECURITY="none",
                               MAIL_SENDER="LMS <lms@lms.test>")
    live.app.config["BASE_IRI"] = live.url
    return live


def _deliver_and_find_link(live, inbox, recipient: str) -> str:
    from lms.mail.worker import MailWorker

    assert MailWorker(live.app).run_pass() >= 1
    message = next(m for m in reversed(inbox.messages) if m["To"] == recipient)
    text = message.get_body(preferencelist=("plain",)).get_content()
    return LINK.search(text).group(1)


def _set_password(page, link: str) -> None:
    page.goto(link)
    fields = page.locator("main input[type=password]")
    assert fields.count() == 2, page.inner_text("main")[:300]
    fields.nth(0).fill(NEW_PASSWORD)
    fields.nth(1).fill(NEW_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def test_browser_mail_invitation_link_sets_the_password(mailing_server, mail_server, new_page):
    """Admin invites a new colleague in the users form; the colleague opens the mailed link and chooses a password."""
    live, (inbox, _) = mailing_server, mail_server
    admin = new_page(live)
    sign_in(admin, live.world["admin_a"].email)
    admin.goto("/admin/users")
    admin.fill("input[name=name]", "Nora Neu")
    admin.fill("input[name=email]", "nora@alpha.example")
    admin.select_option("select[name=handover]", "invite")
    admin.click("form:has(input[name=email]) button[type=submit]")
    assert "nora@alpha.example" in admin.inner_text("main")
    link = _deliver_and_find_link(live, inbox, "nora@alpha.example")
    newcomer = new_page(live)
    _set_password(newcomer, link)
    sign_in(newcomer, "nora@alpha.example", NEW_PASSWORD)
    newcomer.goto(link)  # single use
    assert newcomer.locator("main input[type=password]").count() == 0


def test_browser_mail_forgot_password_link_resets_it(mailing_server, mail_server, new_page):
    """From the sign-in page: forgot password → mail → link → new password → sign in with it."""
    live, (inbox, _) = mailing_server, mail_server
    page = new_page(live)
    page.goto("/login")
    page.click("text=Passwort vergessen?")
    page.fill("input[name=email]", live.world["learner_a"].email)
    page.click("main button[type=submit]")
    link = _deliver_and_find_link(live, inbox, live.world["learner_a"].email)
    _set_password(page, link)
    sign_in(page, live.world["learner_a"].email, NEW_PASSWORD)
