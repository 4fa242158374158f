"""SMTP faults: server down, slow, 4xx, 5xx → retries with backoff, then dead letters; nothing lost or doubled;
two workers at once and a worker killed mid-batch still deliver each mail once."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from conftest import login
from lms.mail import outbox, smtp
from lms.mail.models import DEAD, PENDING, SENT, Mail
from lms.mail.worker import MailWorker
from mail.conftest import free_port


def _queue(app, db, user, count: int) -> None:
    with app.app_context():
        for n in range(count):
            outbox.queue(db, user, "password_reset", "password_reset",
                         {"name": user.name, "org_name": "Alpha GmbH", "minutes": 60, "action_url": f"http://x/{n}"})
        db.commit()


def _states(db) -> dict:
    db.rollback()
    return {m.id: (m.status, m.attempts) for m in db.scalars(select(Mail))}


def test_mail_faults_server_down_retries_then_dead_letter(mail_app, mail_db, mail_world, mail_clock, smtp_server):
    """Nobody listening: each pass counts an attempt and backs off; after the last attempt the mail is dead."""
    mail_app.config["MAIL_SMTP_PORT"] = free_port()
    _queue(mail_app, mail_db, mail_world["learner_a"], 2)
    worker = MailWorker(mail_app)
    assert worker.run_pass() == 0
    assert set(_states(mail_db).values()) == {(PENDING, 1)}
    assert worker.run_pass() == 0  # backing off: nothing is due yet
    assert set(_states(mail_db).values()) == {(PENDING, 1)}
    for attempts in (2, 3):
        mail_clock.advance(hours=1)
        worker.run_pass()
    assert set(_states(mail_db).values()) == {(DEAD, 3)}
    assert "ConnectionRefusedError" in mail_db.scalar(select(Mail.last_error))


def test_mail_faults_dead_letters_visible_and_retried_by_admin(mail_app, mail_db, mail_world, mail_clock,
                                                                smtp_server):
    """The admin sees dead letters with their error and can send them again; then each arrives once."""
    recorder, _ = smtp_server
    recorder.data_reply = "550 5.1.1 mailbox unavailable"
    _queue(mail_app, mail_db, mail_world["learner_a"], 2)
    MailWorker(mail_app).run_pass()
    assert set(_states(mail_db).values()) == {(DEAD, 1)}  # 5xx is final at once
    admin = mail_app.test_client()
    login(admin, "admin@alpha.example")
    page = admin.get("/admin/mail?status=dead").get_data(as_text=True)
    assert "550 5.1.1 mailbox unavailable" in page
    recorder.data_reply = None
    assert admin.post("/admin/mail/dead", data={"action": "retry"}).status_code == 302
    assert MailWorker(mail_app).run_pass() == 2
    assert len(recorder.messages) == 2 and len(set(recorder.message_ids())) == 2


def test_mail_faults_4xx_is_retried_later(mail_app, mail_db, mail_world, mail_clock, smtp_server):
    """A temporary refusal (451) keeps the mail pending; once the server accepts, it is delivered once."""
    recorder, _ = smtp_server
    recorder.data_reply = "451 4.3.0 try again later"
    _queue(mail_app, mail_db, mail_world["learner_a"], 1)
    MailWorker(mail_app).run_pass()
    assert list(_states(mail_db).values()) == [(PENDING, 1)]
    recorder.data_reply = None
    mail_clock.advance(minutes=2)
    assert MailWorker(mail_app).run_pass() == 1
    assert list(_states(mail_db).values()) == [(SENT, 1)] and len(recorder.messages) == 1


def test_mail_faults_slow_server_times_out(mail_app, mail_db, mail_world, mail_clock, smtp_server):
    """A server slower than the timeout: the worker gives up after the timeout and retries later."""
    recorder, _ = smtp_server
    mail_app.config["MAIL_SMTP_TIMEOUT"] = 0.3
    recorder.ehlo_delay = 1.0
    _queue(mail_app, mail_db, mail_world["learner_a"], 1)
    MailWorker(mail_app).run_pass()
    state = list(_states(mail_db).values())
    assert state == [(PENDING, 1)] and "timed out" in mail_db.scalar(select(Mail.last_error)).lower()
    recorder.ehlo_delay = 0.0
    mail_clock.advance(minutes=2)
    assert MailWorker(mail_app).run_pass() == 1 and len(recorder.messages) == 1


def test_mail_faults_two_workers_send_each_mail_once(mail_app, mail_db, mail_world, mail_clock, smtp_server):
    """Two workers running at the same time share the outbox: every mail arrives exactly once."""
    recorder, _ = smtp_server
    mail_app.config["MAIL_BATCH_SIZE"] = 5
    _queue(mail_app, mail_db, mail_world["learner_a"], 40)
    workers = [MailWorker(mail_app), MailWorker(mail_app)]
    threads = [threading.Thread(target=w.run_pass) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    ids = recorder.message_ids()
    assert len(ids) == 40 and len(set(ids)) == 40
    assert set(_states(mail_db).values()) == {(SENT, 0)}


class Killed(BaseException):
    """Stands for the process being killed (not an Exception, so nothing catches it)."""


def test_mail_faults_killed_worker_mid_batch_each_mail_once(mail_app, mail_db, mail_world, mail_clock, smtp_server,
                                                            monkeypatch):
    """A worker dies after 3 of 10 mails; the others wait for its lease, then another worker sends each once."""
    recorder, _ = smtp_server
    _queue(mail_app, mail_db, mail_world["learner_a"], 10)
    real_send, sent = smtp.Connection.send, []

    def dying_send(self, message):
        if len(sent) == 3:
            raise Killed()
        sent.append(message["Message-ID"])
        return real_send(self, message)

    monkeypatch.setattr(smtp.Connection, "send", dying_send)
    with pytest.raises(Killed):
        MailWorker(mail_app).run_pass()
    monkeypatch.setattr(smtp.Connection, "send", real_send)
    assert len(recorder.messages) == 3
    assert MailWorker(mail_app).run_pass() == 0  # the dead worker's lease still holds the rest
    mail_clock.advance(seconds=mail_app.config["MAIL_LEASE_SECONDS"] + 1)
    assert MailWorker(mail_app).run_pass() == 7
    ids = recorder.message_ids()
    assert len(ids) == 10 and len(set(ids)) == 10
