"""Filling the outbox: one item per matching active target, in the statement's own transaction; backfill; health."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, bindparam, delete, exists, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from ..db import utcnow
from ..lrs.models import Statement, StatementActivity
from ..lrs.store_sql import driver_rows
from .models import DEAD, PENDING, ForwardTarget, OutboxItem

BACKFILL_CHUNK = 5000
_CONTEXT_KEYS = ("parent", "grouping", "category", "other")


def course_iris(slugs: list[str]) -> list[str]:
    """The IRIs of the given course slugs (unknown slugs are skipped)."""
    catalog = current_app.extensions.get("lms_catalog")
    courses = catalog.courses if catalog is not None else {}
    return [courses[slug].iri.rstrip("/") for slug in slugs if slug in courses]


def _under(activity_id: str | None, iris: list[str]) -> bool:
    return bool(activity_id) and any(activity_id == iri or activity_id.startswith(iri + "/") for iri in iris)


def _context_activity_ids(raw: str) -> list[str]:
    try:
        stmt = json.loads(raw)
        activities = (stmt.get("context") or {}).get("contextActivities") or {}
        ids = []
        for key in _CONTEXT_KEYS:
            value = activities.get(key) or []
            for activity in value if isinstance(value, list) else [value]:
                if isinstance(activity, dict) and isinstance(activity.get("id"), str):
                    ids.append(activity["id"])
        return ids
    except (ValueError, AttributeError):
        return []


def matches(db: Session, target: ForwardTarget, statement: Statement) -> bool:
    """Whether a statement passes a target's verb and course filters."""
    if target.verb_ids and statement.verb_id not in target.verb_ids:
        return False
    if not target.course_slugs:
        return True
    iris = course_iris(target.course_slugs)
    if _under(statement.activity_id, iris):
        return True
    if any(_under(activity_id, iris) for activity_id in _context_activity_ids(statement.raw)):
        return True
    if statement.registration:
        from ..courses.models import Enrolment

        slug = db.scalar(select(Enrolment.course_slug).where(Enrolment.registration == statement.registration,
                                                             Enrolment.org_id == statement.org_id))
        return slug in target.course_slugs
    return False


# Built once: every transaction that stores statements asks it.
_ANY_ACTIVE = f"SELECT 1 FROM {ForwardTarget.__tablename__} WHERE org_id = ? AND active = ? LIMIT 1"
_ACTIVE_TARGETS = select(ForwardTarget).where(ForwardTarget.org_id == bindparam("org"), ForwardTarget.active.is_(True))


def _active_targets(db: Session, org_id: int) -> list[ForwardTarget]:
    """The organisation's active targets, read once per transaction (a request storing several batches asks once)."""
    transaction = db.get_transaction()
    cached = db.info.get("lms_forward_targets")
    if cached is None or cached[0] is not transaction:
        cached = (transaction, {})
        db.info["lms_forward_targets"] = cached
    by_org = cached[1]
    if org_id not in by_org:
        # Most organisations forward nothing: a driver-level probe answers that for a fraction of an ORM query.
        found = driver_rows(db, _ANY_ACTIVE, (org_id, True))
        by_org[org_id] = db.scalars(_ACTIVE_TARGETS, {"org": org_id}).all() if found else []
    return by_org[org_id]


def on_statements_stored(sender: Session, statements: list[Statement], **_) -> None:
    """Queue new statements for every active target of their organisation whose filter matches (same session).

    One INSERT for the whole batch; without active targets (the common case) nothing is written."""
    db = sender
    now = utcnow()
    items = []
    for org_id in dict.fromkeys(statement.org_id for statement in statements):
        for target in _active_targets(db, org_id):
            items += [{"target_id": target.id, "seq": statement.seq, "org_id": org_id, "status": PENDING,
                       "attempts": 0, "next_attempt_at": now, "created_at": now}
                      for statement in statements if statement.org_id == org_id and matches(db, target, statement)]
    if items:
        db.execute(insert(OutboxItem), items)


def course_condition(org_id: int, slugs: list[str]):
    """A SQL condition on Statement: object, a context activity or the registration belongs to one of the courses."""
    from ..courses.models import Enrolment

    iris = course_iris(slugs)
    parts = [Statement.registration.in_(select(Enrolment.registration).where(Enrolment.org_id == org_id,
                                                                            Enrolment.course_slug.in_(slugs)))]
    for iri in iris:
        prefix = iri.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"
        parts.append(or_(Statement.activity_id == iri, Statement.activity_id.like(prefix, escape="\\")))
        parts.append(Statement.seq.in_(select(StatementActivity.seq).where(
            StatementActivity.org_id == org_id,
            or_(StatementActivity.activity_id == iri, StatementActivity.activity_id.like(prefix, escape="\\")))))
    return or_(*parts)


def start_backfill(db: Session, target: ForwardTarget) -> int:
    """Begin (or restart) queueing the organisation's statements stored up to now; returns the last seq included."""
    until = db.scalar(select(func.max(Statement.seq)).where(Statement.org_id == target.org_id)) or 0
    target.backfill_cursor = 0
    target.backfill_until = until
    return until


def backfill_step(db: Session, target: ForwardTarget, chunk: int = BACKFILL_CHUNK) -> int:
    """Queue the next chunk of a running backfill and advance its cursor in the same transaction; returns rows added."""
    if target.backfill_until is None:
        return 0
    cursor = target.backfill_cursor or 0
    seqs = db.scalars(select(Statement.seq).where(Statement.org_id == target.org_id, Statement.seq > cursor,
                                                  Statement.seq <= target.backfill_until)
                      .order_by(Statement.seq).limit(chunk)).all()
    if not seqs:
        target.backfill_cursor, target.backfill_until = None, None
        return 0
    last = seqs[-1]
    conditions = [Statement.org_id == target.org_id, Statement.seq > cursor, Statement.seq <= last,
                  ~exists().where(OutboxItem.target_id == target.id, OutboxItem.seq == Statement.seq)]
    if target.verb_ids:
        conditions.append(Statement.verb_id.in_(target.verb_ids))
    if target.course_slugs:
        conditions.append(course_condition(target.org_id, target.course_slugs))
    now = utcnow()
    rows = select(literal(target.id), Statement.seq, literal(target.org_id), literal(PENDING), literal(0),
                  literal(now, OutboxItem.next_attempt_at.type), literal(now, OutboxItem.created_at.type)
                  ).where(and_(*conditions))
    # rowcount of an INSERT … SELECT is only reported when asked for (SQLAlchemy 2.0.28+).
    result = db.execute(insert(OutboxItem).from_select(
        ["target_id", "seq", "org_id", "status", "attempts", "next_attempt_at", "created_at"], rows)
        .execution_options(preserve_rowcount=True))
    target.backfill_cursor = last
    if last >= target.backfill_until:
        target.backfill_cursor, target.backfill_until = None, None
    return max(result.rowcount or 0, 0)


@dataclass(frozen=True)
class Health:
    """Backlog figures of one target."""

    pending: int
    dead: int
    oldest_pending: datetime | None

    @property
    def oldest_age_seconds(self) -> float | None:
        """Seconds since the oldest pending item was queued."""
        return None if self.oldest_pending is None else max(0.0, (utcnow() - self.oldest_pending).total_seconds())


def health(db: Session, target_ids: list[int]) -> dict[int, Health]:
    """Pending and dead counts and the oldest pending item, per target."""
    out = {tid: Health(0, 0, None) for tid in target_ids}
    if not target_ids:
        return out
    rows = db.execute(select(OutboxItem.target_id, OutboxItem.status, func.count(), func.min(OutboxItem.created_at))
                      .where(OutboxItem.target_id.in_(target_ids)).group_by(OutboxItem.target_id, OutboxItem.status))
    counts: dict[int, dict] = {tid: {} for tid in target_ids}
    for tid, status, count, oldest in rows:
        counts[tid][status] = (count, oldest)
    for tid, by_status in counts.items():
        pending, oldest = by_status.get(PENDING, (0, None))
        if oldest is not None and oldest.tzinfo is None:  # aggregates bypass the column type on SQLite
            oldest = datetime.fromisoformat(str(oldest)).replace(tzinfo=utcnow().tzinfo)
        elif isinstance(oldest, str):
            oldest = datetime.fromisoformat(oldest).replace(tzinfo=utcnow().tzinfo)
        out[tid] = Health(pending, by_status.get(DEAD, (0, None))[0], oldest)
    return out


def retry_dead(db: Session, target: ForwardTarget, item_ids: list[int] | None = None) -> int:
    """Put dead-lettered items of a target back to pending (all of them when item_ids is None)."""
    stmt = update(OutboxItem).where(OutboxItem.target_id == target.id, OutboxItem.status == DEAD)
    if item_ids is not None:
        stmt = stmt.where(OutboxItem.id.in_(item_ids))
    target.failure_streak, target.retry_at = 0, None
    return db.execute(stmt.values(status=PENDING, attempts=0, next_attempt_at=utcnow(), claimed_by=None,
                                  claimed_until=None)).rowcount


def discard_dead(db: Session, target: ForwardTarget, item_ids: list[int] | None = None) -> int:
    """Delete dead-lettered items of a target (all of them when item_ids is None)."""
    stmt = delete(OutboxItem).where(OutboxItem.target_id == target.id, OutboxItem.status == DEAD)
    if item_ids is not None:
        stmt = stmt.where(OutboxItem.id.in_(item_ids))
    return db.execute(stmt).rowcount
