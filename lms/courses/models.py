"""Learner records by grain: enrolment (one per learner and course), lesson progress, module progress."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import Base, UTCDateTime, utcnow


class Enrolment(Base):
    """A learner's registration in a course; its UUID is the xAPI registration."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "course_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    course_slug: Mapped[str] = mapped_column(String(80))
    registration: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid.uuid4()))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_lesson_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Tailored path from the needs questionnaire: {lesson_id: "required"|"recommended"|"optional"}; None = all required.
    path: Mapped[dict | None] = mapped_column(JSON, nullable=True)

    user: Mapped[User] = relationship()


class LessonProgress(Base):
    """One learner's record for one lesson: visits, time spent, completion."""

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("enrolment_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[str] = mapped_column(String(80))
    module_id: Mapped[str] = mapped_column(String(80))
    first_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    visits: Mapped[int] = mapped_column(Integer, default=0)
    seconds_spent: Mapped[int] = mapped_column(Integer, default=0)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ModuleProgress(Base):
    """One learner's module state: lessons done, quiz result, completion (the trainer matrix reads this)."""

    __tablename__ = "module_progress"
    __table_args__ = (UniqueConstraint("enrolment_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[str] = mapped_column(String(80))
    lessons_done: Mapped[int] = mapped_column(Integer, default=0)
    lessons_total: Mapped[int] = mapped_column(Integer, default=0)
    quiz_best_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    quiz_passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def status(self) -> str:
        """not_started / in_progress / done (lessons) / passed (quiz passed and lessons done)."""
        return module_status(self.completed_at, self.lessons_done, self.lessons_total, self.quiz_best_score)


def module_status(completed_at, lessons_done, lessons_total, quiz_best_score) -> str:
    """ModuleProgress.status from the columns alone (reports read thousands of rows without loading objects)."""
    if completed_at:
        return "passed"
    if lessons_total and lessons_done >= lessons_total:
        return "done"
    if lessons_done or quiz_best_score is not None:
        return "in_progress"
    return "not_started"
