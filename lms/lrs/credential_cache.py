"""Verified LRS credentials remembered per process, so a statement write skips the credential read before it.

The first request of a credential is checked in full (lrs_auth._authenticate). Later statement writes (PUT and POST
on the Statement Resource) with the same key and secret use the remembered row and confirm it with one primary-key
query inside their own write transaction, before they store anything: a credential deactivated, rotated, moved or
narrowed in scope since is refused (or re-scoped) at its next request, on every app node. A response that never
reached the confirmation (an error before the store) confirms in its before-commit hook (db.before_commit), so no
response leaves with an unconfirmed credential.
"""
from __future__ import annotations

import threading
from datetime import timedelta
from functools import lru_cache

from flask import g
from sqlalchemy.orm import Session

from ..db import before_commit, get_session, read_phase, utcnow
from .models import LRSCredential
from .store_sql import driver_rows

# Statement writes, the requests that confirm their credential inside the write transaction.
DEFERRED_ENDPOINT = "lms.xapi.statements"
DEFERRED_METHODS = ("PUT", "POST")
MAX_REMEMBERED = 1000
_remembered: dict[str, object] = {}
_lock = threading.Lock()
_CONFIRM = ("SELECT org_id, name, scope, secret_hash, active, last_used_at IS NULL OR last_used_at < ? "
            "FROM xapi_credentials WHERE id = ?")


class CredentialRefused(Exception):
    """The remembered credential no longer holds (status 401 or 403, and the message)."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


def lookup(key: str):
    """The remembered credential row of a key, or None."""
    return _remembered.get(key)


def remember(key: str, credential) -> None:
    """Remember a credential row that was just checked in full."""
    with _lock:
        if len(_remembered) >= MAX_REMEMBERED:
            _remembered.clear()
        _remembered[key] = credential


def forget(key: str) -> None:
    """Drop a key's remembered row (its next request is checked in full)."""
    with _lock:
        _remembered.pop(key, None)


def defer_confirmation(key: str, credential) -> None:
    """Mark this request's credential as unconfirmed; the before-commit hook confirms it if the view did not."""
    g.lrs_unconfirmed = (key, credential)
    before_commit(_confirm_before_response)


@lru_cache(maxsize=4)
def _cutoff_processor(dialect):
    return LRSCredential.__table__.c.last_used_at.type.dialect_impl(dialect).bind_processor(dialect)


def confirm_client(db: Session, record_use: bool = True) -> None:
    """Confirm the request's remembered credential in the session's transaction (a statement write: its write
    transaction, begun here); refreshes g.lrs_client and records the use. CredentialRefused if it no longer holds."""
    pending = g.pop("lrs_unconfirmed", None)
    if pending is None:
        return
    from .lrs_auth import LRSClient, touch_credential

    key, remembered = pending
    dialect = db.get_bind().dialect
    cutoff = utcnow() - timedelta(minutes=1)  # at most one write a minute records the use, as lrs_auth._stale
    processor = _cutoff_processor(dialect)
    rows = driver_rows(db, _CONFIRM, (processor(cutoff) if processor else cutoff, remembered.id))
    row = rows[0] if rows else None
    if row is None or not row[4] or row[3] != remembered.secret_hash:
        forget(key)
        raise CredentialRefused(401, "Unknown or inactive credential.")
    org_id, name, scope = row[0], row[1], row[2]
    if (org_id, name, scope) != (remembered.org_id, remembered.name, remembered.scope):
        forget(key)
        if scope == "read":
            raise CredentialRefused(403, f"This credential's scope '{scope}' does not allow this request.")
        g.lrs_client = LRSClient(remembered.id, org_id, name, scope)
    if record_use and row[5]:
        touch_credential(db, remembered.id)


def _confirm_before_response(response):
    """No response leaves with an unconfirmed credential: confirm now (error responses: in a read of their own)."""
    if "lrs_unconfirmed" not in g or response.status_code >= 500:
        return response  # a server error stores and reveals nothing; its database may be what failed
    from .lrs_auth import xapi_error

    session = get_session()
    try:
        if response.status_code >= 400:
            session.rollback()  # an error response stores nothing; its transaction may have failed
            with read_phase(session):
                confirm_client(session, record_use=False)
        else:
            confirm_client(session)
    except CredentialRefused as exc:
        session.rollback()
        return xapi_error(exc.status, str(exc), {"WWW-Authenticate": 'Basic realm="xAPI"'} if exc.status == 401
                          else None)
    return response
