"""Forwarding targets (a company's own LRS) and the outbox of statements still to deliver to each."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow
from ..lrs.models import BigIntPK
from ..outbox import DEAD, PENDING, LeasedOutboxRow  # noqa: F401 - the statuses are part of this module's interface

XAPI_VERSIONS = ("1.0.3", "2.0.0")


class ForwardTarget(Base):
    """An organisation's external LRS, what to send to it, and how the last deliveries went."""

    __tablename__ = "forward_targets"
    __table_args__ = (UniqueConstraint("org_id", "name"), Index("ix_forward_targets_org_active", "org_id", "active"))

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(200))
    endpoint: Mapped[str] = mapped_column(String(1000))  # the LRS base IRL, e.g. https://lrs.example/xAPI/
    username: Mapped[str] = mapped_column(String(200))
    secret_encrypted: Mapped[str] = mapped_column(Text)  # Fernet token; the key derives from SECRET_KEY
    xapi_version: Mapped[str] = mapped_column(String(5), default="1.0.3")
    # Filters: empty list = everything. A statement must match both when both are set.
    course_slugs: Mapped[list] = mapped_column(JSON, default=list)
    verb_ids: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    batch_size: Mapped[int] = mapped_column(Integer, default=100)
    connect_timeout: Mapped[float] = mapped_column(Float, default=5.0)
    read_timeout: Mapped[float] = mapped_column(Float, default=15.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Health, written by the relay.
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    delivered_count: Mapped[int] = mapped_column(BigInteger, default=0)
    # Target-wide backoff while the LRS is down, so an outage costs one request per interval, not one per batch.
    failure_streak: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Backfill of older statements: enqueue seq in (cursor, until] in chunks; until is None when none is running.
    backfill_cursor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    backfill_until: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class OutboxItem(LeasedOutboxRow, Base):
    """One statement still to deliver to one target: pending (maybe leased by a relay) or dead-lettered.

    Delivered items are deleted (the target counts them), so the table holds only the backlog.
    """

    __tablename__ = "outbox_items"
    __table_args__ = (
        UniqueConstraint("target_id", "seq"),
        # The relay's claim: due pending items of one target, oldest first.
        Index("ix_outbox_items_claim", "target_id", "status", "next_attempt_at"),
        # Health: backlog count and oldest pending item per target.
        Index("ix_outbox_items_age", "target_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("forward_targets.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(ForeignKey("xapi_statements.seq", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(Integer)
