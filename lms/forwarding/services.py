"""Forwarding target changes (create, edit, pause, delete) and statement downloads; each writes its audit row."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..audit.services import record
from ..db import utcnow
from .crypto import encrypt_secret
from .models import ForwardTarget, OutboxItem


@dataclass(frozen=True)
class TargetSettings:
    """What the target form sets; ``secret`` None keeps the stored password."""

    name: str
    endpoint: str
    username: str
    secret: str | None
    xapi_version: str
    course_slugs: list[str]
    verb_ids: list[str]
    batch_size: int
    connect_timeout: float
    read_timeout: float
    active: bool


def name_taken(db: Session, org_id: int, name: str, target: ForwardTarget | None) -> bool:
    """Whether another target of the organisation already has this name."""
    clash = db.scalar(select(ForwardTarget.id).where(ForwardTarget.org_id == org_id, ForwardTarget.name == name))
    return clash is not None and (target is None or clash != target.id)


def save_target(db: Session, actor, target: ForwardTarget | None, settings: TargetSettings) -> ForwardTarget:
    """Create (target None) or change a target of the actor's organisation; a changed one is tried at once."""
    if target is None:
        target = ForwardTarget(org_id=actor.org_id, created_at=utcnow(), delivered_count=0, failure_streak=0)
        db.add(target)
    for field in ("name", "endpoint", "username", "xapi_version", "course_slugs", "verb_ids", "batch_size",
                  "connect_timeout", "read_timeout", "active"):
        setattr(target, field, getattr(settings, field))
    if settings.secret:
        target.secret_encrypted = encrypt_secret(settings.secret)
    target.failure_streak, target.retry_at = 0, None  # a changed configuration deserves an immediate try
    db.flush()
    record(db, actor, "forwarding.target_save", target_type="target", target_id=target.id,
           target_label=target.name, details={"endpoint": target.endpoint, "username": target.username,
                                              "secret_changed": bool(settings.secret), "active": target.active})
    return target


def set_active(db: Session, actor, target: ForwardTarget, active: bool) -> None:
    """Activate or pause a target (its failure streak starts over)."""
    target.active = active
    target.failure_streak, target.retry_at = 0, None
    record(db, actor, "forwarding.target_toggle", target_type="target", target_id=target.id,
           target_label=target.name, details={"active": target.active})


def delete_target(db: Session, actor, target: ForwardTarget) -> None:
    """Delete a target with its queue and dead letters (the statements themselves stay)."""
    db.execute(delete(OutboxItem).where(OutboxItem.target_id == target.id))
    record(db, actor, "forwarding.target_delete", target_type="target", target_id=target.id,
           target_label=target.name, details={"endpoint": target.endpoint})
    db.delete(target)
    db.flush()


def record_export(db: Session, actor, filters: dict) -> None:
    """Audit a statement download with the filters that were set."""
    record(db, actor, "export.statements", details={key: value for key, value in filters.items() if value})
