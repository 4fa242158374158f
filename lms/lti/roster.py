"""Names and Role Provisioning: bring a platform course's members into the organisation (instructors → trainers)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy.orm import Session

from . import platform_client as pc
from .keys import signing_key
from .launch import LaunchError
from .models import LtiPlatform, LtiResourceLink
from .services import provision_user


@dataclass(frozen=True)
class SyncResult:
    """How many members were seen and provisioned."""

    members: int
    provisioned: int


def fetch_members(db: Session, link: LtiResourceLink) -> list[dict]:
    """Read the context's members from the platform (network; call outside a write transaction)."""
    if not link.memberships_url:
        raise pc.PlatformError("the platform offers no roster for this link", retry=False)
    platform = db.get(LtiPlatform, link.platform_id)
    session = pc.open_session(platform, signing_key(db), [pc.SCOPE_NRPS])
    try:
        return pc.memberships(session, link.memberships_url,
                              int(current_app.config.get("LTI_NRPS_MAX_PAGES", 20)))
    finally:
        session.client.close()


def apply_members(db: Session, link: LtiResourceLink, members: list[dict]) -> SyncResult:
    """Provision every active member as a user of the link's organisation, with the mapped role."""
    platform = db.get(LtiPlatform, link.platform_id)
    done = 0
    for member in members:
        if member.get("status", "Active") != "Active" or not member.get("user_id"):
            continue
        try:
            provision_user(db, platform, str(member["user_id"]), email=member.get("email"),
                           name=member.get("name") or "", roles=member.get("roles") or [])
        except LaunchError:  # a deactivated account stays deactivated
            continue
        done += 1
    return SyncResult(len(members), done)
