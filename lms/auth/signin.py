"""Password sign-in that computes the password hash outside any database transaction.

scrypt takes about 70 ms of CPU. A login is a POST, so its transaction would take SQLite's write lock up front
(BEGIN IMMEDIATE, lms/db.py) and every other writer would queue behind the hash. Instead the throttle state and
the account are read in a read transaction that ends before the hash is computed. A matching password is then
checked against the sign-in hooks (another read phase), and the sign-in is recorded in one short write transaction
of its own, committed at once: a single UPDATE that sets last_login_at only if the account's password hash and
status are still the ones checked and no throttle key was locked in the meantime, and one that clears the
account's failure counters. Writers wait for a sign-in for about a third of a millisecond instead of the ~3 ms the
request's own transaction held the lock (its ORM reads, the hooks, the session set-up and the commit at the end of
the request).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from .. import extension
from ..db import get_engine, read_phase, utcnow, write_intent
from . import hashing, throttle
from .hashing import PASSWORD_METHOD
from .models import LoginThrottle, User

# A valid hash to compare against when the account does not exist, so timing does not reveal it.
DUMMY_HASH = generate_password_hash("not-a-password", method=PASSWORD_METHOD)


@dataclass(frozen=True)
class Verdict:
    """What the read phases found: locked out, or the account whose password matched (None: wrong), detached from
    the session, with a sign-in hook's refusal if there is one."""

    locked: bool = False
    user: User | None = None
    refusal: str | None = None


def check_password(db: Session, email: str, password: str, throttle_keys: list[str]) -> Verdict:
    """Read phase (throttle state, the account), the hash check with no transaction open, then on a match the
    sign-in hooks (a second read phase).

    The account is detached, so that what start_session() sets on it (last_login_at) is not written again by the
    request's own transaction: record_sign_in() writes it.
    """
    with read_phase(db):
        if throttle.is_locked(db, throttle_keys):
            return Verdict(locked=True)
        user = db.scalars(_account_by_email(), {"email": email.strip().lower()}).first()
        if user is not None:
            db.expunge(user)
    # Same work before the hash whether or not the account exists, so the timing does not tell.
    # In a low-priority helper process (lms/auth/hashing.py), so page requests get the CPU first.
    matches = hashing.check(user.password_hash if user is not None else DUMMY_HASH, password)
    if user is None or not matches or not user.active:
        return Verdict()
    return Verdict(user=user, refusal=_refusal(db, user))


@cache
def _account_by_email():
    return select(User).where(User.email == bindparam("email"))


def _refusal(db: Session, user: User) -> str | None:
    """A sign-in hook's refusal of the account, asked in a read phase with the account attached for the hooks."""
    with read_phase(db):
        attached = db.merge(user, load=False)
        refusals = (check(db, attached) for check in extension.hooks("password_login_checks"))
        refusal = next((text for text in refusals if text), None)
        db.expunge(attached)
    return refusal


def record_sign_in(verdict: Verdict, throttle_keys: list[str], cleared_keys: list[str], moment: datetime) -> bool:
    """Write phase, one short transaction committed at once: whether the sign-in was recorded (last_login_at).

    Not recorded (False) when the account's password hash or status changed since the check or a throttle key was
    locked in the meantime (concurrent failures); the caller tells which with locked_meanwhile().
    """
    token = write_intent.set(True)  # BEGIN IMMEDIATE on SQLite (lms/db.py)
    try:
        # A Core connection, not an ORM session: nothing here needs the unit of work.
        with get_engine().begin() as connection:
            recorded = connection.execute(_record_statement(), {
                "user_id": verdict.user.id, "checked_hash": verdict.user.password_hash, "keys": throttle_keys,
                "now": utcnow(), "moment": moment}).rowcount == 1
            if recorded:
                throttle.clear_failures(connection, cleared_keys)
    finally:
        write_intent.reset(token)
    return recorded


@cache
def _record_statement():
    locked = exists().where(LoginThrottle.key.in_(bindparam("keys", expanding=True)),
                            LoginThrottle.locked_until > bindparam("now"))
    return (update(User).where(User.id == bindparam("user_id"), User.password_hash == bindparam("checked_hash"),
                               User.active.is_(True), ~locked)
            .values(last_login_at=bindparam("moment")))


def locked_meanwhile(db: Session, throttle_keys: list[str]) -> bool:
    """Whether a throttle key was locked while the hash was computed (concurrent failures)."""
    with read_phase(db):
        return throttle.is_locked(db, throttle_keys)
