"""Due-date reminders: N days before (configurable), on the due date, and while overdue (once per period).

Each reminder has a key naming the learner assignment, its due date and the stage; the mail outbox ignores a key
it already holds, so running the job twice (or in two processes at once) queues each reminder once. A changed
due date starts the stages afresh.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from .. import clock
from ..assignments.models import LearnerAssignment
from ..auth.models import User
from ..catalog import get_catalog
from ..mail import outbox
from ..mail.render import absolute_url


def stage(now: datetime, due: datetime, days_before: list[int], overdue_every: int) -> str | None:
    """The reminder stage at ``now`` for a due date: 'before7', 'dueday', 'overdue0', 'overdue1', … or None."""
    if now > due:
        return f"overdue{int((now - due).total_seconds() // (overdue_every * 86400))}"
    days_left = (due.date() - now.date()).days  # calendar days: "1 day before" is the whole day before
    if days_left <= 0:
        return "dueday"
    reached = [n for n in sorted(days_before) if days_left <= n]
    return f"before{reached[0]}" if reached else None


def queue_reminders(db: Session) -> int:
    """Queue the reminder each open, unfinished, dated assignment is due for now; returns how many are new."""
    cfg = current_app.config
    days_before = [int(n) for n in cfg["REMINDER_DAYS"]]
    every = int(cfg["REMINDER_OVERDUE_EVERY_DAYS"])
    now = clock.now()
    horizon = max(days_before, default=0)
    rows = db.execute(
        select(LearnerAssignment, User).join(User, User.id == LearnerAssignment.user_id)
        .options(joinedload(User.organisation))
        .where(LearnerAssignment.closed_at.is_(None), LearnerAssignment.completed_at.is_(None),
               LearnerAssignment.due_at.is_not(None), User.active.is_(True))).all()
    courses = get_catalog().courses
    urls: dict[str, str] = {}
    items = []
    for item, user in rows:
        if (item.due_at.date() - now.date()).days > horizon:
            continue
        current = stage(now, item.due_at, days_before, every)
        course = courses.get(item.course_slug)
        if current is None or course is None:
            continue
        if item.course_slug not in urls:
            urls[item.course_slug] = absolute_url("lms.courses.overview", slug=item.course_slug)
        context = {"name": user.name, "org_name": user.organisation.name, "course_title": course.title,
                   "due": item.due_at.date().isoformat(), "stage": current.rstrip("0123456789"),
                   "days": int(current[6:]) if current.startswith("before") else None,
                   "mandatory": item.mandatory, "course_url": urls[item.course_slug]}
        items.append((user, context, f"reminder:{item.id}:{item.due_at.date().isoformat()}:{current}"))
    return outbox.queue_many(db, items, "reminder", "reminder")
