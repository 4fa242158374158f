"""OIDC login initiation and id_token validation (signature by the platform's JWKS, claims, nonce, deployment)."""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..db import utcnow
from .models import LtiLaunchState, LtiPlatform

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
MESSAGE_TYPES = ("LtiResourceLinkRequest", "LtiDeepLinkingRequest")
STATE_SECONDS = 600
LEEWAY = 30


class LaunchError(ValueError):
    """A login initiation or launch that must be refused; the message says why (shown to the user, logged)."""


@dataclass(frozen=True)
class LoginRedirect:
    """Where to send the browser after login initiation."""

    url: str
    state: str


def find_platform(db: Session, issuer: str, client_id: str | None) -> LtiPlatform:
    """The registered platform for an issuer (and client id when the platform sends one)."""
    query = select(LtiPlatform).where(LtiPlatform.issuer == issuer)
    if client_id:
        query = query.where(LtiPlatform.client_id == client_id)
    platforms = db.scalars(query).all()
    if len(platforms) != 1:
        raise LaunchError("unknown platform" if not platforms else "several registrations: client_id required")
    return platforms[0]


def begin_login(db: Session, params: dict, redirect_uri: str) -> LoginRedirect:
    """Third-party initiated login: remember a fresh state and nonce, and build the platform's auth request."""
    for name in ("iss", "login_hint", "target_link_uri"):
        if not params.get(name):
            raise LaunchError(f"missing {name}")
    platform = find_platform(db, params["iss"], params.get("client_id"))
    deployment = params.get("lti_deployment_id")
    if deployment and deployment not in (platform.deployment_ids or []):
        raise LaunchError("unknown deployment")
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    # Old login states are useless after STATE_SECONDS; a day's margin keeps replays of them recognisable.
    db.execute(delete(LtiLaunchState).where(LtiLaunchState.created_at < utcnow() - timedelta(days=1)))
    db.add(LtiLaunchState(state=state, nonce=nonce, platform_id=platform.id, created_at=utcnow()))
    query = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
             "client_id": platform.client_id, "redirect_uri": redirect_uri, "login_hint": params["login_hint"],
             "state": state, "nonce": nonce}
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    separator = "&" if "?" in platform.auth_login_url else "?"
    return LoginRedirect(platform.auth_login_url + separator + urlencode(query), state)


def fetch_jwks(platform: LtiPlatform, refresh: bool = False, timeout: float = 10.0) -> KeySet:
    """The platform's public keys (cached on the row; fetched again when a kid is unknown)."""
    if platform.jwks_cache and not refresh:
        return KeySet.import_key_set(platform.jwks_cache)
    try:
        response = httpx.get(platform.jwks_url, timeout=timeout, follow_redirects=False, trust_env=False)
        response.raise_for_status()
        data = response.json()
        keys = KeySet.import_key_set(data)
    except (httpx.HTTPError, ValueError, JoseError) as exc:
        raise LaunchError(f"platform JWKS unavailable: {exc}") from exc
    platform.jwks_cache = data
    return keys


def _decode(platform: LtiPlatform, id_token: str):
    keys = fetch_jwks(platform)
    kid = _header_kid(id_token)
    if kid and all(k.kid != kid for k in keys.keys):
        keys = fetch_jwks(platform, refresh=True)  # the platform rotated its key
    try:
        return jwt.decode(id_token, keys, algorithms=["RS256"])
    except (JoseError, ValueError) as exc:
        raise LaunchError(f"id_token signature invalid: {exc}") from exc


def _header_kid(token: str) -> str | None:
    from joserfc import jws

    try:
        return jws.extract_compact(token.encode()).protected.get("kid")
    except (JoseError, ValueError):
        raise LaunchError("id_token is not a JWS") from None


def _check_claims(platform: LtiPlatform, claims: dict, now: int) -> None:
    registry = jwt.JWTClaimsRegistry(now=now, leeway=LEEWAY, iss={"essential": True, "value": platform.issuer},
                                     exp={"essential": True}, iat={"essential": True}, sub={"essential": False})
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise LaunchError(f"id_token claims invalid: {exc}") from exc
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if platform.client_id not in audiences:
        raise LaunchError("id_token audience is not this tool")
    if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != platform.client_id:
        raise LaunchError("id_token azp is not this tool")
    if claims.get(CLAIM + "deployment_id") not in (platform.deployment_ids or []):
        raise LaunchError("unknown deployment")
    if claims.get(CLAIM + "version") != "1.3.0":
        raise LaunchError("unsupported LTI version")
    if claims.get(CLAIM + "message_type") not in MESSAGE_TYPES:
        raise LaunchError("unsupported message type")


def validate_launch(db: Session, state: str, id_token: str, now: float | None = None) -> tuple[LtiPlatform, dict]:
    """Check the launch's state, signature and claims, and use up its nonce; returns the platform and claims."""
    now = int(now if now is not None else time.time())
    row = db.get(LtiLaunchState, state or "")
    if row is None or row.used_at is not None:
        raise LaunchError("unknown or used state")
    if row.created_at < utcnow() - timedelta(seconds=STATE_SECONDS):
        raise LaunchError("login expired")
    platform = db.get(LtiPlatform, row.platform_id)
    token = _decode(platform, id_token)
    claims = dict(token.claims)
    _check_claims(platform, claims, now)
    if claims.get("nonce") != row.nonce:
        raise LaunchError("nonce mismatch")
    # Mark used with a guarded update, so two concurrent posts of the same token cannot both succeed.
    used = db.execute(update(LtiLaunchState).where(LtiLaunchState.state == state, LtiLaunchState.used_at.is_(None))
                      .values(used_at=utcnow())).rowcount
    if used != 1:
        raise LaunchError("replayed launch")
    return platform, claims
