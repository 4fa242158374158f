"""Account operations: create users, check and change passwords, roles, deactivation."""
from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import utcnow
from . import hashing, passwords
from .hashing import PASSWORD_METHOD  # noqa: F401 - re-exported: the pinned work factor
from .models import ROLES, Department, LoginThrottle, Organisation, User

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# One answer for every address that cannot be used, whether it belongs to this organisation or to another one,
# so an administrator cannot probe which addresses exist elsewhere on the platform.
EMAIL_UNAVAILABLE = "Diese E-Mail-Adresse kann nicht verwendet werden."


class AccountError(ValueError):
    """A user-facing problem with account data."""


def hash_password(password: str) -> str:
    """Hash a password with scrypt (on a low-priority hash thread, lms/auth/hashing.py)."""
    return hashing.new_hash(password)


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
                department: str = "", locale: str = "de", temporary: bool = False) -> User:
    """Create a user in an organisation; e-mail addresses are unique and case-insensitive.

    ``temporary``: the password was made up for the user (admin-created), who must replace it before anything else.
    """
    email = email.strip().lower()
    if not EMAIL_RE.match(email):
        raise AccountError("Bitte eine gültige E-Mail-Adresse angeben.")
    if role not in ROLES:
        raise AccountError("Unbekannte Rolle.")
    if len(password) < passwords.MIN_LENGTH:
        raise AccountError("Das Passwort muss mindestens 10 Zeichen lang sein.")
    if db.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError(EMAIL_UNAVAILABLE)
    user = User(organisation=org, email=email, name=name.strip(), password_hash=hash_password(password), role=role,
                department=department_named(db, org, department), locale=locale,
                must_change_password=temporary)
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


def check_new_password(user_email: str, user_name: str, password: str, current_hash: str | None = None) -> None:
    """Apply the password policy (lms/auth/passwords.py); raise AccountError with the reason."""
    try:
        passwords.check(password, email=user_email, name=user_name, current_hash=current_hash)
    except passwords.PasswordRejected as exc:
        raise AccountError(str(exc)) from exc


def set_password(user: User, password: str, *, temporary: bool = False) -> None:
    """Set a new password and end the user's sessions (the caller restarts its own where that is wanted)."""
    if len(password) < passwords.MIN_LENGTH:
        raise AccountError("Das Passwort muss mindestens 10 Zeichen lang sein.")
    user.password_hash = hash_password(password)
    user.must_change_password = temporary
    user.rotate_session_token()


def change_own_password(db: Session, user: User, current: str, new: str) -> None:
    """A user replaces their password: the current one must match, the new one must pass the policy."""
    if not hashing.check(user.password_hash, current):
        raise AccountError("Das aktuelle Passwort stimmt nicht.")
    check_new_password(user.email, user.name, new, current_hash=user.password_hash)
    set_password(user, new)


def change_role(user: User, role: str) -> str:
    """Give a user another role; returns the old one."""
    if role not in ROLES:
        raise AccountError("Unbekannte Rolle.")
    old, user.role = user.role, role
    return old


def deactivate_user(user: User) -> None:
    """Deactivate a user and end their sessions."""
    user.active = False
    user.rotate_session_token()
