"""The weekly digest to trainers: overdue learners, completions of the last week, certificates expiring soon.

One per trainer and ISO week (its key names both); nothing is sent when there is nothing to report.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..assignments import queries
from ..auth.models import Organisation, User
from ..catalog import get_catalog
from ..mail import outbox
from ..mail.render import absolute_url

LISTED = 20  # names per section; the counts are complete


def _line(org: Organisation, row, courses) -> dict:
    course = courses.get(row.item.course_slug)
    return {"name": "" if org.pseudonymous_reports else row.user.name,
            "course": course.title if course else {"de": row.item.course_slug},
            "due": row.item.due_at.date().isoformat() if row.item.due_at else None,
            "expires": row.item.expires_at.date().isoformat() if row.item.expires_at else None}


def digest_for(db: Session, org: Organisation) -> dict | None:
    """The digest sections of one organisation, or None when there is nothing to report."""
    now, courses = clock.now(), get_catalog().courses
    rows = queries.org_rows(db, org.id)
    overdue = [r for r in rows if r.status == "overdue"]
    expiring = [r for r in rows if r.status == "expiring"]
    week_ago = now - timedelta(days=7)
    completed = [r for r in rows if r.item.completed_at is not None and r.item.completed_at > week_ago]
    if not (overdue or expiring or completed):
        return None
    return {"overdue": [_line(org, r, courses) for r in overdue[:LISTED]], "overdue_count": len(overdue),
            "completed": [_line(org, r, courses) for r in completed[:LISTED]], "completed_count": len(completed),
            "expiring": [_line(org, r, courses) for r in expiring[:LISTED]], "expiring_count": len(expiring),
            "pseudonymous": org.pseudonymous_reports}


def queue_digests(db: Session) -> int:
    """Queue this week's digest for every active trainer of every organisation that has something to report."""
    year, week, _ = clock.now().isocalendar()
    items = []
    for org in db.scalars(select(Organisation).order_by(Organisation.id)):
        trainers = db.scalars(select(User).where(User.org_id == org.id, User.role == "trainer",
                                                 User.active.is_(True))).all()
        if not trainers:
            continue
        sections = digest_for(db, org)
        if sections is None:
            continue
        for trainer in trainers:
            context = {"name": trainer.name, "org_name": org.name, "week": f"{year}-W{week:02d}",
                       "status_url": absolute_url("lms.assignments.status"), **sections}
            items.append((trainer, context, f"digest:{trainer.id}:{year}-W{week:02d}"))
    return outbox.queue_many(db, items, "digest", "digest")
