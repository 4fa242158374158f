"""OpenID Connect relying party: authorization code flow with PKCE (Authlib) and ID-token checks (joserfc)."""
from __future__ import annotations

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from .errors import SsoError
from .models import IdentityProvider
from .services import VerifiedIdentity, client_secret, now

TIMEOUT = 10
SCOPE = "openid email profile"
CLAIM_ERRORS = {"aud": "audience", "azp": "audience", "iss": "issuer", "nonce": "nonce", "exp": "expired"}


def _get_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=TIMEOUT, allow_redirects=False)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as exc:
        raise SsoError("provider_error", f"{url}: {exc}") from exc


def discover(provider: IdentityProvider) -> dict:
    """The provider's metadata; its issuer must equal the configured one exactly (OIDC Discovery 4.3)."""
    metadata = _get_json(provider.issuer.rstrip("/") + "/.well-known/openid-configuration")
    if metadata.get("issuer") != provider.issuer:
        raise SsoError("issuer", f"discovery names {metadata.get('issuer')!r}")
    return metadata


def _scope(metadata: dict) -> str:
    # Groups decide roles; ask for them where the provider offers a scope of that name (Keycloak, node-oidc-provider).
    return SCOPE + (" groups" if "groups" in metadata.get("scopes_supported", []) else "")


def _client(provider: IdentityProvider, redirect_uri: str, scope: str = SCOPE, **kwargs) -> OAuth2Session:
    return OAuth2Session(provider.client_id, client_secret(provider) or None, scope=scope,
                         redirect_uri=redirect_uri, code_challenge_method="S256", timeout=TIMEOUT, **kwargs)


def start(provider: IdentityProvider, redirect_uri: str) -> tuple[str, dict]:
    """The authorization URL to send the browser to, and what the callback needs to check (kept in the session)."""
    metadata = discover(provider)
    verifier, nonce = generate_token(48), generate_token(24)
    url, state = _client(provider, redirect_uri, _scope(metadata)).create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
    return url, {"provider": provider.id, "state": state, "nonce": nonce, "verifier": verifier}


def finish(provider: IdentityProvider, pending: dict, args: dict, redirect_uri: str) -> VerifiedIdentity:
    """Exchange the code and verify the ID token; SsoError with the reason otherwise."""
    if args.get("error"):
        raise SsoError("denied", str(args.get("error"))[:200])
    if not pending or pending.get("provider") != provider.id or args.get("state") != pending.get("state"):
        raise SsoError("state")
    metadata = discover(provider)
    if args.get("iss") is not None and args["iss"] != metadata["issuer"]:  # RFC 9207 mix-up defence
        raise SsoError("issuer", "authorization response iss")
    try:
        token = _client(provider, redirect_uri, state=pending["state"]).fetch_token(
            metadata["token_endpoint"], code=args.get("code", ""), code_verifier=pending["verifier"])
    except Exception as exc:  # Authlib raises OAuthError or requests errors: either way the provider refused
        raise SsoError("provider_error", f"token endpoint: {exc}") from exc
    claims = verify_id_token(token, metadata, provider.client_id, pending["nonce"])
    if not claims.get("email"):
        claims = {**_userinfo(token, metadata), **claims}
    if not claims.get("email"):
        raise SsoError("no_email")
    return VerifiedIdentity(subject=str(claims["sub"]), email=str(claims["email"]), name=str(claims.get("name") or ""),
                            groups=_as_list(claims.get("groups")), department=claims.get("department"),
                            id_token=token.get("id_token"))


def verify_id_token(token: dict, metadata: dict, client_id: str, nonce: str) -> dict:
    """Check the ID token's signature against the provider's JWKS and its iss, aud, azp, exp, nonce, at_hash."""
    if "id_token" not in token:
        raise SsoError("signature", "no id_token in the token response")
    algorithms = [a for a in metadata.get("id_token_signing_alg_values_supported", ["RS256"]) if a != "none"]
    try:
        decoded = jwt.decode(token["id_token"], KeySet.import_key_set(_get_json(metadata["jwks_uri"])),
                             registry=JWSRegistry(algorithms=algorithms))
    except JoseError as exc:
        raise SsoError("signature", str(exc)) from exc
    options = {"iss": {"essential": True, "value": metadata["issuer"]}, "aud": {"essential": True, "value": client_id}}
    params = {"nonce": nonce, "client_id": client_id, "access_token": token.get("access_token")}
    claims = CodeIDToken(decoded.claims, decoded.header, options, params)
    try:
        claims.validate(now=int(now().timestamp()), leeway=30)
    except ExpiredTokenError as exc:
        raise SsoError("expired", str(exc)) from exc
    except ClaimError as exc:
        raise SsoError(CLAIM_ERRORS.get(exc.claim, "signature"), str(exc)) from exc
    return dict(claims)


def _userinfo(token: dict, metadata: dict) -> dict:
    if not metadata.get("userinfo_endpoint"):
        return {}
    try:
        response = requests.get(metadata["userinfo_endpoint"], timeout=TIMEOUT, allow_redirects=False,
                                headers={"Authorization": f"Bearer {token.get('access_token', '')}"})
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError):
        return {}


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def logout_url(provider: IdentityProvider, id_token: str | None, return_to: str) -> str | None:
    """The provider's end-session URL for RP-initiated logout, or None when it has none."""
    try:
        endpoint = discover(provider).get("end_session_endpoint")
    except SsoError:
        return None
    if not endpoint:
        return None
    from urllib.parse import urlencode

    params = {"client_id": provider.client_id, "post_logout_redirect_uri": return_to}
    if id_token:
        params["id_token_hint"] = id_token
    return f"{endpoint}?{urlencode(params)}"
