"""Host identity: a host app with its own accounts hands its signed-in user to the LMS (no second sign-in).

The host registers a loader on the LMS object::

    @lms.identity_loader
    def current_host_user():
        user = my_accounts.current_user()
        return HostIdentity(email=user.email, name=user.name, organisation="acme") if user else None

Before each request under the LMS's prefix, ``sync_host_identity`` asks the loader. A new or different host user
is mapped to an LMS user (by e-mail, within the organisation named by the identity or HOST_IDENTITY_ORGANISATION;
user and organisation are created just in time when HOST_IDENTITY_JIT is on) and signed in through ``sessions.start_session``, the same path
as the password form, so idle and absolute timeouts, token rotation and the audit trail apply unchanged. When the
host signs its user out, the LMS session that the bridge started ends too. Mapping refusals are a 403.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, request, session
from sqlalchemy import select

from .. import db as dbmod
from ..audit.services import record
from ..db import get_session
from ..extension import current_lms
from . import services, sessions
from .models import ROLES, Organisation, User

#: Session key holding the e-mail the bridge signed in (so a host sign-out ends exactly that LMS session).
BRIDGED = "_lms_host_identity"


@dataclass(frozen=True)
class HostIdentity:
    """The host's signed-in user as the LMS needs it; role None keeps an existing user's role (new: learner);
    department and the organisation's name are used when the LMS creates the user or organisation."""

    email: str
    name: str = ""
    organisation: str = ""
    organisation_name: str = ""
    role: str | None = None
    department: str = ""


class HostIdentityRefused(Exception):
    """The host's user cannot be mapped to an LMS user (unknown and no JIT, other organisation, deactivated)."""


def sync_host_identity() -> None:
    """Before each LMS request: follow the host's signed-in user (sign in, switch, or sign out)."""
    loader = current_lms().identity_loader_func
    if loader is None or request.routing_exception is not None or request.endpoint == "lms.static":
        return
    identity = loader()
    bridged = session.get(BRIDGED)
    if identity is None:
        if bridged:
            sessions.end_session()
        return
    email = identity.email.strip().lower()
    if bridged == email and "_user_id" in session:
        return
    # Signing in writes (last_login_at, perhaps a new user): take the write lock before the first query.
    dbmod.write_intent.set(True)
    db = get_session()
    try:
        user = map_identity(db, identity)
    except HostIdentityRefused:
        sessions.end_session()
        abort(403)
    sessions.start_session(user)
    session[BRIDGED] = email


def map_identity(db, identity: HostIdentity) -> User:
    """The LMS user for a host identity: matched by e-mail in its organisation, or created (HOST_IDENTITY_JIT)."""
    config = current_app.config
    email = identity.email.strip().lower()
    slug = identity.organisation or config.get("HOST_IDENTITY_ORGANISATION", "")
    if not slug:
        raise HostIdentityRefused("no organisation")
    org = db.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is None:
        if not config.get("HOST_IDENTITY_JIT"):
            raise HostIdentityRefused("unknown organisation")
        org = services.create_organisation(db, identity.organisation_name or slug, slug)
    if identity.role is not None and identity.role not in ROLES:
        raise HostIdentityRefused("unknown role")
    user = db.scalar(select(User).where(User.email == email))
    if user is None:
        if not config.get("HOST_IDENTITY_JIT"):
            raise HostIdentityRefused("no LMS account")
        try:
            user = services.create_user(db, org, email=email, name=identity.name or email, role=identity.role or
                                        "learner", password=services.generate_password(),
                                        department=identity.department)
        except services.AccountError as exc:  # e.g. the host's e-mail address is not a valid one
            raise HostIdentityRefused(str(exc)) from exc
        record(db, None, "user.create", target_type="user", target_id=user.id, target_label=email,
               details={"via": "host identity", "role": user.role}, org_id=org.id)
        return user
    if user.org_id != org.id or not user.active:
        raise HostIdentityRefused("other organisation or deactivated")
    if identity.role is not None and identity.role != user.role:
        record(db, None, "user.role_change", target_type="user", target_id=user.id, target_label=email,
               details={"via": "host identity", "from": user.role, "to": identity.role}, org_id=org.id)
        user.role = identity.role
        db.flush()
    return user
