"""LTI writes: platform registration, user provisioning with role mapping, resource links and their targets."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.external import placeholder_email
from ..auth.models import Organisation, User
from ..auth.services import create_user, generate_password
from .launch import AGS_CLAIM, CLAIM, NRPS_CLAIM, LaunchError
from .models import LtiLinkUser, LtiPlatform, LtiResourceLink, LtiUserLink

STAFF_ROLES = ("#Instructor", "#Administrator", "#ContentDeveloper", "#TeachingAssistant")
CUSTOM = CLAIM + "custom"


class RegistrationError(ValueError):
    """Platform details an admin must correct."""


@dataclass(frozen=True)
class PlatformFields:
    """What an admin enters to register a platform."""

    name: str
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    jwks_url: str
    deployment_ids: list[str]


def origin_of(url: str) -> str:
    """scheme://host[:port] of an http(s) URL; RegistrationError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RegistrationError(f"not an http(s) URL: {url}")
    return f"{parts.scheme}://{parts.netloc}"


def save_platform(db: Session, org: Organisation, fields: PlatformFields, platform: LtiPlatform | None = None
                  ) -> LtiPlatform:
    """Register (or update) a platform for the organisation; the frame origin is the auth URL's origin."""
    for url in (fields.issuer, fields.auth_login_url, fields.auth_token_url, fields.jwks_url):
        origin_of(url)
    if not fields.client_id.strip() or not fields.deployment_ids:
        raise RegistrationError("client id and at least one deployment id are required")
    clash = db.scalar(select(LtiPlatform.id).where(LtiPlatform.issuer == fields.issuer,
                                                   LtiPlatform.client_id == fields.client_id))
    if clash is not None and (platform is None or clash != platform.id):
        raise RegistrationError("this issuer and client id are already registered")
    if platform is None:
        platform = LtiPlatform(org_id=org.id)
        db.add(platform)
    platform.name, platform.issuer, platform.client_id = fields.name.strip(), fields.issuer, fields.client_id.strip()
    platform.auth_login_url, platform.auth_token_url = fields.auth_login_url, fields.auth_token_url
    if platform.jwks_url != fields.jwks_url:
        platform.jwks_cache = None
    platform.jwks_url, platform.deployment_ids = fields.jwks_url, list(dict.fromkeys(fields.deployment_ids))
    platform.frame_origin = origin_of(fields.auth_login_url)
    db.flush()
    return platform


def role_for(roles: list) -> str:
    """LTI membership roles → local role: instructors and platform admins become trainers, everyone else learns."""
    return "trainer" if any(str(role).endswith(STAFF_ROLES) for role in roles or []) else "learner"


def provision_user(db: Session, platform: LtiPlatform, sub: str, *, email: str | None, name: str,
                   roles: list) -> User:
    """The local user for a platform user: linked before, matched by e-mail in the same organisation, or created."""
    if not sub:
        raise LaunchError("launch without a user (sub)")
    link = db.scalar(select(LtiUserLink).where(LtiUserLink.platform_id == platform.id, LtiUserLink.sub == sub))
    wanted = role_for(roles)
    if link is not None:
        user = db.get(User, link.user_id)
    else:
        email = (email or "").strip().lower()
        user = db.scalar(select(User).where(User.email == email)) if email else None
        if user is not None and user.org_id != platform.org_id:
            user = None
            email = placeholder_email("lti", platform.id, sub)  # the address belongs to another organisation's account
        if user is None:
            org = db.get(Organisation, platform.org_id)
            user = create_user(db, org, email=email or placeholder_email("lti", platform.id, sub),
                               name=name or sub[:200], password=generate_password(), role=wanted)
        db.add(LtiUserLink(platform_id=platform.id, sub=sub, user_id=user.id))
    if not user.active:
        raise LaunchError("this account is deactivated")
    if user.role == "learner" and wanted == "trainer":
        user.role = "trainer"
    if name and user.name != name:
        user.name = name[:200]
    db.flush()
    return user


def parse_target(custom: dict, catalog_courses: dict, default_slug: str | None) -> tuple[str, str]:
    """The course slug and target ("course", "module:<id>", "exam") a launch asks for, checked against the catalog."""
    slug = (custom or {}).get("course") or default_slug
    course = catalog_courses.get(slug or "")
    if course is None:
        raise LaunchError("unknown course")
    target = (custom or {}).get("target") or "course"
    if target.startswith("module:") and course.module(target.split(":", 1)[1]) is None:
        raise LaunchError("unknown module")
    if target not in ("course", "exam") and not target.startswith("module:"):
        raise LaunchError("unknown target")
    if target == "exam" and not course.final_exam:
        raise LaunchError("this course has no final exam")
    return slug, target


def record_link(db: Session, platform: LtiPlatform, claims: dict, user: User, slug: str, target: str
                ) -> LtiResourceLink:
    """Store (or refresh) the resource link and its service URLs, and that this user launched it."""
    resource = claims.get(CLAIM + "resource_link") or {}
    if not resource.get("id"):
        raise LaunchError("launch without a resource link id")
    link = db.scalar(select(LtiResourceLink).where(LtiResourceLink.platform_id == platform.id,
                                                   LtiResourceLink.resource_link_id == resource["id"]))
    if link is None:
        link = LtiResourceLink(platform_id=platform.id, org_id=platform.org_id, resource_link_id=resource["id"])
        db.add(link)
    ags = claims.get(AGS_CLAIM) or {}
    link.deployment_id = claims[CLAIM + "deployment_id"]
    link.context_id = str((claims.get(CLAIM + "context") or {}).get("id") or "")
    link.course_slug, link.target, link.title = slug, target, str(resource.get("title") or "")[:300]
    link.lineitems_url = ags.get("lineitems") or link.lineitems_url
    link.lineitem_url = ags.get("lineitem") or link.lineitem_url
    link.memberships_url = (claims.get(NRPS_CLAIM) or {}).get("context_memberships_url") or link.memberships_url
    db.flush()
    if db.scalar(select(LtiLinkUser.id).where(LtiLinkUser.link_id == link.id, LtiLinkUser.user_id == user.id)) is None:
        db.add(LtiLinkUser(link_id=link.id, user_id=user.id, sub=claims["sub"]))
        db.flush()
    return link
