"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the mail tests, with switchable faults; a frozen clock."""
from __future__ import annotations

import asyncio
import socket
from datetime import datetime, timezone
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from conftest import make_app
from lms import clock as clockmod


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Recorder:
    """aiosmtpd handler: keeps every message; can answer DATA with a fixed error or stall the greeting."""

    def __init__(self):
        self.messages = []
        self.raw: list[bytes] = []  # the bytes as they arrived
        self.data_reply: str | None = None  # e.g. "451 4.3.0 try later" or "550 5.1.1 no such user"
        self.ehlo_delay = 0.0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        if self.ehlo_delay:
            await asyncio.sleep(self.ehlo_delay)  # the server is slow; the client's timeout must end the wait
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        self.raw.append(envelope.content)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def message_ids(self) -> list[str]:
        """Message-IDs of everything that arrived, in order."""
        return [m["Message-ID"] for m in self.messages]


@pytest.fixture
def smtp_server():
    """An SMTP server on a free loopback port; yields (recorder, port)."""
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    yield recorder, port
    controller.stop()


@pytest.fixture
def mail_app(database_url, tmp_path, smtp_server):
    """The app configured to send through the test SMTP server (no TLS on loopback)."""
    _, port = smtp_server
    app = make_app(database_url, tmp_path, MAIL_SMTP_HOST="127.0.0.1", MAIL_SMTP_PORT=port,
                   MAIL_SMTP_SECURITY="none", MAIL_SMTP_TIMEOUT=2.0, MAIL_SENDER="LMS <lms@lms.test>",
                   MAIL_MAX_ATTEMPTS=3, MAIL_BACKOFF_BASE=30.0, MAIL_BACKOFF_CAP=600.0)
    yield app
    app.extensions["lms_db"][0].dispose()


@pytest.fixture
def mail_clock(mail_app):
    """A frozen clock in the mail app."""
    frozen = clockmod.FrozenClock(datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc))
    clockmod.install(mail_app, frozen)
    return frozen


@pytest.fixture
def mail_db(mail_app):
    """A session on the mail app's database."""
    session = mail_app.extensions["lms_db"][1]()
    yield session
    session.close()


@pytest.fixture
def mail_world(mail_app, mail_db):
    """The two organisations of tests/factories.py in the mail app."""
    from factories import build_world

    return build_world(mail_db)
