"""Password sign-in that computes the password hash outside any database transaction.

scrypt takes about 70 ms of CPU. A login is a POST, so its transaction would take SQLite's write lock up front
(BEGIN IMMEDIATE, lms/db.py) and every other writer would queue behind the hash. Instead the throttle state and
the account's hash are read in a read transaction that ends before the hash is computed. A matching password is
then checked against the sign-in hooks (another read phase), and the sign-in is recorded in one short write
transaction of its own, committed at once: a single UPDATE that sets last_login_at only if the account's password
hash and status are still the ones checked and no throttle key was locked in the meantime, and one that clears
the account's failure counters. Writers wait for a sign-in for about a third of a millisecond instead of the
~3 ms the request's own transaction held the lock (its ORM reads, the hooks, the session set-up and the commit
at the end of the request).
"""
from __future__ import annotations

from dataclasses import dataclass

from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from .. import extension
from ..db import read_phase, session_scope, utcnow
from . import hashing, throttle
from .hashing import PASSWORD_METHOD
from .models import LoginThrottle, User

# A valid hash to compare against when the account does not exist, so timing does not reveal it.
DUMMY_HASH = generate_password_hash("not-a-password", method=PASSWORD_METHOD)


@dataclass(frozen=True)
class Verdict:
    """What the read phase found: locked out, or the account whose password matched (None: wrong)."""

    locked: bool = False
    user_id: int | None = None
    password_hash: str = ""


def check_password(db: Session, email: str, password: str, throttle_keys: list[str]) -> Verdict:
    """Read phase: throttle state and the account's hash, then the hash check with no transaction open."""
    with read_phase(db):
        if throttle.is_locked(db, throttle_keys):
            return Verdict(locked=True)
        row = db.execute(select(User.id, User.password_hash, User.active)
                         .where(User.email == email.strip().lower())).first()
    # Same work whether or not the account exists, so the timing does not tell.
    # On a low-priority hash thread (lms/auth/hashing.py), so page requests get the CPU first.
    matches = hashing.check(row.password_hash if row else DUMMY_HASH, password)
    if row is None or not matches or not row.active:
        return Verdict()
    return Verdict(user_id=row.id, password_hash=row.password_hash)


def account_and_refusal(db: Session, verdict: Verdict) -> tuple[User | None, str | None]:
    """Read phase after a matching password: the account, detached from the session, and a sign-in hook's refusal.

    Detached, so that what start_session() sets on it (last_login_at) is not written again by the request's own
    transaction: record_sign_in() has written it already. None when the account is gone.
    """
    with read_phase(db):
        user = db.get(User, verdict.user_id)
        if user is None:
            return None, None
        refusals = (check(db, user) for check in extension.hooks("password_login_checks"))
        refusal = next((text for text in refusals if text), None)
        db.expunge(user)
    return user, refusal


def record_sign_in(verdict: Verdict, throttle_keys: list[str], cleared_keys: list[str], moment: datetime) -> bool:
    """Write phase, one short transaction committed at once: whether the sign-in was recorded (last_login_at).

    Not recorded (False) when the account's password hash or status changed since the check or a throttle key was
    locked in the meantime (concurrent failures); the caller tells which with locked_meanwhile().
    """
    locked = exists().where(LoginThrottle.key.in_(throttle_keys), LoginThrottle.locked_until > utcnow())
    with session_scope(write=True) as db:
        recorded = db.execute(
            update(User).where(User.id == verdict.user_id, User.password_hash == verdict.password_hash,
                               User.active.is_(True), ~locked)
            .values(last_login_at=moment).execution_options(synchronize_session=False)).rowcount == 1
        if recorded:
            throttle.clear_failures(db, cleared_keys)
    return recorded


def locked_meanwhile(db: Session, throttle_keys: list[str]) -> bool:
    """Whether a throttle key was locked while the hash was computed (concurrent failures)."""
    with read_phase(db):
        return throttle.is_locked(db, throttle_keys)
