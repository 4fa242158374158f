"""LTI 1.3 records: registered platforms, the tool's key, launch states, user and resource links, score outbox."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow
from ..outbox import DEAD, PENDING, OutboxRow  # noqa: F401 - the statuses are part of this module's interface


class LtiPlatform(Base):
    """A company's LMS registered by an organisation admin: who signs the launches and where its services are."""

    __tablename__ = "lti_platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(200))
    auth_login_url: Mapped[str] = mapped_column(String(1000))
    auth_token_url: Mapped[str] = mapped_column(String(1000))
    jwks_url: Mapped[str] = mapped_column(String(1000))
    deployment_ids: Mapped[list] = mapped_column(JSON, default=list)
    # The platform's web origin, the only one allowed to frame launched pages (CSP frame-ancestors).
    frame_origin: Mapped[str] = mapped_column(String(500), default="")
    jwks_cache: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LtiToolKey(Base):
    """The tool's RSA signing key (private part encrypted with a key derived from SECRET_KEY)."""

    __tablename__ = "lti_tool_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    private_pem_encrypted: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LtiLaunchState(Base):
    """One OIDC login initiation: its state and nonce, usable for exactly one launch."""

    __tablename__ = "lti_launch_states"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LtiUserLink(Base):
    """The platform's user (sub) that a local user account stands for."""

    __tablename__ = "lti_user_links"
    __table_args__ = (UniqueConstraint("platform_id", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    sub: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class LtiResourceLink(Base):
    """A placement of the course (whole course, a module or the final exam) in a platform's course."""

    __tablename__ = "lti_resource_links"
    __table_args__ = (UniqueConstraint("platform_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(Integer, index=True)
    deployment_id: Mapped[str] = mapped_column(String(255))
    resource_link_id: Mapped[str] = mapped_column(String(255))
    context_id: Mapped[str] = mapped_column(String(255), default="")
    course_slug: Mapped[str] = mapped_column(String(80))
    target: Mapped[str] = mapped_column(String(120))  # "course", "module:<id>" or "exam"
    title: Mapped[str] = mapped_column(String(300), default="")
    lineitems_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    lineitem_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    memberships_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)


class LtiLinkUser(Base):
    """A user who launched a resource link: their scores for it go back to that link's line item."""

    __tablename__ = "lti_link_users"
    __table_args__ = (UniqueConstraint("link_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("lti_resource_links.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sub: Mapped[str] = mapped_column(String(255))


class LtiScoreItem(OutboxRow, Base):
    """A score still to post to a platform's grade book (deleted once the platform acknowledged it)."""

    __tablename__ = "lti_score_outbox"
    __table_args__ = (UniqueConstraint("link_id", "attempt_id"),
                      Index("ix_lti_score_outbox_claim", "status", "next_attempt_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("lti_resource_links.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(Integer)
    attempt_id: Mapped[int] = mapped_column(Integer)
    sub: Mapped[str] = mapped_column(String(255))
    score_given: Mapped[float] = mapped_column(Float)
    score_maximum: Mapped[float] = mapped_column(Float)
    activity_progress: Mapped[str] = mapped_column(String(20))
    grading_progress: Mapped[str] = mapped_column(String(20))
    # Fixed when queued: a resend carries the same timestamp, so the platform records the score once.
    timestamp: Mapped[str] = mapped_column(String(40))
