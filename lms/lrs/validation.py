"""Validation of incoming xAPI Statements against xAPI 1.0.3 Data section 2 (and 2.0.0 context agents).

Pure functions: nothing here touches Flask or the database, and nothing mutates its input.
Every failure raises StatementError whose message names the JSON path and the spec section,
e.g. "actor.mbox: must be a 'mailto:' IRI ... (Data 2.4.2.3)".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .validation_activity import validate_activity
from .validation_actor import validate_actor, validate_authority, validate_statement_ref
from .validation_context import validate_attachments, validate_context, validate_result
from .validation_core import (
    IFI_KEYS,
    StatementError,
    check_iri,
    check_lang_map,
    check_obj,
    check_string,
    check_timestamp,
    check_uuid,
    fail,
    is_duration,
    is_iri,
    is_language_tag,
    is_uuid,
    join,
    parse_json,
    parse_timestamp,
)

__all__ = [
    "StatementError",
    "VOIDED_VERB",
    "validate_statement",
    "validate_statements",
    "validate_agent",
    "check_request_version",
    "parse_json",
    "parse_timestamp",
    "is_iri",
    "is_uuid",
    "is_language_tag",
    "is_duration",
]

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"

STATEMENT_KEYS = ("id", "actor", "verb", "object", "result", "context", "timestamp", "stored",
                  "authority", "version", "attachments")
SUBSTATEMENT_KEYS = ("objectType", "actor", "verb", "object", "result", "context", "timestamp",
                     "attachments")
SUBSTATEMENT_FORBIDDEN = ("id", "stored", "version", "authority")
VERB_KEYS = ("id", "display")
OBJECT_TYPES = ("Activity", "Agent", "Group", "StatementRef", "SubStatement")

_VERSION_1 = re.compile(r"^1\.0(?:\.\d+(?:-[0-9A-Za-z.\-]+)?)?$", re.ASCII)
_VERSION_2 = re.compile(r"^2\.0(?:\.\d+(?:-[0-9A-Za-z.\-]+)?)?$", re.ASCII)


@dataclass(frozen=True)
class _Ctx:
    v2: bool


def check_request_version(version: str) -> bool:
    """Validate an X-Experience-API-Version value ('1.0', '1.0.x', '2.0.x'); True when it is 2.0."""
    if not isinstance(version, str):
        raise StatementError("X-Experience-API-Version must be a string", section="Communication 3.3")
    if _VERSION_1.match(version):
        return False
    if _VERSION_2.match(version):
        return True
    raise StatementError(f"unsupported xAPI version {version!r}", section="Communication 3.3")


def validate_statement(stmt: dict, version: str = "1.0.3") -> None:
    """Validate one Statement as received with the given X-Experience-API-Version; raise StatementError."""
    ctx = _Ctx(v2=check_request_version(version))
    _validate_statement(stmt, "", ctx, sub=False)


def validate_statements(obj: Any, version: str = "1.0.3") -> list[dict]:
    """Validate a POST body (one Statement or a non-empty array without repeated ids); return a list."""
    # An empty array stores nothing and almost always hides a client bug, so it is a 400 too.
    ctx = _Ctx(v2=check_request_version(version))
    if isinstance(obj, dict):
        _validate_statement(obj, "", ctx, sub=False)
        return [obj]
    if not isinstance(obj, list):
        raise StatementError("request body must be a Statement object or an array of Statements",
                             section="Communication 2.1.2")
    if not obj:
        raise StatementError("request body is an empty array: no Statements to store",
                             section="Communication 2.1.2")
    seen: dict[str, int] = {}
    for i, stmt in enumerate(obj):
        prefix = f"[{i}]"
        if not isinstance(stmt, dict):
            fail(prefix, "must be a Statement object", "Communication 2.1.2")
        _validate_statement(stmt, prefix, ctx, sub=False)
        if "id" in stmt:
            key = stmt["id"].lower()
            if key in seen:
                fail(join(prefix, "id"), f"duplicates the id of Statement [{seen[key]}] in the same batch",
                     "Communication 2.1.2")
            seen[key] = i
    return obj


def validate_agent(value: Any, path: str = "agent", *, as_object: bool = False,
                   allow_group: bool = True) -> None:
    """Validate an Agent or Group (as_object: objectType is then required, Data 2.4.4.2)."""
    validate_actor(value, path, as_object=as_object, allow_group=allow_group)


def _validate_statement(stmt: Any, path: str, ctx: _Ctx, *, sub: bool) -> None:
    section = "Data 2.4.4.3 SubStatements" if sub else "Data 2.2"
    if not isinstance(stmt, dict):
        fail(path, "must be a JSON object", section)
    if sub:
        for key in SUBSTATEMENT_FORBIDDEN:
            if key in stmt:
                fail(join(path, key), f"a SubStatement MUST NOT have the {key!r} property",
                     "Data 2.4.4.3 SubStatements")
    check_obj(stmt, path, SUBSTATEMENT_KEYS if sub else STATEMENT_KEYS, ("actor", "verb", "object"), section)

    if "id" in stmt:
        check_uuid(stmt["id"], join(path, "id"), "Data 2.4.1")
    validate_actor(stmt["actor"], join(path, "actor"))
    _validate_verb(stmt["verb"], join(path, "verb"))
    obj_path = join(path, "object")
    obj_type = _validate_object(stmt["object"], obj_path, ctx, sub=sub)
    if stmt["verb"]["id"] == VOIDED_VERB and obj_type != "StatementRef":
        fail(obj_path, "a voiding Statement (verb 'voided') MUST have a StatementRef object", "Data 2.3.2")
    if "result" in stmt:
        validate_result(stmt["result"], join(path, "result"))
    if "context" in stmt:
        validate_context(stmt["context"], join(path, "context"), obj_type, v2=ctx.v2)
    if "timestamp" in stmt:
        check_timestamp(stmt["timestamp"], join(path, "timestamp"))
    if "stored" in stmt:
        check_timestamp(stmt["stored"], join(path, "stored"))
    if "authority" in stmt:
        validate_authority(stmt["authority"], join(path, "authority"))
    if "version" in stmt:
        _validate_version(stmt["version"], join(path, "version"), ctx)
    if "attachments" in stmt:
        validate_attachments(stmt["attachments"], join(path, "attachments"))


def _validate_version(value: Any, path: str, ctx: _Ctx) -> None:
    check_string(value, path, "Data 2.4.10")
    if _VERSION_1.match(value) or (ctx.v2 and _VERSION_2.match(value)):
        return
    accepted = "'1.0.x' or '2.0.x'" if ctx.v2 else "'1.0.x'"
    fail(path, f"must be {accepted} (got {value!r})", "Data 2.4.10")


def _validate_verb(value: Any, path: str) -> None:
    check_obj(value, path, VERB_KEYS, ("id",), "Data 2.4.3")
    check_iri(value["id"], join(path, "id"), "Data 2.4.3")
    if "display" in value:
        check_lang_map(value["display"], join(path, "display"))


def _validate_object(value: Any, path: str, ctx: _Ctx, *, sub: bool) -> str:
    if not isinstance(value, dict):
        fail(path, "must be a JSON object", "Data 2.4.4")
    if "objectType" not in value and any(key in value for key in (*IFI_KEYS, "member")):
        fail(join(path, "objectType"), "is required when an Agent or Group is the object", "Data 2.4.4.2")
    object_type = value.get("objectType", "Activity")
    if object_type not in OBJECT_TYPES:
        fail(join(path, "objectType"), f"must be one of {', '.join(OBJECT_TYPES)} (got {object_type!r})",
             "Data 2.4.4")
    if object_type == "Activity":
        validate_activity(value, path)
    elif object_type in ("Agent", "Group"):
        validate_actor(value, path, as_object=True)
    elif object_type == "StatementRef":
        validate_statement_ref(value, path)
    else:
        if sub:
            fail(join(path, "objectType"), "a SubStatement MUST NOT contain a SubStatement",
                 "Data 2.4.4.3 SubStatements")
        _validate_statement(value, path, ctx, sub=True)
    return object_type


