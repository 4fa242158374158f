"""Password sign-in that computes the password hash outside any database transaction.

scrypt takes about 70 ms of CPU. A login is a POST, so its transaction would take SQLite's write lock up front
(BEGIN IMMEDIATE, lms/db.py) and every other writer would queue behind the hash. Instead the throttle state and
the account's hash are read in a read transaction that ends before the hash is computed; the request's write
transaction then re-reads the account and signs in only if its password hash and status are still the ones
checked, and only if no throttle key was locked in the meantime.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from ..db import read_phase
from . import hashing, throttle
from .hashing import PASSWORD_METHOD
from .models import User

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


def confirmed_user(db: Session, verdict: Verdict) -> User | None:
    """Write phase: the account of a matching password if nothing changed since the check, else None."""
    if verdict.user_id is None:
        return None
    user = db.get(User, verdict.user_id)
    if user is None or not user.active or user.password_hash != verdict.password_hash:
        return None
    return user


def locked_meanwhile(db: Session, throttle_keys: list[str]) -> bool:
    """Write phase: whether a throttle key was locked while the hash was computed (concurrent failures)."""
    return throttle.is_locked(db, throttle_keys)
