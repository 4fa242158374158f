"""Stored xAPI statements with their index rows, attachments, and LRS client credentials."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit sequence.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


class Statement(Base):
    """One statement as stored: the exact JSON plus the columns the filters and projections need."""

    __tablename__ = "xapi_statements"
    __table_args__ = (
        UniqueConstraint("org_id", "statement_id"),
        Index("ix_xapi_statements_org_actor_verb", "org_id", "actor_ifi", "verb_id", "seq"),
        Index("ix_xapi_statements_org_verb", "org_id", "verb_id", "seq"),
        Index("ix_xapi_statements_org_activity", "org_id", "activity_id", "seq"),
        Index("ix_xapi_statements_org_registration", "org_id", "registration", "seq"),
        # since/until windows: voided and seq in the index make the window scan index-only (query.py).
        Index("ix_xapi_statements_org_stored_window", "org_id", "stored", "voided", "seq"),
        Index("ix_xapi_statements_org_ref", "org_id", "ref_statement_id"),
        Index("ix_xapi_statements_org_seq", "org_id", "seq"),
    )

    # seq orders statements as stored and makes `more` paging stable.
    seq: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    statement_id: Mapped[str] = mapped_column(String(36))
    stored: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_ifi: Mapped[str] = mapped_column(String(600))
    verb_id: Mapped[str] = mapped_column(String(600))
    activity_id: Mapped[str | None] = mapped_column(String(1000), nullable=True)  # object when it is an Activity
    ref_statement_id: Mapped[str | None] = mapped_column(String(36), nullable=True)  # object when a StatementRef
    registration: Mapped[str | None] = mapped_column(String(36), nullable=True)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    # The local user when the app itself emitted the statement (reports join on it); None for LRS clients.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    version: Mapped[str] = mapped_column(String(10), default="1.0.0")
    raw: Mapped[str] = mapped_column(Text)  # the complete statement JSON as stored (with stored, authority, version)


class StatementAgent(Base):
    """Every agent a statement mentions, for the agent and related_agents filters."""

    __tablename__ = "xapi_statement_agents"
    # relation is the last index column so both agent filters are index-only scans in seq order; the verb
    # index answers the common agent+verb query without visiting statements that do not match.
    __table_args__ = (Index("ix_xapi_statement_agents_ifi", "org_id", "ifi", "seq", "relation"),
                      Index("ix_xapi_statement_agents_ifi_verb", "org_id", "ifi", "verb_id", "seq", "relation"))

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(ForeignKey("xapi_statements.seq", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(Integer)
    ifi: Mapped[str] = mapped_column(String(600))
    # "actor" (actor or object agent, what the plain agent filter matches) or "related" (everything else).
    relation: Mapped[str] = mapped_column(String(10))
    # The statement's verb, copied for the agent+verb index (store.py always sets it).
    verb_id: Mapped[str | None] = mapped_column(String(600), nullable=True)


class StatementActivity(Base):
    """Every activity a statement mentions, for the activity and related_activities filters."""

    __tablename__ = "xapi_statement_activities"
    __table_args__ = (Index("ix_xapi_statement_activities_id", "org_id", "activity_id", "seq"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(ForeignKey("xapi_statements.seq", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(Integer)
    activity_id: Mapped[str] = mapped_column(String(1000))
    relation: Mapped[str] = mapped_column(String(10))  # "object" or "related"


class Attachment(Base):
    """Attachment payloads by organisation and SHA-2 hash."""

    __tablename__ = "xapi_attachments"
    __table_args__ = (UniqueConstraint("org_id", "sha2"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    sha2: Mapped[str] = mapped_column(String(128))
    content_type: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class LRSCredential(Base):
    """An HTTP Basic client credential of one organisation; only a hash of the secret is kept."""

    __tablename__ = "xapi_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(255))
    # "all" (read and write), "read" or "write": what the client may do.
    scope: Mapped[str] = mapped_column(String(10), default="all")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
