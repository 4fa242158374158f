"""LTI Dynamic Registration 1.0: the platform hands over its OpenID configuration URL and a registration token;
the tool reads the configuration, registers itself, and stores the platform with the client and deployment ids."""
from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from sqlalchemy.orm import Session

from ..auth.models import Organisation
from .models import LtiPlatform
from .services import PlatformFields, RegistrationError, save_platform

TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIG = "https://purl.imsglobal.org/spec/lti-platform-configuration"
SCOPES = ("https://purl.imsglobal.org/spec/lti-ags/scope/lineitem https://purl.imsglobal.org/spec/lti-ags/scope/score "
          "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly")
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def _origin(url: str) -> str:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}"


def read_configuration(config_url: str) -> dict:
    """The platform's OpenID configuration; its issuer must be on the configuration URL's origin."""
    if urlsplit(config_url or "").scheme not in ("http", "https"):
        raise RegistrationError("openid_configuration is not an http(s) URL")
    try:
        response = httpx.get(config_url, timeout=TIMEOUT, follow_redirects=False, trust_env=False)
        response.raise_for_status()
        config = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise RegistrationError(f"platform configuration unavailable: {exc.__class__.__name__}") from exc
    needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")
    if not isinstance(config, dict) or any(not config.get(key) for key in needed):
        raise RegistrationError("platform configuration incomplete")
    if _origin(config["issuer"]) != _origin(config_url):
        raise RegistrationError("issuer does not match the configuration URL")
    return config


def tool_registration(urls: dict, name: str) -> dict:
    """The client registration the tool sends (OpenID Connect Dynamic Client Registration with the LTI extension)."""
    return {"application_type": "web", "response_types": ["id_token"], "grant_types": ["implicit", "client_credentials"],
            "initiate_login_uri": urls["login"], "redirect_uris": [urls["launch"]], "client_name": name,
            "jwks_uri": urls["jwks"], "token_endpoint_auth_method": "private_key_jwt", "scope": SCOPES,
            TOOL_CONFIG: {"domain": urlsplit(urls["launch"]).netloc, "target_link_uri": urls["launch"],
                          "claims": ["iss", "sub", "name", "email"],
                          "messages": [{"type": "LtiResourceLinkRequest"},
                                       {"type": "LtiDeepLinkingRequest", "target_link_uri": urls["launch"]}]}}


def register(db: Session, org: Organisation, config_url: str, registration_token: str | None, urls: dict,
             name: str) -> LtiPlatform:
    """Register this tool with the platform and store the platform for the organisation."""
    config = read_configuration(config_url)
    headers = {"Authorization": f"Bearer {registration_token}"} if registration_token else {}
    try:
        response = httpx.post(config["registration_endpoint"], json=tool_registration(urls, name), headers=headers,
                              timeout=TIMEOUT, follow_redirects=False, trust_env=False)
        response.raise_for_status()
        answer = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise RegistrationError(f"registration refused by the platform: {exc.__class__.__name__}") from exc
    deployment = (answer.get(TOOL_CONFIG) or {}).get("deployment_id")
    if not answer.get("client_id") or not deployment:
        raise RegistrationError("the platform answered without client_id or deployment_id")
    platform_name = (config.get(PLATFORM_CONFIG) or {}).get("product_family_code") or config["issuer"]
    fields = PlatformFields(str(platform_name)[:200], config["issuer"], str(answer["client_id"]),
                            config["authorization_endpoint"], config["token_endpoint"], config["jwks_uri"],
                            [str(deployment)])
    return save_platform(db, org, fields)
