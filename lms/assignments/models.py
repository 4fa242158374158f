"""Course assignments: the rule a trainer set (Assignment) and each learner's copy of it (LearnerAssignment)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import Department, User
from ..db import Base, UTCDateTime, utcnow

SCOPES = ("users", "department", "organisation")
STATUSES = ("not_started", "in_progress", "due_soon", "overdue", "completed", "expiring", "expired")
# Why a learner assignment exists: a trainer's rule, a certificate running out, or a changed legal module.
REASONS = ("assigned", "recertification", "legal_change")


class Assignment(Base):
    """A course assigned to users, a department or the whole organisation, with a due date rule."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    course_slug: Mapped[str] = mapped_column(String(80))
    scope: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"),
                                                      nullable=True)
    # Users who join the department or organisation later get the course too (checked by the scheduler).
    include_future: Mapped[bool] = mapped_column(Boolean, default=False)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # absolute due date
    due_days: Mapped[int | None] = mapped_column(Integer, nullable=True)  # or relative: days after assignment
    mandatory: Mapped[bool] = mapped_column(Boolean, default=True)
    # Days before a certificate expires that the course is assigned again (re-certification).
    recert_lead_days: Mapped[int] = mapped_column(Integer, default=30)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    department: Mapped[Department | None] = relationship()


class LearnerAssignment(Base):
    """One learner's assignment of one course: due date, completion, and the certificate's expiry."""

    __tablename__ = "learner_assignments"
    __table_args__ = (
        # One open assignment per learner and course; closed ones (superseded by re-certification) stay as history.
        Index("uq_learner_assignments_open", "user_id", "course_slug", unique=True,
              sqlite_where=text("closed_at IS NULL"), postgresql_where=text("closed_at IS NULL")),
        Index("ix_learner_assignments_org_due", "org_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id", ondelete="SET NULL"),
                                                      nullable=True, index=True)
    course_slug: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(String(20), default="assigned")
    mandatory: Mapped[bool] = mapped_column(Boolean, default=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # of the certificate earned
    overdue_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()
    assignment: Mapped[Assignment | None] = relationship()
