"""Account operations: create users, check passwords, throttle failed sign-ins."""
from __future__ import annotations

import re
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import utcnow
from .models import ROLES, Department, LoginThrottle, Organisation, User

# Same work factor as werkzeug's default scrypt (N=2**15, r=8, p=1), stated so it cannot silently drop.
PASSWORD_METHOD = "scrypt:32768:8:1"
# A valid hash to compare against when the account does not exist, so timing does not reveal it.
_DUMMY_HASH = generate_password_hash("not-a-password", method=PASSWORD_METHOD)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """A user-facing problem with account data."""


def hash_password(password: str) -> str:
    """Hash a password with scrypt."""
    return generate_password_hash(password, method=PASSWORD_METHOD)


def generate_password() -> str:
    """A random temporary password that is easy to type."""
    return secrets.token_urlsafe(12)


def create_organisation(db: Session, name: str, slug: str) -> Organisation:
    """Create an organisation."""
    org = Organisation(name=name, slug=slug)
    db.add(org)
    db.flush()
    return org


def create_user(db: Session, org: Organisation, *, email: str, name: str, password: str, role: str = "learner",
                department: str = "", locale: str = "de") -> User:
    """Create a user in an organisation; e-mail addresses are unique and case-insensitive."""
    email = email.strip().lower()
    if not EMAIL_RE.match(email):
        raise AccountError("Bitte eine gültige E-Mail-Adresse angeben.")
    if role not in ROLES:
        raise AccountError("Unbekannte Rolle.")
    if len(password) < 10:
        raise AccountError("Das Passwort muss mindestens 10 Zeichen lang sein.")
    if db.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError("Diese E-Mail-Adresse ist bereits vergeben.")
    user = User(organisation=org, email=email, name=name.strip(), password_hash=hash_password(password), role=role,
                department=department_named(db, org, department), locale=locale)
    db.add(user)
    db.flush()
    return user


def department_named(db: Session, org: Organisation, name: str) -> Department | None:
    """The organisation's department of that name, created if missing (None for a blank name)."""
    name = " ".join(name.split())[:100]
    if not name:
        return None
    department = db.scalar(select(Department).where(Department.org_id == org.id, Department.name == name))
    if department is None:
        department = Department(org_id=org.id, name=name)
        db.add(department)
        db.flush()
    return department


def set_password(user: User, password: str, *, temporary: bool = False) -> None:
    """Set a new password and end the user's other sessions."""
    if len(password) < 10:
        raise AccountError("Das Passwort muss mindestens 10 Zeichen lang sein.")
    user.password_hash = hash_password(password)
    user.must_change_password = temporary
    user.rotate_session_token()


def deactivate_user(user: User) -> None:
    """Deactivate a user and end their sessions."""
    user.active = False
    user.rotate_session_token()


def authenticate(db: Session, email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None (constant-ish time either way)."""
    user = db.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def is_locked(db: Session, keys: list[str]) -> bool:
    """Whether any of the keys is locked out right now."""
    now = utcnow()
    rows = db.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))).all()
    return any(row.locked_until is not None and row.locked_until > now for row in rows)


def record_failure(db: Session, keys: list[str], *, max_failures: int, window: int, lock: int) -> None:
    """Count a failed sign-in for each key atomically in the database; lock keys that hit the limit."""
    now = utcnow()
    window_start = now - timedelta(seconds=window)
    for key in keys:
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


def clear_failures(db: Session, key: str) -> None:
    """Forget failed sign-ins for a key after a successful sign-in."""
    db.execute(update(LoginThrottle).where(LoginThrottle.key == key).values(failures=0, locked_until=None))
