"""LRS request handling shared by every /xapi/ resource: Basic auth per credential, version header,
the body size limit and the Alternate Request Syntax (Communication 1.3)."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import partial
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

from flask import after_this_request, current_app, g, jsonify, request
from sqlalchemy import bindparam, select, update
from werkzeug.datastructures import Authorization, Headers, MultiDict

from .. import extension
from . import credential_cache
from ..db import before_commit, get_session, read_phase, utcnow
from .models import LRSCredential

SUPPORTED_VERSIONS = ("1.0.0", "1.0.1", "1.0.2", "1.0.3", "2.0.0")
RESPONSE_VERSION = "1.0.3"  # the answer to 1.0.x requests; 2.0.x requests are answered as 2.0.0
VERSION_2 = "2.0.0"
DEFAULT_MAX_BODY = 10 * 1024 * 1024
# Form fields the Alternate Request Syntax carries instead of HTTP headers (Communication 1.3).
FORM_HEADERS = ("Authorization", "X-Experience-API-Version", "Content-Type", "Content-Length", "If-Match",
                "If-None-Match")
ALTERNATE_METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE")


@dataclass(frozen=True)
class LRSClient:
    """The authenticated client of a request: its organisation and what it may do."""

    credential_id: int
    org_id: int
    name: str
    scope: str

    def authority(self) -> dict:
        """The Agent the LRS records as a statement's authority for this client (homePage: the LMS's BASE_IRI and prefix)."""
        # Never the request's Host header: a client must not choose what the LRS writes into its statements.
        home = extension.home_iri().rstrip("/")
        return {"objectType": "Agent", "name": self.name,
                "account": {"homePage": home, "name": f"lrs-client-{self.credential_id}"}}


@dataclass
class XAPIRequest:
    """The request as the xAPI sees it, after unpacking the Alternate Request Syntax."""

    method: str
    params: MultiDict
    headers: Headers
    body: bytes
    alternate: bool = False

    @property
    def content_type(self) -> str:
        """The Content-Type header value (the form field in the alternate syntax)."""
        return self.headers.get("Content-Type", "")

    @property
    def mimetype(self) -> str:
        """The lower-case media type without parameters."""
        return self.content_type.split(";")[0].strip().lower()


class LRSRequestError(Exception):
    """A request the LRS rejects before it reaches the resource (status and message)."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


def hash_secret(secret: str) -> str:
    """Hash a client secret (high-entropy random, so one SHA-256 with a pepper-free salt is enough)."""
    salt = secrets.token_hex(8)
    return f"sha256${salt}${hashlib.sha256((salt + secret).encode()).hexdigest()}"


def check_secret(secret: str, stored: str) -> bool:
    """Compare a client secret with its stored hash in constant time."""
    try:
        _algo, salt, digest = stored.split("$", 2)
    except ValueError:
        return False
    return hmac.compare_digest(hashlib.sha256((salt + secret).encode()).hexdigest(), digest)


def create_credential(db, org_id: int, name: str, scope: str = "all") -> tuple[LRSCredential, str]:
    """Create a credential; returns it and the secret, which is never shown again."""
    secret = secrets.token_urlsafe(32)
    credential = LRSCredential(org_id=org_id, name=name, key=secrets.token_hex(12), secret_hash=hash_secret(secret),
                               scope=scope)
    db.add(credential)
    db.flush()
    return credential, secret


def response_version() -> str:
    """The X-Experience-API-Version of this request's answer: 2.0.0 for a 2.0 request, else 1.0.3.

    A request that names no usable version (header missing or unsupported) is answered in the configured
    XAPI_DEFAULT_VERSION, so errors about the header itself carry the version the deployment speaks.
    """
    version = g.get("xapi_version") or _raw_request_version()
    if version is None:
        version = current_app.config.get("XAPI_DEFAULT_VERSION", RESPONSE_VERSION)
    return VERSION_2 if str(version).startswith("2.") else RESPONSE_VERSION


def _raw_request_version() -> str | None:
    if "xapi_request" in g:
        return request_version(g.xapi_request.headers.get("X-Experience-API-Version"))
    return request_version(request.headers.get("X-Experience-API-Version"))


def xapi_error(status: int, message: str, headers: dict | None = None):
    """A JSON error response with the xAPI version header."""
    response = jsonify({"error": message, "code": status})
    response.status_code = status
    response.headers["X-Experience-API-Version"] = response_version()
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def request_version(value: str | None = None) -> str | None:
    """The X-Experience-API-Version of the request, normalised to a supported version, or None if unsupported."""
    if value is None:
        headers = g.xapi_request.headers if "xapi_request" in g else request.headers
        value = headers.get("X-Experience-API-Version")
    value = (value or "").strip()
    if value in SUPPORTED_VERSIONS:
        return value
    if value == "1.0":
        return "1.0.0"  # Communication 3.3: "1.0" is treated as "1.0.0"
    if value.startswith("1.0.") or value.startswith("2.0."):
        parts = value.split(".")
        if len(parts) == 3 and all(p.isascii() and p.isdigit() and len(p) < 6 for p in parts):
            return value
    return None


def max_body() -> int:
    """The largest request body the LRS accepts (config XAPI_MAX_BODY, bytes)."""
    return int(current_app.config.get("XAPI_MAX_BODY", DEFAULT_MAX_BODY))


def read_body() -> bytes:
    """Read the request body, refusing (413) anything over the configured limit."""
    limit = max_body()
    req = request._get_current_object()  # one proxy look-up instead of one per attribute
    if req.content_length is not None and req.content_length > limit:
        raise LRSRequestError(413, f"Request body larger than the LRS accepts ({limit} bytes).")
    body = req.stream.read(limit + 1)
    if len(body) > limit:
        raise LRSRequestError(413, f"Request body larger than the LRS accepts ({limit} bytes).")
    return body


def parse_xapi_request() -> XAPIRequest:
    """Build the effective request; a POST with ?method=X is the Alternate Request Syntax (Communication 1.3)."""
    body = read_body()
    req = request._get_current_object()
    if req.method != "POST" or "method" not in req.args:
        return XAPIRequest(req.method, req.args, req.headers, body)  # read-only: no copy needed
    if _is_version_2(request.headers.get("X-Experience-API-Version")):
        raise LRSRequestError(400, "xAPI 2.0 has no Alternate Request Syntax: send the method, headers and "
                                   "content as a normal HTTP request.")
    if len(request.args) != 1 or len(request.args.getlist("method")) != 1:
        raise LRSRequestError(400, "Alternate Request Syntax: 'method' must be the only query string parameter; "
                                   "send the others as form parameters (Communication 1.3).")
    method = request.args["method"].upper()
    if method not in ALTERNATE_METHODS:
        raise LRSRequestError(400, f"Alternate Request Syntax: unsupported method {request.args['method']!r}.")
    if request.mimetype != "application/x-www-form-urlencoded":
        raise LRSRequestError(400, "Alternate Request Syntax requests must be application/x-www-form-urlencoded "
                                   "(Communication 1.3).")
    try:
        fields = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        raise LRSRequestError(400, "Alternate Request Syntax: the body is not URL-encoded form data.") from None
    headers, params, content = _alternate_fields(fields)
    if _is_version_2(headers.get("X-Experience-API-Version")):
        raise LRSRequestError(400, "xAPI 2.0 has no Alternate Request Syntax (Communication 1.3 was removed).")
    return XAPIRequest(method, params, headers, (content or "").encode("utf-8"), alternate=True)


def _is_version_2(value: str | None) -> bool:
    return str(request_version(value) or "").startswith("2.")


def _alternate_fields(fields: list[tuple[str, str]]) -> tuple[Headers, MultiDict, str | None]:
    """Split the form into headers (the listed form fields take precedence over real headers), params, content."""
    headers = Headers(request.headers)
    params = MultiDict()
    content = None
    header_names = {name.lower(): name for name in FORM_HEADERS}
    for name, value in fields:
        if name == "content":
            content = value
        elif name.lower() in header_names:
            # Communication 1.3: these form parameters ARE the request's headers, so they replace real ones.
            headers[header_names[name.lower()]] = value
        else:
            params.add(name, value)
    if content is not None and headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
        headers["Content-Type"] = "application/json"
    if content is None:
        headers.pop("Content-Type", None)
    return headers, params, content


def xapi_request() -> XAPIRequest:
    """The effective xAPI request (set up by check_lrs_request)."""
    return g.xapi_request


# Built once (every LRS request runs it): Core, the columns the check needs, no ORM identity map.
_CREDENTIALS = LRSCredential.__table__
_ACTIVE_CREDENTIAL = select(_CREDENTIALS.c.id, _CREDENTIALS.c.org_id, _CREDENTIALS.c.name, _CREDENTIALS.c.scope,
                            _CREDENTIALS.c.secret_hash, _CREDENTIALS.c.last_used_at).where(
    _CREDENTIALS.c.key == bindparam("key"), _CREDENTIALS.c.active.is_(True))
_TOUCH = update(_CREDENTIALS).where(_CREDENTIALS.c.id == bindparam("credential")).values(
    last_used_at=bindparam("now", type_=_CREDENTIALS.c.last_used_at.type))


def _authenticate(headers: Headers):
    """The active credential row (id, org_id, name, scope, last_used_at) for the Basic credentials, or None.

    Read in a read phase of its own (BEGIN, not BEGIN IMMEDIATE): a writing request takes SQLite's write lock
    only when it writes, so parsing and validating a body never holds other workers' writes back.
    """
    auth = Authorization.from_header(headers.get("Authorization"))
    if auth is None or auth.type != "basic" or not auth.username:
        return None
    session = get_session()
    if session.in_transaction() or session.new or session.dirty or session.deleted:
        # Something before this check (a host's signed-in user) already works in a transaction: read inside it.
        credential = session.connection().execute(_ACTIVE_CREDENTIAL, {"key": auth.username}).first()
    else:
        with read_phase(session):
            credential = session.connection().execute(_ACTIVE_CREDENTIAL, {"key": auth.username}).first()
    if credential is None or not check_secret(auth.password or "", credential.secret_hash):
        return None
    return credential


def _remembered_credential(xreq: XAPIRequest):
    """(key, remembered row) for a statement write whose key and secret were checked in full before; (key or None,
    None) otherwise. The row is confirmed inside the write transaction (credential_cache.confirm_client)."""
    if request.endpoint != credential_cache.DEFERRED_ENDPOINT or xreq.method not in credential_cache.DEFERRED_METHODS:
        return None, None
    auth = Authorization.from_header(xreq.headers.get("Authorization"))
    if auth is None or auth.type != "basic" or not auth.username:
        return None, None
    credential = credential_cache.lookup(auth.username)
    if credential is not None and check_secret(auth.password or "", credential.secret_hash):
        return auth.username, credential
    return auth.username, None


def check_lrs_request():
    """The access check of every LRS endpoint (called by lms.access.enforce): effective request, client auth (401),
    scope (403, by method), version (400); returns the error response or None and sets up g for the view."""
    g.pop("xapi_version", None)
    try:
        xreq = parse_xapi_request()
    except LRSRequestError as exc:
        return xapi_error(exc.status, str(exc))
    g.xapi_request = xreq
    if not xreq.headers.get("Authorization"):
        return xapi_error(401, "HTTP Basic authentication with an LRS client credential is required.",
                          {"WWW-Authenticate": 'Basic realm="xAPI"'})
    key, credential = _remembered_credential(xreq)
    deferred = credential is not None
    if not deferred:
        credential = _authenticate(xreq.headers)
    if credential is None:
        return xapi_error(401, "Unknown or inactive credential.", {"WWW-Authenticate": 'Basic realm="xAPI"'})
    writes = xreq.method not in ("GET", "HEAD")
    if credential.scope == "read" and writes or credential.scope == "write" and not writes:
        return xapi_error(403, f"This credential's scope '{credential.scope}' does not allow this request.")
    version = request_version(xreq.headers.get("X-Experience-API-Version"))
    if version is None:
        return xapi_error(400, "X-Experience-API-Version header missing or unsupported "
                               f"(supported: {', '.join(SUPPORTED_VERSIONS)}).")
    g.lrs_client = LRSClient(credential.id, credential.org_id, credential.name, credential.scope)
    g.xapi_version = version
    if deferred:
        credential_cache.defer_confirmation(key, credential)
    else:
        if key is not None:
            credential_cache.remember(key, credential)
        if writes and _stale(credential.last_used_at):
            before_commit(partial(_touch_after_write, credential.id))
    after_this_request(_version_header)
    return None


def _version_header(response):
    response.headers["X-Experience-API-Version"] = response_version()
    return response


def current_client() -> LRSClient:
    """The authenticated LRS client of this request."""
    return g.lrs_client


def _stale(last_used_at: datetime | None) -> bool:
    # At most one write a minute per credential records its use.
    return last_used_at is None or utcnow() - last_used_at > timedelta(minutes=1)


def _touch_after_write(credential_id: int, response):
    # After the resource's own writes, in their transaction: recording the use never takes the write lock early.
    if response.status_code < 400:
        touch_credential(get_session(), credential_id)
    return response


def touch_credential(db, credential_id: int) -> None:
    """Remember that a credential was used now."""
    db.execute(_TOUCH, {"credential": credential_id, "now": utcnow()})
