"""Delivering queued cmi5 statements to the launching LMSs' LRSs, in order per AU session, with backoff."""
from __future__ import annotations

import logging

import httpx
from flask import Flask
from sqlalchemy import delete, select

from .. import db as dbmod
from ..db import utcnow
from ..outbox import claim_due
from .models import DEAD, PENDING, Cmi5Outgoing, Cmi5Session
from .runtime import retry_delay, send

log = logging.getLogger(__name__)
LEASE_SECONDS = 120
MAX_ATTEMPTS = 20


def _claim(db, worker: str, limit: int) -> list[int]:
    # A session whose statements another relay holds is left alone, so one relay sends a session's statements
    # in order (terminated must come last).
    busy = select(Cmi5Outgoing.session_id).where(Cmi5Outgoing.status == PENDING, Cmi5Outgoing.claimed_by.is_not(None),
                                                 Cmi5Outgoing.next_attempt_at > utcnow())
    return claim_due(db, Cmi5Outgoing, worker=worker, limit=limit, lease=LEASE_SECONDS, now=utcnow(),
                     where=(Cmi5Outgoing.session_id.not_in(busy),))


def run_pass(app: Flask, worker: str = "cmi5-relay", limit: int = 200) -> int:
    """Send every due statement; a session whose statement fails waits with the rest of its statements."""
    sent, blocked = 0, {}
    with app.app_context():
        with dbmod.session_scope(write=True) as db:
            ids = _claim(db, worker, limit)
        for item_id in ids:
            with dbmod.session_scope(write=False) as db:
                item = db.get(Cmi5Outgoing, item_id)
                session = db.get(Cmi5Session, item.session_id) if item else None
            if item is None or item.claimed_by != worker:
                continue
            if item.session_id in blocked:
                _release(item_id, worker, None, not_before=blocked[item.session_id])
                continue
            try:
                send(session, item.body)
            except httpx.HTTPError as exc:
                log.warning("cmi5 statement %s not delivered: %s", item.statement_id, exc)
                blocked[item.session_id] = _release(item_id, worker, str(exc) or exc.__class__.__name__)
                continue
            with dbmod.session_scope(write=True) as db:
                db.execute(delete(Cmi5Outgoing).where(Cmi5Outgoing.id == item_id))
            sent += 1
    return sent


def _release(item_id: int, worker: str, error: str | None, not_before=None):
    """Give a claimed item back: retried later after a failure; when only held back behind an earlier statement
    of its session, due no earlier than that one (order per session is kept). Returns the next attempt time."""
    with dbmod.session_scope(write=True) as db:
        item = db.get(Cmi5Outgoing, item_id)
        if item is None or item.claimed_by != worker:
            return not_before or utcnow()
        item.claimed_by = None
        if error is None:
            item.next_attempt_at = not_before or utcnow()
            return item.next_attempt_at
        item.attempts += 1
        item.last_error = error[:2000]
        if item.attempts >= MAX_ATTEMPTS:
            item.status = DEAD
        item.next_attempt_at = utcnow() + retry_delay(item.attempts)
        return item.next_attempt_at
