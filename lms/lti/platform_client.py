"""HTTP calls to a platform's services: OAuth2 client-credentials token (JWT assertion), AGS line items and scores,
NRPS memberships. Timeouts on every request, no redirects, proxies from the environment ignored."""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
from joserfc import jwt

from .models import LtiPlatform

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
MEMBERS_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class PlatformError(Exception):
    """A platform call failed; ``retry`` tells whether trying again later can help."""

    def __init__(self, message: str, retry: bool):
        super().__init__(message)
        self.retry = retry


@dataclass
class Session:
    """An HTTP client with a bearer token for one platform."""

    client: httpx.Client
    token: str

    def request(self, method: str, url: str, accept: str, **kwargs) -> httpx.Response:
        """Send a request with the token; PlatformError on a transport error or non-2xx answer."""
        headers = {"Authorization": f"Bearer {self.token}", "Accept": accept, **kwargs.pop("headers", {})}
        try:
            response = self.client.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise PlatformError(f"{method} {url}: {exc.__class__.__name__}", retry=True) from exc
        _raise_for(response, f"{method} {url}")
        return response


def _raise_for(response: httpx.Response, what: str) -> None:
    if response.is_success:
        return
    retry = response.status_code >= 500 or response.status_code in (401, 408, 425, 429)
    raise PlatformError(f"{what}: HTTP {response.status_code}", retry=retry)


def client_assertion(platform: LtiPlatform, key, now: float | None = None) -> str:
    """The signed JWT the tool presents instead of a client secret (IMS Security Framework 4.1)."""
    issued = int(now if now is not None else time.time())
    claims = {"iss": platform.client_id, "sub": platform.client_id, "aud": platform.auth_token_url,
              "iat": issued, "exp": issued + 300, "jti": secrets.token_urlsafe(16)}
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)


def open_session(platform: LtiPlatform, key, scopes: list[str]) -> Session:
    """Obtain an access token by the client-credentials grant and return a client that sends it."""
    client = httpx.Client(timeout=TIMEOUT, follow_redirects=False, trust_env=False)
    form = {"grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": client_assertion(platform, key), "scope": " ".join(scopes)}
    try:
        response = client.post(platform.auth_token_url, data=form, headers={"Accept": "application/json"})
        _raise_for(response, "token request")
        token = response.json()["access_token"]
    except httpx.HTTPError as exc:
        client.close()
        raise PlatformError(f"token request: {exc.__class__.__name__}", retry=True) from exc
    except PlatformError:
        client.close()
        raise
    except (ValueError, KeyError) as exc:
        client.close()
        raise PlatformError("token request: no access_token in the answer", retry=True) from exc
    return Session(client, token)


def scores_url(lineitem_url: str) -> str:
    """The line item's scores endpoint: '/scores' appended to the path, the query kept."""
    parts = urlsplit(lineitem_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def find_or_create_lineitem(session: Session, lineitems_url: str, resource_link_id: str, label: str,
                            maximum: float) -> str:
    """The line item URL for a resource link: an existing one bound to it, else a new one."""
    parts = urlsplit(lineitems_url)
    query = (parts.query + "&" if parts.query else "") + urlencode({"resource_link_id": resource_link_id})
    found = session.request("GET", urlunsplit(parts._replace(query=query)), LINEITEMS_TYPE).json()
    for item in found if isinstance(found, list) else []:
        if item.get("resourceLinkId") == resource_link_id and item.get("id"):
            return item["id"]
    body = {"scoreMaximum": maximum, "label": label or resource_link_id, "resourceLinkId": resource_link_id}
    created = session.request("POST", lineitems_url, LINEITEM_TYPE, json=body,
                              headers={"Content-Type": LINEITEM_TYPE}).json()
    if not created.get("id"):
        raise PlatformError("line item created without an id", retry=False)
    return created["id"]


def post_score(session: Session, lineitem_url: str, score: dict) -> None:
    """POST one score to the line item's scores endpoint."""
    session.request("POST", scores_url(lineitem_url), "application/json", json=score,
                    headers={"Content-Type": SCORE_TYPE})


def memberships(session: Session, url: str, limit: int = 20) -> list[dict]:
    """Every member of the context, following the NRPS 'next' links (bounded)."""
    members, pages = [], 0
    while url and pages < limit:
        response = session.request("GET", url, MEMBERS_TYPE)
        members.extend(response.json().get("members") or [])
        url = response.links.get("next", {}).get("url")
        pages += 1
    return members
