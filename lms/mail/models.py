"""The e-mail outbox, single-use account tokens (stored hashed) and per-user mail preferences."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow
from ..outbox import DEAD, PENDING, LeasedOutboxRow  # noqa: F401 - the statuses are part of this module's interface

SENT = "sent"
KINDS = ("invitation", "password_reset", "assignment", "reminder", "digest", "certificate", "expiring")
# Mails a person may switch off; the others (account mails, assignment notices) always go out.
OPTIONAL_KINDS = ("reminder", "digest", "expiring")


class Mail(LeasedOutboxRow, Base):
    """One message to one recipient, written in the transaction of its cause and delivered by the mail worker.

    The body is rendered at delivery from ``template`` and ``context`` in ``locale``; ``dedupe_key`` makes
    scheduled mails idempotent (a second scheduler run inserts nothing).
    """

    __tablename__ = "mails"
    __table_args__ = (Index("ix_mails_claim", "status", "next_attempt_at"), Index("ix_mails_org", "org_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    kind: Mapped[str] = mapped_column(String(20))
    to_addr: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(5), default="de")
    template: Mapped[str] = mapped_column(String(60))
    context: Mapped[dict] = mapped_column(JSON)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")  # the outbox's column, but never NULL here
    subject: Mapped[str] = mapped_column(String(300), default="")  # filled in when rendered for delivery
    message_id: Mapped[str] = mapped_column(String(200), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    transport: Mapped[str] = mapped_column(String(10), default="")  # "smtp", or "kept" in development mode


class AccountToken(Base):
    """A single-use, expiring token for setting a password (invitation) or resetting it; only its hash is stored.

    ``password_fingerprint`` ties the token to the password hash at issue time, so any password change voids it.
    """

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))  # "invitation" | "reset"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    password_fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class MailPreference(Base):
    """What optional mails a user declined (reminders, weekly digest, expiry notices)."""

    __tablename__ = "mail_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    reminders: Mapped[bool] = mapped_column(Boolean, default=True)
    digest: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
