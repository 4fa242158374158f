"""cmi5 records: the LMSs an organisation trusts to launch its AUs, launched AU sessions, statements to send."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow
from ..outbox import DEAD, PENDING, OutboxRow  # noqa: F401 - the statuses are part of this module's interface


class Cmi5Lms(Base):
    """An external cmi5 LMS: launches are accepted only when their LRS endpoint starts with this one."""

    __tablename__ = "cmi5_lms"
    __table_args__ = (UniqueConstraint("org_id", "endpoint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    endpoint: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Cmi5UserLink(Base):
    """The LMS's learner (its xAPI actor) that a local account stands for."""

    __tablename__ = "cmi5_user_links"
    __table_args__ = (UniqueConstraint("lms_id", "actor_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lms_id: Mapped[int] = mapped_column(ForeignKey("cmi5_lms.id", ondelete="CASCADE"))
    actor_key: Mapped[str] = mapped_column(String(600))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class Cmi5Session(Base):
    """One launch of an AU by an external LMS: where to send statements and what the LMS asked for."""

    __tablename__ = "cmi5_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the cmi5 session id
    lms_id: Mapped[int] = mapped_column(ForeignKey("cmi5_lms.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(Integer, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000))
    auth_token: Mapped[str] = mapped_column(Text)
    actor: Mapped[dict] = mapped_column(JSON)
    registration: Mapped[str] = mapped_column(String(36))
    activity_id: Mapped[str] = mapped_column(String(1000))
    course_slug: Mapped[str] = mapped_column(String(80))
    au_key: Mapped[str] = mapped_column(String(120))
    launch_mode: Mapped[str] = mapped_column(String(10))
    move_on: Mapped[str] = mapped_column(String(20))
    mastery_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    return_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    context_template: Mapped[dict] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    terminated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Cmi5Outgoing(OutboxRow, Base):
    """A statement for the launching LMS's LRS, sent by PUT with its id (so a resend is harmless), then deleted."""

    __tablename__ = "cmi5_outgoing"
    __table_args__ = (Index("ix_cmi5_outgoing_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("cmi5_sessions.id", ondelete="CASCADE"), index=True)
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    body: Mapped[dict] = mapped_column(JSON)
