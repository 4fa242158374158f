"""SCORM records: exported packages (revocable), the host LMS's learners, and launches with their status."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class ScormPackage(Base):
    """A SCORM package an admin downloaded: its id is signed into the package, so it can be revoked."""

    __tablename__ = "scorm_packages"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    course_slug: Mapped[str] = mapped_column(String(80))
    version: Mapped[str] = mapped_column(String(10))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScormLearner(Base):
    """The host LMS's learner id (cmi.core.student_id / cmi.learner_id) that a local account stands for."""

    __tablename__ = "scorm_learners"
    __table_args__ = (UniqueConstraint("org_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    student_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class ScormLaunch(Base):
    """One launch from a host LMS: which SCO, for whom; its start token is single-use."""

    __tablename__ = "scorm_launches"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    package_id: Mapped[str] = mapped_column(ForeignKey("scorm_packages.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_slug: Mapped[str] = mapped_column(String(80))
    sco: Mapped[str] = mapped_column(String(120))  # "module-<id>" or "exam"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
