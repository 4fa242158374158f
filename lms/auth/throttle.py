"""Login throttling with counters in the database (shared by every server process).

Failures count on three keys: the account, the account from this address, and the address. The pair locks
first (LOGIN_MAX_FAILURES), the account after many more tries from anywhere (LOGIN_MAX_FAILURES_ACCOUNT), the
address only after far more (LOGIN_MAX_FAILURES_ADDRESS): people behind one proxy or NAT share an address, so
somebody mistyping their own password must not lock out their colleagues.
"""
from __future__ import annotations

from datetime import timedelta
from functools import cache

from flask import current_app, request
from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import utcnow
from .models import LoginThrottle


def keys_and_limits(email: str) -> dict[str, int]:
    """The throttle keys of a sign-in attempt with the failure limit of each."""
    cfg = current_app.config
    account = email.strip().lower()[:254]
    address = request.remote_addr or "-"
    return {f"account:{account}": cfg["LOGIN_MAX_FAILURES_ACCOUNT"],
            f"account-address:{account}|{address}": cfg["LOGIN_MAX_FAILURES"],
            f"address:{address}": cfg["LOGIN_MAX_FAILURES_ADDRESS"]}


def is_locked(db: Session, keys: list[str]) -> bool:
    """Whether any of the keys is locked out right now."""
    now = utcnow()
    return any(until is not None and until > now for until in db.scalars(_locks_of(), {"keys": keys}))


def record_failure(db: Session, limits: dict[str, int], *, window: int, lock: int) -> None:
    """Count a failed sign-in for each key atomically in the database; lock keys that hit their limit."""
    now = utcnow()
    window_start = now - timedelta(seconds=window)
    for key, max_failures in limits.items():
        # Reset counters whose window has passed, then increment in one UPDATE so concurrent workers add up.
        db.execute(update(LoginThrottle).where(LoginThrottle.key == key, LoginThrottle.window_start < window_start)
                   .values(failures=0, window_start=now, locked_until=None))
        result = db.execute(update(LoginThrottle).where(LoginThrottle.key == key)
                            .values(failures=LoginThrottle.failures + 1))
        if result.rowcount == 0:
            try:
                with db.begin_nested():
                    db.add(LoginThrottle(key=key, failures=1, window_start=now))
            except IntegrityError:
                db.execute(update(LoginThrottle).where(LoginThrottle.key == key)
                           .values(failures=LoginThrottle.failures + 1))
        db.execute(update(LoginThrottle).where(LoginThrottle.key == key, LoginThrottle.failures >= max_failures)
                   .values(locked_until=now + timedelta(seconds=lock)))


def clear_failures(db: Session | Connection, keys: list[str]) -> None:
    """Forget failed sign-ins for these keys after a successful sign-in."""
    db.execute(_clear_statement(), {"keys": keys})


@cache
def _locks_of():
    return select(LoginThrottle.locked_until).where(LoginThrottle.key.in_(bindparam("keys", expanding=True)))


@cache
def _clear_statement():
    return (update(LoginThrottle).where(LoginThrottle.key.in_(bindparam("keys", expanding=True)))
            .values(failures=0, locked_until=None))
