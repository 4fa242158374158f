"""Issued certificates: a snapshot of what was certified, the verification code, revocation."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class Certificate(Base):
    """A completion certificate; the snapshot keeps it verifiable even if names or content change later."""

    __tablename__ = "certificates"
    __table_args__ = (
        # One current certificate per registration: revoked or superseded ones do not count.
        Index("uq_certificates_current", "enrolment_id", unique=True,
              sqlite_where=text("revoked_at IS NULL AND superseded_at IS NULL"),
              postgresql_where=text("revoked_at IS NULL AND superseded_at IS NULL")),
        Index("ix_certificates_org", "org_id", "issued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"))
    course_slug: Mapped[str] = mapped_column(String(80))
    learner_name: Mapped[str] = mapped_column(String(200))
    course_title: Mapped[dict] = mapped_column(JSON)
    issuer_name: Mapped[str] = mapped_column(String(200))
    modules: Mapped[list] = mapped_column(JSON)  # [{id, title: {de, en}, passed_on: "YYYY-MM-DD"}]
    legal_versions: Mapped[dict] = mapped_column(JSON)  # {module id: content version} of the legal modules
    final_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    revoke_reason: Mapped[str] = mapped_column(String(500), default="")
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    credential: Mapped[str] = mapped_column(Text)  # the signed Open Badges 3.0 credential (JSON text)

    def state(self, now: datetime | None = None) -> str:
        """valid / revoked / expired / superseded."""
        now = now or utcnow()
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        if self.superseded_at is not None:
            return "superseded"
        return "valid"


class CredentialKey(Base):
    """The instance's Ed25519 signing key (one row), shared by every app server; the private key is encrypted
    with a key derived from SECRET_KEY, so a database dump alone cannot sign credentials."""

    __tablename__ = "credential_keys"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    private_pem_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
