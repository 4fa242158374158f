"""Document Resources and the Activities/Agents resources as services (Communication 2.2-2.7, 3.1).

Nothing here reads flask.request: the views parse and validate parameters, these functions apply the
storage, merge and concurrency rules and raise DocumentError with the HTTP status to answer.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.datastructures import ETags

from .. import safejson
from ..db import utcnow
from .agents import agent_ifi, person_object
from .document_models import XapiDocument
from .models import Statement, StatementActivity, StatementAgent
from .validation_core import IFI_KEYS, StatementError

# How many of the newest statements the Activities and Agents resources read to build their answers.
SCAN_LIMIT = 500
JSON_TYPE = "application/json"


class DocumentError(Exception):
    """A request the Document Resources refuse, with the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class DocKey:
    """Where one document lives; absent parts are ''."""

    org_id: int
    kind: str
    doc_id: str
    activity_id: str = ""
    agent_ifi: str = ""
    registration: str = ""


@dataclass(frozen=True)
class Preconditions:
    """The request's If-Match / If-None-Match (None when the header is absent) and whether one is required."""

    if_match: ETags | None = None
    if_none_match: ETags | None = None
    # A PUT without either header on an existing document is a 409 (Communication 3.1): profiles; in 2.0 State too.
    required: bool = False
    # xAPI 1.0.x profile PUTs must carry one of them even for a new document (Communication 3.1 client
    # requirement, enforced as a 400 by the conformance suite); 2.0 accepts a new document without.
    required_on_create: bool = False


def etag_of(content: bytes) -> str:
    """The SHA-1 hex digest of a document's content (Communication 3.1: the ETag value, unquoted)."""
    return hashlib.sha1(content).hexdigest()


def is_json_type(content_type: str | None) -> bool:
    """True when a Content-Type names application/json (parameters such as charset ignored)."""
    return (content_type or "").split(";", 1)[0].strip().lower() == JSON_TYPE


def _key_filter(key: DocKey):
    return (XapiDocument.org_id == key.org_id, XapiDocument.kind == key.kind,
            XapiDocument.activity_id == key.activity_id, XapiDocument.agent_ifi == key.agent_ifi,
            XapiDocument.registration == key.registration, XapiDocument.doc_id == key.doc_id)


def get_document(db: Session, key: DocKey, *, for_update: bool = False) -> XapiDocument | None:
    """The document at `key`, or None; for_update locks the row where the database supports it."""
    query = select(XapiDocument).where(*_key_filter(key))
    if for_update:
        query = query.with_for_update()
    return db.scalar(query)


def list_documents(db: Session, org_id: int, kind: str, *, activity_id: str = "", agent_ifi: str = "",
                   registration: str | None = None, since: datetime | None = None) -> tuple[list[str], datetime | None]:
    """Ids of the documents in a context (any registration when None) updated after `since`, and the newest update."""
    query = select(XapiDocument.doc_id, XapiDocument.updated).where(
        XapiDocument.org_id == org_id, XapiDocument.kind == kind, XapiDocument.activity_id == activity_id,
        XapiDocument.agent_ifi == agent_ifi)
    if registration is not None:
        query = query.where(XapiDocument.registration == registration)
    if since is not None:
        query = query.where(XapiDocument.updated > since)
    ids: list[str] = []
    newest: datetime | None = None
    for doc_id, updated in db.execute(query.order_by(XapiDocument.doc_id)):
        if doc_id not in ids:  # without a registration the same id can exist once per registration
            ids.append(doc_id)
        newest = updated if newest is None or updated > newest else newest
    return ids, newest


def check_preconditions(document: XapiDocument | None, pre: Preconditions) -> None:
    """Apply If-Match, If-None-Match (RFC 2616 14.24/14.26) and the 409 rule; raise DocumentError on failure."""
    if pre.if_match is not None:
        # Strong comparison: a weak tag never matches, '*' matches any existing document.
        if document is None or not pre.if_match.contains(document.etag):
            raise DocumentError(412, "If-Match precondition failed: the document does not exist or its ETag "
                                     "has changed. Fetch the document again and retry with its current ETag.")
    if pre.if_none_match is not None and document is not None:
        if pre.if_none_match.star_tag or pre.if_none_match.contains_weak(document.etag):
            raise DocumentError(412, "If-None-Match precondition failed: the document already exists.")
    if pre.required_on_create and document is None and pre.if_match is None and pre.if_none_match is None:
        raise DocumentError(400, "A PUT to a profile document needs an If-Match or If-None-Match header: use "
                                 "If-None-Match: * to create it, or If-Match with the ETag to replace it.")
    if pre.required and document is not None and pre.if_match is None and pre.if_none_match is None:
        raise DocumentError(409, "The document already exists and the request has neither If-Match nor "
                                 "If-None-Match. Check the current state of the document (GET) and set the "
                                 "If-Match header to its current ETag to resolve the conflict.")


def _write(db: Session, key: DocKey, document: XapiDocument | None, content: bytes, content_type: str) -> None:
    if document is None:
        document = XapiDocument(org_id=key.org_id, kind=key.kind, activity_id=key.activity_id,
                                agent_ifi=key.agent_ifi, registration=key.registration, doc_id=key.doc_id)
        try:
            # A savepoint keeps the request's transaction usable when a concurrent writer created it first.
            with db.begin_nested():
                _fill(document, content, content_type)
                db.add(document)
                db.flush()
        except IntegrityError:
            raise DocumentError(409, "The document was created concurrently by another request; "
                                     "fetch it and retry with If-Match.") from None
        return
    _fill(document, content, content_type)
    db.flush()


def _fill(document: XapiDocument, content: bytes, content_type: str) -> None:
    document.content = content
    document.content_type = content_type
    document.etag = etag_of(content)
    document.updated = utcnow()


def put_document(db: Session, key: DocKey, content: bytes, content_type: str, pre: Preconditions) -> None:
    """Store (create or replace) a document after checking the preconditions."""
    document = get_document(db, key, for_update=True)
    check_preconditions(document, pre)
    _write(db, key, document, content, content_type)


def post_document(db: Session, key: DocKey, content: bytes, content_type: str, pre: Preconditions) -> None:
    """Create a document, or merge a JSON object into an existing JSON object document (Communication 2.2)."""
    document = get_document(db, key, for_update=True)
    check_preconditions(document, pre)
    if document is None:
        _write(db, key, None, content, content_type)
        return
    if not is_json_type(content_type) or not is_json_type(document.content_type):
        raise DocumentError(400, "POST to an existing document merges JSON: both the stored document and the "
                                 "posted one must have Content-Type application/json (Communication 2.2).")
    existing, posted = _json_object(document.content, "stored"), _json_object(content, "posted")
    existing.update(posted)  # only top-level properties merge; each posted value replaces the stored one
    merged = json.dumps(existing, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    _write(db, key, document, merged, document.content_type)


def _json_object(content: bytes, which: str) -> dict:
    try:
        value = safejson.loads(content)
    except safejson.JSONInputError:
        value = None
    if not isinstance(value, dict):
        raise DocumentError(400, f"The {which} document cannot be parsed as a JSON object, so the documents "
                                 "cannot be merged (Communication 2.2).")
    return value


def delete_document(db: Session, key: DocKey, pre: Preconditions) -> None:
    """Delete one document after checking the preconditions (deleting a missing document is a no-op)."""
    document = get_document(db, key, for_update=True)
    check_preconditions(document, pre)
    if document is not None:
        db.delete(document)
        db.flush()


def delete_states(db: Session, org_id: int, activity_id: str, agent_ifi: str, registration: str | None) -> int:
    """Delete every state of an Activity + Agent (+ registration when given); returns how many went."""
    query = delete(XapiDocument).where(
        XapiDocument.org_id == org_id, XapiDocument.kind == "state", XapiDocument.activity_id == activity_id,
        XapiDocument.agent_ifi == agent_ifi)
    if registration is not None:
        query = query.where(XapiDocument.registration == registration)
    return db.execute(query.execution_options(synchronize_session=False)).rowcount or 0


# --- Activities resource (Communication 2.5) -------------------------------------------------------------

def activity_object(db: Session, org_id: int, activity_id: str) -> dict:
    """The Activity with the LRS's canonical definition, merged from the organisation's statements, oldest first."""
    related = select(StatementActivity.seq).where(StatementActivity.org_id == org_id,
                                                  StatementActivity.activity_id == activity_id)
    rows = db.scalars(select(Statement.raw).where(
        Statement.org_id == org_id, Statement.voided.is_(False),
        or_(Statement.activity_id == activity_id, Statement.seq.in_(related)),
    ).order_by(Statement.seq.desc()).limit(SCAN_LIMIT)).all()
    definition: dict[str, Any] = {}
    for raw in reversed(rows):
        for activity in _activities_in(_loads(raw)):
            if activity.get("id") == activity_id and isinstance(activity.get("definition"), dict):
                _merge_definition(definition, activity["definition"])
    result: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    if definition:
        result["definition"] = definition
    return result


def _loads(raw: str) -> dict:
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _activities_in(statement: dict) -> Iterator[dict]:
    """Every Activity object of a statement: its object and context activities, also inside a SubStatement."""
    parts = [statement]
    if isinstance(statement.get("object"), dict) and statement["object"].get("objectType") == "SubStatement":
        parts.append(statement["object"])
    for part in parts:
        obj = part.get("object")
        if isinstance(obj, dict) and obj.get("objectType", "Activity") == "Activity":
            yield obj
        context = part.get("context")
        groups = context.get("contextActivities") if isinstance(context, dict) else None
        if not isinstance(groups, dict):
            continue
        for value in groups.values():
            for activity in value if isinstance(value, list) else [value]:
                if isinstance(activity, dict):
                    yield activity


def _merge_definition(target: dict, newer: dict) -> None:
    """Newer definitions win per property; language maps and extensions merge per key (Data 2.4.4.1)."""
    for key, value in newer.items():
        if key in ("name", "description", "extensions") and isinstance(value, dict) \
                and isinstance(target.get(key), dict):
            target[key] = {**target[key], **value}
        else:
            target[key] = value


# --- Agents resource (Communication 2.4) -----------------------------------------------------------------

def person(db: Session, org_id: int, agent: dict) -> dict:
    """The Person object for an Agent: the given agent plus the names it had in the organisation's statements."""
    ifi = agent_ifi(agent)
    mentioned = select(StatementAgent.seq).where(StatementAgent.org_id == org_id, StatementAgent.ifi == ifi)
    rows = db.scalars(select(Statement.raw).where(
        Statement.org_id == org_id, or_(Statement.actor_ifi == ifi, Statement.seq.in_(mentioned)),
    ).order_by(Statement.seq.desc()).limit(SCAN_LIMIT)).all()
    found = [agent]
    for raw in rows:
        found.extend(_agents_with_ifi(_loads(raw), ifi))
    return person_object(found)


def _agents_with_ifi(value: Any, ifi: str) -> Iterator[dict]:
    """Agent objects anywhere in a statement (not inside extensions) whose IFI is `ifi`."""
    if isinstance(value, list):
        for item in value:
            yield from _agents_with_ifi(item, ifi)
        return
    if not isinstance(value, dict):
        return
    if value.get("objectType") != "Group" and any(key in value for key in IFI_KEYS):
        try:
            if agent_ifi(value) == ifi:
                yield value
        except StatementError:
            pass
    for key, item in value.items():
        if key != "extensions" and isinstance(item, (dict, list)):
            yield from _agents_with_ifi(item, ifi)
