"""The State, Activity Profile, Agent Profile, Activities, Agents and About resources (Communication 2.2-2.8)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, Response, g, request
from werkzeug.http import parse_etags

from .. import safejson
from ..db import get_session
from .agents import agent_ifi, parse_agent_param
from .document_models import ACTIVITY_ID_MAX, AGENT_IFI_MAX, CONTENT_TYPE_MAX, DOC_ID_MAX
from .documents import (
    DocKey,
    DocumentError,
    Preconditions,
    activity_object,
    delete_document,
    delete_states,
    get_document,
    is_json_type,
    list_documents,
    person,
    post_document,
    put_document,
)
from .lrs_auth import (
    SUPPORTED_VERSIONS,
    current_client,
    response_version,
    xapi_error,
    xapi_request,
)
from .validation import StatementError, is_iri, is_uuid, parse_timestamp

bp = Blueprint("xapi_documents", __name__, url_prefix="/xapi")

WRITE_METHODS = ("PUT", "POST", "DELETE")


@dataclass(frozen=True)
class _Resource:
    """How one Document Resource is addressed: its kind, context parameters and document-id parameter."""

    name: str
    kind: str
    context: tuple[str, ...]  # required context parameters
    id_param: str
    optional: tuple[str, ...] = ()


STATE = _Resource("State Resource (Communication 2.3)", "state", ("activityId", "agent"), "stateId",
                  ("registration",))
ACTIVITY_PROFILE = _Resource("Activity Profile Resource (Communication 2.7)", "activity_profile", ("activityId",),
                             "profileId")
AGENT_PROFILE = _Resource("Agent Profile Resource (Communication 2.6)", "agent_profile", ("agent",), "profileId")


def init_app(app=None) -> None:
    """Mount the blueprint under the app's LMS blueprint and exempt it from CSRF (safe to call more than once)."""
    from ..extension import of as lms_of
    from ..security import csrf

    # LRS clients authenticate with HTTP Basic per request, never with a browser session.
    csrf.exempt(bp)
    if app is not None:
        lms_of(app).add_blueprint(bp)


@bp.route("/activities/state", methods=["GET", "PUT", "POST", "DELETE"])
def state():
    """Store, merge, fetch, list or delete State documents."""
    return _document_resource(STATE)


@bp.route("/activities/profile", methods=["GET", "PUT", "POST", "DELETE"])
def activity_profile():
    """Store, merge, fetch, list or delete Activity Profile documents."""
    return _document_resource(ACTIVITY_PROFILE)


@bp.route("/agents/profile", methods=["GET", "PUT", "POST", "DELETE"])
def agent_profile():
    """Store, merge, fetch, list or delete Agent Profile documents."""
    return _document_resource(AGENT_PROFILE)


@bp.route("/activities", methods=["GET", "POST"])
def activities():
    """The full Activity object with the canonical definition this LRS holds (Communication 2.5)."""
    return _respond(_activity_get, ("GET", "HEAD"))


@bp.route("/agents", methods=["GET", "POST"])
def agents():
    """The Person object combining what this LRS knows about an Agent (Communication 2.4)."""
    return _respond(_person_get, ("GET", "HEAD"))


@bp.route("/about", methods=["GET"])
def about():
    """The xAPI versions this LRS supports; open to everyone and whatever the version header (Communication 2.8)."""
    if request.args:
        return xapi_error(400, f"The About Resource takes no parameters (got {', '.join(request.args)}).")
    versions = sorted(SUPPORTED_VERSIONS, key=lambda v: tuple(int(p) for p in v.split(".")), reverse=True)
    response = Response(json.dumps({"version": versions}), mimetype="application/json")
    response.headers["X-Experience-API-Version"] = response_version()
    return response


# --- request handling -----------------------------------------------------------------------------------

def _respond(build, methods: tuple[str, ...]):
    """Run a handler, turning DocumentError into an xAPI error; HEAD drops the body, unknown methods are 405."""
    method = xapi_request().method
    if method not in methods:
        return xapi_error(405, f"{method} is not supported here.", {"Allow": ", ".join(methods)})
    try:
        response = build()
    except DocumentError as exc:
        return xapi_error(exc.status, exc.message)
    if method == "HEAD":
        # Flask strips the body of real HEAD requests; this covers HEAD sent via the Alternate Request Syntax.
        response.set_data(b"")
    return response


def _activity_get() -> Response:
    params = _params(("activityId",), ("activityId",), "Activities Resource (Communication 2.5)")
    return _json(activity_object(get_session(), current_client().org_id, _activity_id(params)))


def _person_get() -> Response:
    params = _params(("agent",), ("agent",), "Agents Resource (Communication 2.4)")
    agent, _ifi = _agent(params)
    return _json(person(get_session(), current_client().org_id, agent))


def _document_resource(resource: _Resource):
    return _respond(lambda: _document_request(resource), ("GET", "HEAD", *WRITE_METHODS))


def _document_request(resource: _Resource) -> Response:
    method = xapi_request().method
    multiple_delete = method == "DELETE" and resource is STATE
    if method in ("GET", "HEAD"):
        allowed = (*resource.context, *resource.optional, resource.id_param, "since")
        required = resource.context
    else:
        allowed = (*resource.context, *resource.optional, resource.id_param)
        required = resource.context if multiple_delete else (*resource.context, resource.id_param)
    params = _params(allowed, required, resource.name)
    context = _context(resource, params)
    org_id = current_client().org_id
    db = get_session()
    if resource.id_param not in params:
        if method == "DELETE":  # only the State Resource gets here: delete every state in the context
            delete_states(db, org_id, context["activity_id"], context["agent_ifi"], context["registration"])
            return Response(status=204)
        since = _since(params)
        ids, newest = list_documents(db, org_id, resource.kind, activity_id=context["activity_id"],
                                     agent_ifi=context["agent_ifi"], registration=context["registration"],
                                     since=since)
        return _json(ids, newest)
    if "since" in params:
        raise DocumentError(400, f"'since' only applies when listing document ids, not together with "
                                 f"{resource.id_param!r} ({resource.name}).")
    doc_id = params[resource.id_param]
    if not doc_id:
        raise DocumentError(400, f"{resource.id_param} must not be empty.")
    if len(doc_id) > DOC_ID_MAX:
        raise DocumentError(400, f"{resource.id_param} is longer than {DOC_ID_MAX} characters.")
    key = DocKey(org_id, resource.kind, doc_id, context["activity_id"], context["agent_ifi"],
                 context["registration"] or "")
    if method in ("GET", "HEAD"):
        document = get_document(db, key)
        if document is None:
            raise DocumentError(404, f"No document with {resource.id_param} {doc_id!r} in this context.")
        response = Response(document.content, content_type=document.content_type)
        response.set_etag(document.etag)
        response.last_modified = document.updated
        # Documents are arbitrary client content (possibly HTML) served from our origin: never let it run.
        response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
        return response
    version_2 = g.xapi_version.startswith("2.")
    put = method == "PUT"
    pre = _preconditions(required=put and (resource is not STATE or version_2),
                         required_on_create=put and resource is not STATE and not version_2)
    if method == "DELETE":
        delete_document(db, key, pre)
        return Response(status=204)
    content, content_type = _content()
    if method == "PUT":
        put_document(db, key, content, content_type, pre)
    else:
        post_document(db, key, content, content_type, pre)
    return Response(status=204)


def _params(allowed: tuple[str, ...], required: tuple[str, ...], resource: str) -> dict[str, str]:
    """The query parameters, each at most once; unknown ones (also those differing only in case) are a 400."""
    args = xapi_request().params
    for name in args:
        if name not in allowed:
            twin = next((a for a in allowed if a.lower() == name.lower()), None)
            hint = f"; parameter names are case-sensitive, did you mean {twin!r}?" if twin else ""
            raise DocumentError(400, f"Unknown parameter {name!r} for {xapi_request().method} on the "
                                     f"{resource} (allowed: {', '.join(allowed)}){hint} (Communication 3.2).")
        if len(args.getlist(name)) > 1:
            raise DocumentError(400, f"Parameter {name!r} is given more than once.")
    for name in required:
        if not args.get(name):
            raise DocumentError(400, f"The {name!r} parameter is required on the {resource}.")
    return {name: args[name] for name in args}


def _context(resource: _Resource, params: dict[str, str]) -> dict:
    """activity_id, agent_ifi ('' when not part of the resource) and registration (None when absent)."""
    context = {"activity_id": "", "agent_ifi": "", "registration": None}
    if "activityId" in resource.context:
        context["activity_id"] = _activity_id(params)
    if "agent" in resource.context:
        context["agent_ifi"] = _agent(params)[1]
    if "registration" in params:
        registration = params["registration"]
        if not is_uuid(registration):
            raise DocumentError(400, f"registration must be a UUID (got {registration!r}).")
        context["registration"] = registration.lower()
    return context


def _activity_id(params: dict[str, str]) -> str:
    value = params["activityId"]
    if not is_iri(value):
        raise DocumentError(400, f"activityId must be an IRI (got {value!r}).")
    if len(value) > ACTIVITY_ID_MAX:
        raise DocumentError(400, f"activityId is longer than {ACTIVITY_ID_MAX} characters.")
    return value


def _agent(params: dict[str, str]) -> tuple[dict, str]:
    """The `agent` parameter as an Agent (never a Group) and its IFI key; 400 when invalid."""
    try:
        agent = parse_agent_param(params["agent"], allow_group=False)
        ifi = agent_ifi(agent)
    except StatementError as exc:
        raise DocumentError(400, f"Invalid agent parameter: {exc}") from None
    if len(ifi) > AGENT_IFI_MAX:
        raise DocumentError(400, "The agent's identifier is too long.")
    return agent, ifi


def _since(params: dict[str, str]) -> datetime | None:
    if "since" not in params:
        return None
    try:
        return parse_timestamp(params["since"])
    except StatementError as exc:
        raise DocumentError(400, f"since must be an ISO 8601 timestamp: {exc}") from None


def _content() -> tuple[bytes, str]:
    """The posted document and its Content-Type; JSON must parse (Communication 3.2: type must match content)."""
    xreq = xapi_request()
    content_type = (xreq.content_type or "").strip() or "application/octet-stream"
    if len(content_type) > CONTENT_TYPE_MAX:
        raise DocumentError(400, "The Content-Type header is too long.")
    if is_json_type(content_type):
        try:
            value = safejson.loads(xreq.body)
        except safejson.JSONInputError as exc:
            raise DocumentError(400, f"The document has Content-Type application/json but is not JSON this LRS "
                                     f"accepts: {exc}.") from None
        if xreq.method == "POST" and not isinstance(value, dict):
            # Communication 2.2: a POSTed JSON document is merged, so it must be a JSON object even when no
            # document exists yet.
            raise DocumentError(400, "A JSON document sent with POST must be a JSON object (Communication 2.2).")
    return xreq.body, content_type


def _preconditions(required: bool, required_on_create: bool) -> Preconditions:
    headers = xapi_request().headers
    if_match = headers.get("If-Match")
    if_none_match = headers.get("If-None-Match")
    return Preconditions(if_match=parse_etags(if_match) if if_match is not None else None,
                         if_none_match=parse_etags(if_none_match) if if_none_match is not None else None,
                         required=required, required_on_create=required_on_create)


def _json(value, last_modified: datetime | None = None) -> Response:
    """A JSON response with the SHA-1 ETag of its body (Communication 3.1) and an optional Last-Modified."""
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    response = Response(body, mimetype="application/json")
    response.set_etag(hashlib.sha1(body).hexdigest())
    if last_modified is not None:
        response.last_modified = last_modified
    return response
