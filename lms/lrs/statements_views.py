"""The Statement Resource of the LRS: PUT, POST, GET and HEAD /xapi/statements (Communication 2.1)."""
from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, g, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..db import get_session, utcnow
from .credential_cache import CredentialRefused, confirm_client
from .formats import format_statement, parse_accept_language
from .lrs_auth import current_client, response_version, xapi_error, xapi_request
from .models import Attachment, Statement
from .multipart import attachment_objects, build_multipart, check_attachment_parts, parse_multipart
from .query import SingleQuery, check_param_names, encode_more, parse_get, run_query
from .signing import verify_signatures
from .store import StatementConflict, format_time, prepare_statements, store_prepared
from .validation import StatementError, is_uuid, parse_json, validate_statement, validate_statements

bp = Blueprint("xapi", __name__, url_prefix="/xapi")

DEFAULT_MAX_LIMIT = 500


@bp.after_request
def _statement_headers(response):
    """Every Statement Resource response carries the version and Consistent-Through headers."""
    response.headers["X-Experience-API-Version"] = response_version()
    response.headers["X-Experience-API-Consistent-Through"] = format_time(utcnow())
    return response


@bp.route("/statements", methods=["GET", "PUT", "POST"])
def statements():
    """Store (PUT/POST) or fetch (GET/HEAD, also POST ?method=GET) statements."""
    xreq = xapi_request()
    try:
        if xreq.method in ("GET", "HEAD"):
            response = _get(xreq)
        elif xreq.method == "PUT":
            response = _put(xreq)
        elif xreq.method == "POST":
            response = _post(xreq)
        else:
            return xapi_error(405, f"{xreq.method} is not supported on the Statement Resource.")
    except StatementError as exc:
        return xapi_error(400, str(exc))
    except StatementConflict as exc:
        return xapi_error(409, str(exc))
    except CredentialRefused as exc:
        return xapi_error(exc.status, str(exc), {"WWW-Authenticate": 'Basic realm="xAPI"'} if exc.status == 401
                          else None)
    except IntegrityError:
        # Only reachable when a concurrent request stored the same id first (PostgreSQL; SQLite serialises).
        return xapi_error(409, "A statement with this id was stored concurrently; check it and retry.")
    if xreq.method == "HEAD" and xreq.alternate:
        response.set_data(b"")
    return response


def _read_body(xreq) -> tuple[object, dict, bool]:
    """Parse the JSON (or multipart/mixed) body into (statement or list, attachment payloads, multipart?)."""
    if xreq.mimetype == "application/json":
        body, payloads, multipart = xreq.body, {}, False
    elif xreq.mimetype == "multipart/mixed":
        (body, payloads), multipart = parse_multipart(xreq.body, xreq.content_type), True
    else:
        raise StatementError(f"Content-Type must be application/json or multipart/mixed (got "
                             f"{xreq.content_type or 'none'!r})", section="Communication 1.5")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise StatementError("the statement body must be UTF-8", section="Communication 1.4") from None
    return parse_json(text), payloads, multipart


def _store(statements: list[dict], payloads: dict, multipart: bool) -> list[str]:
    check_attachment_parts(statements, payloads, multipart)
    for statement in statements:
        verify_signatures(statement, payloads)
    authority = current_client().authority()
    prepared = prepare_statements(statements, authority=authority, version=g.xapi_version)  # before the write lock
    db = get_session()
    confirm_client(db)  # a remembered credential: confirmed in the write transaction, before anything is stored
    client = current_client()
    if client.authority() != authority:  # the credential was renamed since it was remembered
        prepared = prepare_statements(statements, authority=client.authority(), version=g.xapi_version)
    return store_prepared(db, client.org_id, prepared, attachments=payloads)


def _put(xreq):
    check_param_names(xreq.params, ("statementId",))
    statement_id = xreq.params.get("statementId")
    if not statement_id:
        raise StatementError("the statementId parameter is required", section="Communication 2.1.1")
    if not is_uuid(statement_id):
        raise StatementError("must be a UUID", path="statementId", section="Communication 2.1.1")
    body, payloads, multipart = _read_body(xreq)
    if not isinstance(body, dict):
        raise StatementError("PUT takes a single Statement object", section="Communication 2.1.1")
    statement = body if "id" in body else {"id": statement_id, **body}
    validate_statement(statement, g.xapi_version)
    if statement["id"].lower() != statement_id.lower():
        raise StatementError("the statement's id does not match the statementId parameter", path="id",
                             section="Communication 2.1.1")
    _store([statement], payloads, multipart)
    return Response(status=204)


def _post(xreq):
    if xreq.mimetype == "application/x-www-form-urlencoded":
        raise StatementError("form-encoded requests must use the Alternate Request Syntax (?method=...)",
                             section="Communication 1.3")
    check_param_names(xreq.params, ())
    body, payloads, multipart = _read_body(xreq)
    statements = validate_statements(body, g.xapi_version)
    # What jsonify writes for a list of ids, without its provider's dispatch.
    return Response(json.dumps(_store(statements, payloads, multipart), separators=(",", ":")) + "\n",
                    mimetype="application/json")


def _attachment_parts(db, org_id: int, statements: list[dict]) -> list[tuple[str, str, bytes]]:
    wanted = []
    for statement in statements:
        for attachment in attachment_objects(statement):
            sha2 = str(attachment.get("sha2", "")).lower()
            if sha2 and sha2 not in wanted:
                wanted.append(sha2)
    if not wanted:
        return []
    found = {row.sha2: row for row in db.scalars(select(Attachment).where(Attachment.org_id == org_id,
                                                                          Attachment.sha2.in_(wanted)))}
    return [(sha2, found[sha2].content_type, found[sha2].content) for sha2 in wanted if sha2 in found]


def _respond(body: bytes, statements: list[dict], attachments: bool, org_id: int) -> Response:
    if not attachments:
        return Response(body, mimetype="application/json")
    payload, content_type = build_multipart(body, _attachment_parts(get_session(), org_id, statements))
    return Response(payload, content_type=content_type)


def _get(xreq):
    client = current_client()
    db = get_session()
    query = parse_get(xreq.params, current_app.secret_key, client.org_id)
    languages = parse_accept_language(xreq.headers.get("Accept-Language"))
    if isinstance(query, SingleQuery):
        row = db.execute(select(Statement.raw, Statement.stored, Statement.voided).where(
            Statement.org_id == client.org_id, Statement.statement_id == query.statement_id)).first()
        # statementId never returns a voided statement, voidedStatementId only a voided one (Communication 2.1.4).
        if row is None or row.voided != query.voided:
            return xapi_error(404, "No such statement." if row is None else
                              ("This statement is voided: fetch it with voidedStatementId." if row.voided else
                               "This statement is not voided: fetch it with statementId."))
        statement = format_statement(json.loads(row.raw), query.format, languages)
        response = _respond(json.dumps(statement, ensure_ascii=False).encode(), [statement], query.attachments,
                            client.org_id)
        response.last_modified = row.stored
        return response
    max_limit = int(current_app.config.get("XAPI_MAX_LIMIT", DEFAULT_MAX_LIMIT))
    rows, more, cap = run_query(db, client.org_id, query, max_limit)
    more_url = ""
    if more:
        query.after, query.cap = rows[-1].seq, cap
        more_url = url_for("lms.xapi.statements", more=encode_more(query, current_app.secret_key, client.org_id))
    if query.format == "exact" and not query.attachments:
        # Stored JSON already is the exact format (context activities are stored as arrays): no re-encoding.
        body = ('{"statements":[' + ",".join(row.raw for row in rows) + '],"more":' + json.dumps(more_url) + "}")
        response = Response(body.encode(), mimetype="application/json")
    else:
        statements = [format_statement(json.loads(row.raw), query.format, languages) for row in rows]
        body = json.dumps({"statements": statements, "more": more_url}, ensure_ascii=False).encode()
        response = _respond(body, statements, query.attachments, client.org_id)
    if rows:
        response.last_modified = max(row.stored for row in rows)
    return response
