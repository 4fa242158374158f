"""Quiz attempts and per-question results (the question analysis reads these)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class QuizAttempt(Base):
    """One attempt at a quiz: the drawn questions (seeded), draft answers, and the immutable result."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "quiz_id", "number"),
        # At most one unfinished attempt per learner and quiz, even with two tabs racing.
        Index("uq_quiz_attempts_open", "enrolment_id", "quiz_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
        Index("ix_quiz_attempts_org_quiz", "org_id", "course_slug", "quiz_id", "status"),
        # Covers the trainer overview's "best score per learner and quiz" aggregates (score bands, 'Ø Quiz'), with
        # the learner for their join to users, without touching the table (migration 0088).
        Index("ix_quiz_attempts_org_best", "org_id", "course_slug", "status", "enrolment_id", "quiz_id", "scaled",
              "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_slug: Mapped[str] = mapped_column(String(80))
    quiz_id: Mapped[str] = mapped_column(String(80))
    number: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    plan: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="open")
    answers: Mapped[dict] = mapped_column(JSON, default=dict)  # draft form values while open; parsed once submitted
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    scaled: Mapped[float | None] = mapped_column(Float, nullable=True)
    passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class QuestionResult(Base):
    """How one question of a submitted attempt was answered and scored."""

    __tablename__ = "quiz_question_results"
    __table_args__ = (Index("ix_quiz_question_results_analysis", "org_id", "course_slug", "quiz_id", "question_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(Integer)
    course_slug: Mapped[str] = mapped_column(String(80))
    quiz_id: Mapped[str] = mapped_column(String(80))
    question_key: Mapped[str] = mapped_column(String(120))
    question_type: Mapped[str] = mapped_column(String(20))
    answer: Mapped[dict | list | str | float | bool | None] = mapped_column(JSON, nullable=True)
    response: Mapped[str] = mapped_column(String(2000), default="")
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    correct: Mapped[bool] = mapped_column(Boolean)
