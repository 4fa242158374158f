"""Identity providers per organisation, linked identities, replay guard and the organisation's login settings."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow

KINDS = ("oidc", "saml")


class IdentityProvider(Base):
    """An OpenID Connect or SAML 2.0 identity provider an organisation's admin has connected."""

    __tablename__ = "sso_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # OIDC: the issuer URL (discovery at <issuer>/.well-known/openid-configuration). SAML: the IdP's entity id.
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(300), default="")
    client_secret_enc: Mapped[str] = mapped_column(Text, default="")  # Fernet, key derived from SECRET_KEY
    metadata_xml: Mapped[str] = mapped_column(Text, default="")  # SAML: the IdP's metadata document
    # E-mail domains this organisation owns and routes to this provider (lower case, no "@").
    domains: Mapped[list] = mapped_column(JSON, default=list)
    jit: Mapped[bool] = mapped_column(Boolean, default=True)  # create unknown users at first sign-in
    default_role: Mapped[str] = mapped_column(String(10), default="learner")
    group_claim: Mapped[str] = mapped_column(String(100), default="groups")
    role_map: Mapped[dict] = mapped_column(JSON, default=dict)  # group name -> role
    department_claim: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SsoIdentity(Base):
    """The link between a provider's subject (OIDC sub, SAML NameID) and an LMS user."""

    __tablename__ = "sso_identities"
    __table_args__ = (UniqueConstraint("provider_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("sso_providers.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    last_login_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SeenAssertion(Base):
    """SAML assertion ids already consumed, kept until they expire, so a replayed assertion is refused."""

    __tablename__ = "sso_seen_assertions"

    assertion_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("sso_providers.id", ondelete="CASCADE"), index=True)
    not_on_or_after: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class LoginSettings(Base):
    """Per organisation: whether local passwords still work (admins always keep a break-glass login)."""

    __tablename__ = "sso_login_settings"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    password_login: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
