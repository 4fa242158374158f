"""Read-only views of assignments: the learner's list and the trainer's filtered list, with statuses."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from .. import clock
from ..auth.models import Department, User
from ..auth.scope import learner_filter
from ..converters import id_arg
from ..courses.models import Enrolment
from .models import Assignment, LearnerAssignment
from .status import Windows, compute, sort_key


@dataclass
class Row:
    """A learner assignment with its status at the time asked."""

    item: LearnerAssignment
    user: User
    status: str
    progress: float

    @property
    def key(self) -> tuple:
        """Sort key: urgency, then the nearest date."""
        return sort_key(self.status, self.item.due_at, self.item.expires_at)


def windows() -> Windows:
    """The configured 'due soon' and 'expiring' windows."""
    cfg = current_app.config
    return Windows(timedelta(days=int(cfg.get("ASSIGNMENT_DUE_SOON_DAYS", 7))),
                   timedelta(days=int(cfg.get("ASSIGNMENT_EXPIRING_DAYS", 30))))


def _rows(db: Session, query, now: datetime) -> list[Row]:
    query = query.add_columns(Enrolment.progress, Enrolment.last_lesson_id).outerjoin(
        Enrolment, and_(Enrolment.user_id == LearnerAssignment.user_id,
                        Enrolment.course_slug == LearnerAssignment.course_slug))
    win = windows()
    rows = []
    for item, user, progress, last_lesson in db.execute(query):
        started = bool(progress) or last_lesson is not None
        status = compute(now=now, due_at=item.due_at, completed_at=item.completed_at, expires_at=item.expires_at,
                         started=started, windows=win)
        rows.append(Row(item, user, status, progress or 0.0))
    rows.sort(key=lambda r: (r.key, r.user.name))
    return rows


def learner_rows(db: Session, user: User) -> list[Row]:
    """The learner's open assignments, most urgent first."""
    query = (select(LearnerAssignment, User).join(User, User.id == LearnerAssignment.user_id)
             .where(LearnerAssignment.user_id == user.id, LearnerAssignment.closed_at.is_(None)))
    return _rows(db, query, clock.now())


@dataclass(frozen=True)
class Filters:
    """What the trainer chose: course, status, department."""

    course: str = ""
    status: str = ""
    department: int | None = None

    @classmethod
    def from_args(cls, args) -> "Filters":
        """Read filters from query arguments, ignoring what does not parse."""
        from .models import STATUSES

        status = args.get("status", "")
        department = args.get("department", "")
        return cls(course=args.get("course", "")[:80], status=status if status in STATUSES else "",
                   department=id_arg(department))


def org_rows(db: Session, org_id: int, filters: Filters = Filters(), viewer=None) -> list[Row]:
    """The organisation's open learner assignments (in the viewer's scope), filtered, most urgent first."""
    query = (select(LearnerAssignment, User).join(User, User.id == LearnerAssignment.user_id)
             .where(LearnerAssignment.org_id == org_id, LearnerAssignment.closed_at.is_(None)))
    if viewer is not None:
        query = query.where(learner_filter(viewer))
    if filters.course:
        query = query.where(LearnerAssignment.course_slug == filters.course)
    if filters.department is not None:
        query = query.where(User.department_id == filters.department)
    rows = _rows(db, query, clock.now())
    if filters.status:
        rows = [r for r in rows if r.status == filters.status]
    return rows


def rules(db: Session, org_id: int) -> list[Assignment]:
    """The organisation's assignment rules, newest first."""
    return list(db.scalars(select(Assignment).where(Assignment.org_id == org_id)
                           .order_by(Assignment.created_at.desc(), Assignment.id.desc())))


def departments(db: Session, org_id: int) -> list[Department]:
    """The organisation's departments by name."""
    return list(db.scalars(select(Department).where(Department.org_id == org_id).order_by(Department.name)))


def people(db: Session, org_id: int, viewer=None) -> list[User]:
    """The organisation's active users (in the viewer's scope) by name (to choose whom to assign)."""
    query = select(User).where(User.org_id == org_id, User.active.is_(True))
    if viewer is not None:
        query = query.where(learner_filter(viewer))
    return list(db.scalars(query.order_by(User.name)))


def item_of_org(db: Session, org_id: int, item_id: int) -> LearnerAssignment | None:
    """A learner assignment of the organisation, or None."""
    return db.scalar(select(LearnerAssignment).where(LearnerAssignment.id == item_id,
                                                     LearnerAssignment.org_id == org_id))


