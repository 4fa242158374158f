"""Privacy settings (versioned), erasure requests and log, kept records and retention runs."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class PrivacySettingsVersion(Base):
    """One version of an organisation's privacy settings; the newest is in force, older ones are the history."""

    __tablename__ = "privacy_settings"
    __table_args__ = (UniqueConstraint("org_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    values: Mapped[dict] = mapped_column(JSON, default=dict)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    changed_by_label: Mapped[str] = mapped_column(String(254), default="")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ErasureRequest(Base):
    """A learner's request to be erased, waiting for an admin's confirmation."""

    __tablename__ = "privacy_erasure_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")


class ErasureLog(Base):
    """One completed erasure: who erased a (no longer identifiable) person, what was removed, who was told."""

    __tablename__ = "privacy_erasure_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    # A keyed hash of the erased account's former actor id: lets the log be matched to a request the admin
    # still holds, but cannot be turned back into a person once the account is anonymised.
    subject_ref: Mapped[str] = mapped_column(String(64))
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    erased_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    erased_by_label: Mapped[str] = mapped_column(String(254), default="")
    on_request: Mapped[bool] = mapped_column(default=False)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)  # table -> rows deleted / anonymised
    kept: Mapped[dict] = mapped_column(JSON, default=dict)  # kind -> {count, reason}
    targets: Mapped[list] = mapped_column(JSON, default=list)  # [{id, name, voiding}]
    status: Mapped[str] = mapped_column(String(20), default="done")


class KeptRecord(Base):
    """What an erasure kept on purpose (e.g. the certificate register entry), with the reason and until when."""

    __tablename__ = "privacy_kept_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(100), default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
    kept_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RetentionRun(Base):
    """One run of the retention job for one organisation: the cut-off dates and what was removed."""

    __tablename__ = "privacy_retention_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    settings_version: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
