"""Due-date reminders: N days before (configurable), on the due date, and while overdue (once per period).

Each reminder has a key naming the learner assignment, its due date and the stage; the mail outbox ignores a key
it already holds, so running the job twice (or in two processes at once) queues each reminder once. A changed
due date starts the stages afresh.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..assignments.models import LearnerAssignment
from ..auth.models import Organisation, User
from ..catalog import get_catalog
from ..mail import outbox
from ..mail.models import Mail


def stage(now: datetime, due: datetime, days_before: list[int], overdue_every: int) -> str | None:
    """The reminder stage at ``now`` for a due date: 'before7', 'dueday', 'overdue0', 'overdue1', … or None."""
    if now > due:
        return f"overdue{int((now - due).total_seconds() // (overdue_every * 86400))}"
    days_left = (due.date() - now.date()).days  # calendar days: "1 day before" is the whole day before
    if days_left <= 0:
        return "dueday"
    reached = [n for n in sorted(days_before) if days_left <= n]
    return f"before{reached[0]}" if reached else None


@dataclass(frozen=True)
class Recipient:
    """The columns of a user that a queued mail needs (lighter than loading User objects)."""

    id: int
    org_id: int
    email: str
    locale: str


def _candidates(db: Session, now: datetime, horizon: int):
    """Open, unfinished assignments due before the end of the reminder horizon, with their learner's columns."""
    until = datetime.combine(now.date() + timedelta(days=horizon + 1), time.min, tzinfo=timezone.utc)
    return db.execute(
        select(LearnerAssignment.id, LearnerAssignment.course_slug, LearnerAssignment.due_at,
               LearnerAssignment.mandatory, User.id.label("user_id"), User.org_id, User.email, User.name,
               User.locale, Organisation.name.label("org_name"))
        .join(User, User.id == LearnerAssignment.user_id).join(Organisation, Organisation.id == User.org_id)
        .where(LearnerAssignment.closed_at.is_(None), LearnerAssignment.completed_at.is_(None),
               LearnerAssignment.due_at.is_not(None), LearnerAssignment.due_at < until, User.active.is_(True)))


def _recent_keys(db: Session, now: datetime, days: int) -> set[str]:
    """Reminder keys queued in the window a current stage can have begun in (the outbox guards the rest)."""
    return set(db.scalars(select(Mail.dedupe_key).where(Mail.kind == "reminder",
                                                        Mail.created_at >= now - timedelta(days=days + 1))))


def queue_reminders(db: Session) -> int:
    """Queue the reminder each open, unfinished, dated assignment is due for now; returns how many are new."""
    cfg = current_app.config
    days_before = [int(n) for n in cfg["REMINDER_DAYS"]]
    every = int(cfg["REMINDER_OVERDUE_EVERY_DAYS"])
    now = clock.now()
    horizon = max(days_before, default=0)
    known = _recent_keys(db, now, max(horizon, every))
    courses = get_catalog().courses
    items = []
    for row in _candidates(db, now, horizon):
        current = stage(now, row.due_at, days_before, every)
        course = courses.get(row.course_slug)
        key = f"reminder:{row.id}:{row.due_at.date().isoformat()}:{current}"
        if current is None or course is None or key in known:
            continue
        # Small contexts: the course's title and link are filled in from its slug when the mail is rendered.
        context = {"name": row.name, "org_name": row.org_name, "course": row.course_slug,
                   "due": row.due_at.date().isoformat(), "stage": current.rstrip("0123456789"),
                   "days": int(current[6:]) if current.startswith("before") else None, "mandatory": row.mandatory}
        items.append((Recipient(row.user_id, row.org_id, row.email, row.locale), context, key))
    return outbox.queue_many(db, items, "reminder", "reminder")
