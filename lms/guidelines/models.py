"""Questionnaire answers (per enrolment and organisation defaults), guideline drafts, published guidelines."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import Base, UTCDateTime, utcnow


class QuestionnaireResponse(Base):
    """A learner's answers for one enrolment and the path they produced, with every rule's reason."""

    __tablename__ = "questionnaire_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_slug: Mapped[str] = mapped_column(String(80))
    answers: Mapped[dict] = mapped_column(JSON)
    path: Mapped[dict] = mapped_column(JSON)
    # {lesson_id: [{rule, status, reason: {de, en}}]}: every matching rule, also those a stronger one overruled.
    reasons: Mapped[dict] = mapped_column(JSON)
    # "own" (answered by the learner) or "org_default" (the organisation's default answers were taken).
    source: Mapped[str] = mapped_column(String(12), default="own")
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revisions: Mapped[int] = mapped_column(Integer, default=1)

    user: Mapped[User] = relationship()


class QuestionnaireOrgDefault(Base):
    """An organisation admin's default answers for a course, offered to its learners as a shortcut."""

    __tablename__ = "questionnaire_org_defaults"
    __table_args__ = (UniqueConstraint("org_id", "course_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    course_slug: Mapped[str] = mapped_column(String(80))
    answers: Mapped[dict] = mapped_column(JSON)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GuidelineSettings(Base):
    """Organisation-wide guideline settings."""

    __tablename__ = "guideline_settings"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    # Off by default: trainers see that a learner produced a draft, not what it says.
    trainers_see_drafts: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GuidelineDraft(Base):
    """A learner's guideline draft from the builder (one per enrolment); produced_at marks the first download."""

    __tablename__ = "guideline_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_slug: Mapped[str] = mapped_column(String(80))
    # {step_id: {field_id: text}}
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    produced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()


class GuidelineVersion(Base):
    """One published version of an organisation's social media guideline (markdown, rendered without HTML)."""

    __tablename__ = "guideline_versions"
    __table_args__ = (UniqueConstraint("org_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)

    @property
    def version(self) -> int:
        """The version number (alias used by signal receivers)."""
        return self.number


class GuidelineAcknowledgement(Base):
    """A user's acknowledgement of one published guideline version (the proof the admin exports)."""

    __tablename__ = "guideline_acknowledgements"
    __table_args__ = (UniqueConstraint("version_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("guideline_versions.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # Name and e-mail as they were when acknowledging: the export is proof, so later renames must not rewrite it.
    user_name: Mapped[str] = mapped_column(String(200))
    user_email: Mapped[str] = mapped_column(String(254))
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    version: Mapped[GuidelineVersion] = relationship()
