"""SSO writes: connecting providers, the organisation's login settings, and signing people in from verified claims."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..auth import services as accounts
from ..auth.models import ROLES, Organisation, User
from ..clock import now
from ..db import utcnow
from ..forwarding.crypto import decrypt_secret, encrypt_secret
from .errors import SsoError
from .models import IdentityProvider, LoginSettings, SeenAssertion, SsoIdentity

ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}


def external_url(endpoint: str, **values) -> str:
    """An absolute URL from BASE_IRI, so redirect URIs and entity ids do not depend on the request's Host."""
    from flask import url_for

    return current_app.config["BASE_IRI"].rstrip("/") + url_for(endpoint, **values)


@dataclass
class VerifiedIdentity:
    """What a provider asserted about the person, after the protocol library verified it."""

    subject: str
    email: str
    name: str
    groups: list[str] = field(default_factory=list)
    department: str | None = None
    id_token: str | None = None  # OIDC: kept for RP-initiated logout (id_token_hint)


def email_domain(email: str) -> str:
    """The lower-cased domain of an address, '' when it has none."""
    return email.strip().lower().rpartition("@")[2] if "@" in email else ""


def provider_for_email(db: Session, email: str) -> IdentityProvider:
    """The enabled provider that owns the address's domain, else SsoError('unknown_domain')."""
    domain = email_domain(email)
    if domain:
        for provider in db.scalars(select(IdentityProvider).where(IdentityProvider.enabled.is_(True))):
            if domain in (provider.domains or []):
                return provider
    raise SsoError("unknown_domain")


def password_login_allowed(db: Session, user: User) -> bool:
    """Whether a user may sign in with a local password (admins always may: break-glass access)."""
    if user.role == "admin":
        return True
    settings = db.get(LoginSettings, user.org_id)
    return settings is None or settings.password_login


def password_login_refusal(db: Session, user: User):
    """The message refusing a password sign-in the organisation has switched off, else None."""
    if password_login_allowed(db, user):
        return None
    from .errors import MESSAGES

    return MESSAGES["password_login_off"]


def set_password_login(db: Session, org: Organisation, allowed: bool, actor: User) -> LoginSettings:
    """Switch local passwords on or off for an organisation's non-admin users."""
    settings = db.get(LoginSettings, org.id) or LoginSettings(org_id=org.id)
    settings.password_login, settings.updated_at, settings.updated_by = allowed, utcnow(), actor.id
    db.add(settings)
    db.flush()
    return settings


def save_provider(db: Session, org: Organisation, provider: IdentityProvider | None, *, client_secret: str = "",
                  **fields) -> IdentityProvider:
    """Create or update an organisation's provider; an empty secret keeps the stored one."""
    domains = sorted({d.strip().lower().lstrip("@") for d in fields.pop("domains", []) if d.strip()})
    others = db.scalars(select(IdentityProvider).where(IdentityProvider.org_id != org.id)).all()
    if any(set(domains) & set(other.domains or []) for other in others):
        raise SsoError("domain_taken")  # a domain routes to one organisation only
    provider = provider or IdentityProvider(org_id=org.id)
    for key, value in fields.items():
        setattr(provider, key, value)
    provider.domains = domains
    if client_secret:
        provider.client_secret_enc = encrypt_secret(client_secret)
    db.add(provider)
    db.flush()
    return provider


def client_secret(provider: IdentityProvider) -> str:
    """The decrypted OIDC client secret ('' for none)."""
    return decrypt_secret(provider.client_secret_enc) if provider.client_secret_enc else ""


def delete_provider(db: Session, provider: IdentityProvider) -> None:
    """Remove a provider and its identity links (the users stay)."""
    db.execute(delete(SsoIdentity).where(SsoIdentity.provider_id == provider.id))
    db.execute(delete(SeenAssertion).where(SeenAssertion.provider_id == provider.id))
    db.delete(provider)
    db.flush()


def consume_assertion(db: Session, provider: IdentityProvider, assertion_id: str, not_on_or_after: datetime) -> None:
    """Remember a SAML assertion id until it expires; a second use is a replay."""
    db.execute(delete(SeenAssertion).where(SeenAssertion.not_on_or_after < now()))
    if db.get(SeenAssertion, assertion_id) is not None:
        raise SsoError("replay")
    db.add(SeenAssertion(assertion_id=assertion_id, provider_id=provider.id, not_on_or_after=not_on_or_after))
    db.flush()


def mapped_role(provider: IdentityProvider, groups: list[str]) -> str | None:
    """The highest role any of the person's groups maps to, or None when no group is mapped."""
    roles = [provider.role_map[g] for g in groups if (provider.role_map or {}).get(g) in ROLE_RANK]
    return max(roles, key=ROLE_RANK.__getitem__) if roles else None


def sign_in_user(db: Session, provider: IdentityProvider, person: VerifiedIdentity) -> User:
    """The LMS user for a verified identity: linked, matched by e-mail in the organisation, or created (JIT)."""
    link = db.scalar(select(SsoIdentity).where(SsoIdentity.provider_id == provider.id,
                                               SsoIdentity.subject == person.subject))
    user = db.get(User, link.user_id) if link else _match_or_create(db, provider, person)
    if user.org_id != provider.org_id:
        raise SsoError("not_provisioned")
    if not user.active:
        raise SsoError("deactivated")
    role = mapped_role(provider, person.groups)
    if role:
        user.role = role
    if provider.department_claim and person.department is not None:
        user.department = accounts.department_named(db, user.organisation, person.department)
    if link is None:
        link = SsoIdentity(provider_id=provider.id, subject=person.subject, user_id=user.id)
        db.add(link)
    link.last_login_at = utcnow()
    db.flush()
    return user


def _match_or_create(db: Session, provider: IdentityProvider, person: VerifiedIdentity) -> User:
    email = person.email.strip().lower()
    if email_domain(email) not in (provider.domains or []):
        raise SsoError("domain_mismatch")
    user = db.scalar(select(User).where(User.email == email))
    if user is not None:
        return user
    if not provider.jit:
        raise SsoError("not_provisioned")
    org = db.get(Organisation, provider.org_id)
    role = mapped_role(provider, person.groups) or provider.default_role
    return accounts.create_user(db, org, email=email, name=person.name or email, role=role,
                                password=accounts.generate_password(), department=person.department or "")
