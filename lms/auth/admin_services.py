"""User and organisation administration by an admin: each change writes its audit row."""
from __future__ import annotations

from sqlalchemy.orm import Session

from .. import signals
from ..audit.services import record
from . import services
from .models import Organisation, User

ORG_SETTINGS = ("actor_mode", "pseudonymous_reports", "inactivity_days", "session_idle_minutes", "self_enrolment")


def add_user(db: Session, actor: User, *, email: str, name: str, role: str, department: str, locale: str,
             handover: str) -> tuple[User, str]:
    """Create a user of the actor's organisation with a temporary password; ``handover="invite"`` also queues the
    invitation. Returns the user and the password (shown once). AccountError on a taken address."""
    password = services.generate_password()
    user = services.create_user(db, actor.organisation, email=email, name=name, password=password, role=role,
                                department=department, locale=locale, temporary=True)
    record(db, actor, "user.create", target_type="user", target_id=user.id, target_label=user.email,
           details={"role": user.role, "handover": handover})
    if handover == "invite":  # the mail package queues the invitation with a set-password link
        signals.user_invited.send(db, user=user, actor=actor)
    return user, password


def reset_password(db: Session, actor: User, user: User) -> str:
    """Give a user a new temporary password and end their sessions; returns the password (shown once)."""
    password = services.generate_password()
    services.set_password(user, password, temporary=True)
    record(db, actor, "user.password_reset", target_type="user", target_id=user.id, target_label=user.email)
    return password


def change_role(db: Session, actor: User, user: User, role: str) -> None:
    """Give another user another role (AccountError for an unknown one)."""
    old = services.change_role(user, role)
    if old != user.role:
        record(db, actor, "user.role_change", target_type="user", target_id=user.id, target_label=user.email,
               details={"from": old, "to": user.role})


def deactivate(db: Session, actor: User, user: User) -> None:
    """Deactivate another user; their sessions end at once."""
    services.deactivate_user(user)
    record(db, actor, "user.deactivate", target_type="user", target_id=user.id, target_label=user.email)


def activate(db: Session, actor: User, user: User) -> None:
    """Reactivate a user (nothing happens to an active one)."""
    if not user.active:
        user.active = True
        record(db, actor, "user.activate", target_type="user", target_id=user.id, target_label=user.email)


def update_user(db: Session, actor: User, user: User, *, name: str, department: str, role: str,
                roles: tuple[str, ...]) -> None:
    """Change a user's name, department and role; an admin cannot change their own role (no lock-out)."""
    if role not in roles:
        raise ValueError(role)
    if user.id == actor.id and role != user.role:
        raise PermissionError("own role")
    if role != user.role:
        record(db, actor, "user.role_change", target_type="user", target_id=user.id, target_label=user.email,
               details={"from": user.role, "to": role})
    user.name, user.role = name.strip(), role
    user.department = services.department_named(db, user.organisation, department or "")


def update_organisation(db: Session, actor: User, org: Organisation, settings: dict) -> None:
    """Change the organisation's settings (keys of ORG_SETTINGS); the changed ones are audited as before → after."""
    before = {key: getattr(org, key) for key in ORG_SETTINGS}
    for key in ORG_SETTINGS:
        setattr(org, key, settings[key])
    after = {key: getattr(org, key) for key in ORG_SETTINGS}
    changed = {key: f"{before[key]} → {value}" for key, value in after.items() if before[key] != value}
    if changed:
        record(db, actor, "organisation.settings", target_type="organisation", target_id=org.id,
               target_label=org.name, details=changed)


def set_locale(db: Session, user_id: int, locale: str) -> None:
    """A user's interface language."""
    db.get(User, user_id).locale = locale
