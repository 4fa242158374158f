"""Practical task submissions (one row per hand-in, so the revision history stays) and their uploaded files."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import Base, UTCDateTime, utcnow

SUBMITTED, IN_REVIEW, REVISION_REQUESTED, ACCEPTED = "submitted", "in_review", "revision_requested", "accepted"
STATUSES = (SUBMITTED, IN_REVIEW, REVISION_REQUESTED, ACCEPTED)


class TaskSubmission(Base):
    """One hand-in of a practical task; a resubmission after "revision requested" is a new row (number + 1)."""

    __tablename__ = "task_submissions"
    __table_args__ = (UniqueConstraint("enrolment_id", "task_id", "number"),
                      Index("ix_task_submissions_org_status", "org_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_slug: Mapped[str] = mapped_column(String(80))
    task_id: Mapped[str] = mapped_column(String(80))
    module_id: Mapped[str] = mapped_column(String(80))
    number: Mapped[int] = mapped_column(Integer, default=1)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)  # {field id: text}
    status: Mapped[str] = mapped_column(String(20), default=SUBMITTED)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # {criterion id: {"level": level id, "comment": text}}
    rubric: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    feedback: Mapped[str | None] = mapped_column(Text, nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)  # rubric points / max points (0..1)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    file: Mapped[TaskFile | None] = relationship(back_populates="submission", uselist=False, lazy="select")

    @property
    def decided(self) -> bool:
        """Whether a trainer has accepted it or asked for a revision."""
        return self.status in (ACCEPTED, REVISION_REQUESTED)


class TaskFile(Base):
    """An uploaded file, kept in the database (never under static/) and served only as an attachment."""

    __tablename__ = "task_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("task_submissions.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(200))  # sanitised, with the extension of the detected type
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    submission: Mapped[TaskSubmission] = relationship(back_populates="file")
