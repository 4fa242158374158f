"""Read-only, organisation-scoped queries for the trainer's task list and review page."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..auth.models import User
from ..auth.scope import learner_filter
from .models import STATUSES, TaskSubmission


@dataclass(frozen=True)
class Filters:
    """What the task list shows: a status (or all), one task (or all), a name search."""

    status: str = ""
    task: str = ""
    search: str = ""

    @classmethod
    def from_args(cls, args) -> Filters:
        """Read the filters from the query string, ignoring values that are not allowed."""
        status = args.get("status", "open")
        if status not in STATUSES and status not in ("open", ""):
            status = "open"
        return cls(status=status, task=(args.get("task") or "")[:80], search=(args.get("q") or "").strip()[:100])


def task_list(db: Session, org_id: int, filters: Filters, limit: int = 200, viewer=None) -> list[TaskSubmission]:
    """The newest hand-in per learner and task in the organisation (in the viewer's scope), oldest waiting first."""
    newest = (select(TaskSubmission.enrolment_id, TaskSubmission.task_id,
                     func.max(TaskSubmission.number).label("number"))
              .where(TaskSubmission.org_id == org_id)
              .group_by(TaskSubmission.enrolment_id, TaskSubmission.task_id).subquery())
    query = (select(TaskSubmission).join(newest, (TaskSubmission.enrolment_id == newest.c.enrolment_id)
                                         & (TaskSubmission.task_id == newest.c.task_id)
                                         & (TaskSubmission.number == newest.c.number))
             .join(User, User.id == TaskSubmission.user_id)
             .where(TaskSubmission.org_id == org_id))
    if viewer is not None:
        query = query.where(learner_filter(viewer))
    if filters.status == "open":
        query = query.where(TaskSubmission.status.in_(("submitted", "in_review")))
    elif filters.status:
        query = query.where(TaskSubmission.status == filters.status)
    if filters.task:
        query = query.where(TaskSubmission.task_id == filters.task)
    if filters.search:
        pattern = f"%{filters.search.lower()}%"
        query = query.where(or_(func.lower(User.name).like(pattern), func.lower(User.email).like(pattern)))
    return list(db.scalars(query.order_by(TaskSubmission.submitted_at).limit(limit)))


def status_counts(db: Session, org_id: int, course_slug: str | None = None, viewer=None) -> dict[str, int]:
    """How many newest hand-ins of the organisation (in one course, if given) are in each status."""
    rows = task_list(db, org_id, Filters(status=""), limit=100000, viewer=viewer)
    counts = {status: 0 for status in STATUSES}
    for row in rows:
        if course_slug is None or row.course_slug == course_slug:
            counts[row.status] += 1
    return counts


def earlier_submissions(db: Session, submission: TaskSubmission) -> list[TaskSubmission]:
    """The same learner's earlier hand-ins of the same task, newest first."""
    return list(db.scalars(select(TaskSubmission).where(TaskSubmission.enrolment_id == submission.enrolment_id,
                                                        TaskSubmission.task_id == submission.task_id,
                                                        TaskSubmission.number < submission.number)
                           .order_by(TaskSubmission.number.desc())))
