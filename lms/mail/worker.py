"""The mail worker: claim due mails with a lease, render and send each outside any transaction, record each at once.

Several workers (threads, processes, cron runs) share the outbox through the claim pattern of lms/outbox.py, so
no two send the same row. Each outcome is committed right after its message, so a worker killed mid-batch has
recorded every mail it sent; the rest of its batch becomes due again when the lease ends. The only window left is
between the server's 250 reply and that commit; the resent message then carries the same Message-ID.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import select, update

from .. import clock, outbox
from .. import db as dbmod
from . import render, smtp
from .models import DEAD, PENDING, SENT, Mail

log = logging.getLogger(__name__)


def _settings(app: Flask) -> smtp.Settings:
    return smtp.Settings.from_config(app.config)


class MailWorker:
    """Delivers the outbox for one app; safe to run in several threads and processes at once."""

    def __init__(self, app: Flask, worker: str | None = None):
        self.app = app
        self.worker = worker or outbox.worker_id()
        self.stop_event = threading.Event()

    @property
    def lease(self) -> float:
        """Seconds a claim lasts: long enough for several slow messages, renewed before it could run out."""
        cfg = self.app.config
        return max(float(cfg["MAIL_LEASE_SECONDS"]), 3 * _settings(self.app).timeout)

    def run_pass(self, max_batches: int | None = None) -> int:
        """Deliver batches until nothing is due (or max_batches); returns mails delivered or kept."""
        delivered, batches = 0, 0
        with self.app.app_context():
            while not self.stop_event.is_set():
                sent, claimed = self.process_batch()
                delivered += sent
                batches += 1
                if not claimed or (max_batches is not None and batches >= max_batches):
                    break
        return delivered

    def claim(self) -> list[Mail]:
        """Lease the next batch of due mails to this worker (a cheap read first: no write lock when idle)."""
        with dbmod.session_scope(write=False) as db:
            due = db.scalar(select(Mail.id).where(Mail.status == PENDING, Mail.next_attempt_at <= clock.now())
                            .limit(1))
        if due is None:
            return []
        with dbmod.session_scope(write=True) as db:
            ids = outbox.claim_due(db, Mail, worker=self.worker, limit=int(current_app.config["MAIL_BATCH_SIZE"]),
                                   lease=self.lease, now=clock.now())
            return list(db.scalars(select(Mail).where(Mail.id.in_(ids)).order_by(Mail.id))) if ids else []

    def process_batch(self) -> tuple[int, int]:
        """Claim, send and record one batch; returns (delivered, claimed)."""
        mails = self.claim()
        if not mails:
            return 0, 0
        settings = _settings(self.app)
        if not settings.host:
            return self._keep(mails), len(mails)
        lease_ends = time.monotonic() + self.lease
        try:
            connection = smtp.Connection(settings).__enter__()
        except smtp.ConnectionFailed as exc:
            for mail in mails:
                self._record(mail, smtp.RETRY, str(exc))
            return 0, len(mails)
        delivered = 0
        try:
            for mail in mails:
                if lease_ends - time.monotonic() < 2 * settings.timeout:
                    if not self._renew(mail):
                        continue  # the lease ran out and another worker holds the mail now
                    lease_ends = time.monotonic() + self.lease
                outcome, reason = self._send(connection, mail)
                delivered += outcome == smtp.DELIVERED
                self._record(mail, outcome, reason)
        finally:
            connection.close()
        return delivered, len(mails)

    def _renew(self, mail: Mail) -> bool:
        with dbmod.session_scope(write=True) as db:
            return mail.id in outbox.renew_claim(db, Mail, worker=self.worker, ids=[mail.id], lease=self.lease,
                                                 now=clock.now())

    def _send(self, connection: smtp.Connection, mail: Mail) -> tuple[str, str]:
        try:
            rendered = render.render(mail)
            message = render.build_message(mail, rendered)
        except Exception as exc:  # noqa: BLE001 - a broken template must not stop the batch
            log.exception("mail %s could not be rendered", mail.id)
            return smtp.DEAD, f"render: {type(exc).__name__}: {exc}"
        mail.subject, mail.message_id = rendered.subject, message["Message-ID"]
        return connection.send(message)

    def _keep(self, mails: list[Mail]) -> int:
        """Development mode (no SMTP host): render and keep each mail for the admins' 'sent mail' page."""
        kept = 0
        with dbmod.session_scope(write=True) as db:
            for mail in mails:
                try:
                    values = {"status": SENT, "sent_at": clock.now(), "subject": render.render(mail).subject,
                              "message_id": render.message_id(mail), "transport": "kept"}
                    kept += 1
                except Exception as exc:  # noqa: BLE001 - a broken template must not stop the others
                    log.exception("mail %s could not be rendered", mail.id)
                    values = {"status": DEAD, "attempts": mail.attempts + 1, "last_error": f"render: {exc}"[:2000]}
                db.execute(update(Mail).where(Mail.id == mail.id, Mail.claimed_by == self.worker)
                           .values(claimed_by=None, claimed_until=None, **values))
        return kept

    def _record(self, mail: Mail, outcome: str, reason: str) -> None:
        """Commit one mail's outcome: sent, retry later with backoff, or dead letter after the last attempt."""
        now = clock.now()
        cfg = self.app.config
        with dbmod.session_scope(write=True) as db:
            if outcome == smtp.DELIVERED:
                # Delivered is delivered, even if the lease ran out meanwhile. The link with a secret token
                # is not kept once the mail is out.
                context = {k: v for k, v in mail.context.items() if k != "action_url"}
                db.execute(update(Mail).where(Mail.id == mail.id).values(
                    status=SENT, sent_at=now, subject=mail.subject, message_id=mail.message_id, transport="smtp",
                    context=context, claimed_by=None, claimed_until=None, last_error=""))
                return
            attempts = mail.attempts + 1
            final = outcome == smtp.DEAD or attempts >= int(cfg["MAIL_MAX_ATTEMPTS"])
            delay = outbox.backoff_delay(attempts, float(cfg["MAIL_BACKOFF_BASE"]), float(cfg["MAIL_BACKOFF_CAP"]))
            db.execute(update(Mail).where(Mail.id == mail.id, Mail.claimed_by == self.worker,
                                          Mail.status == PENDING).values(
                status=DEAD if final else PENDING, attempts=attempts, last_error=reason[:2000],
                next_attempt_at=now if final else now + timedelta(seconds=delay), claimed_by=None,
                claimed_until=None))

    def stop(self) -> None:
        """Ask the loop to finish after the current mail."""
        self.stop_event.set()
