"""Storing statements: the single way a statement enters the LRS (LRS clients and the app's own emitter).

Callers validate first (validation.py); this module assigns the LRS properties (Data 2.4.1, 2.4.7-2.4.10),
detects id conflicts with the Statement comparison rules (Data 2.3.1), applies voiding (Data 2.3.2),
writes the agent/activity index rows and sends ``statements_stored`` with the new rows, all in the
caller's session (it flushes, never commits) and without touching ``flask.request``.

Everything that depends only on the statements (copies, ids, LRS properties, columns, index rows, the JSON up to
``stored``) is prepared by ``prepare_statements`` before the write transaction begins (the Statement Resource
calls it before its credential check opens that transaction); inside it (SQLite: BEGIN IMMEDIATE, which serialises
writers) only the id look-up, the clock, the ``stored`` time and the INSERTs remain. The clock is read after the
transaction began, so on SQLite ``stored`` follows the order of ``seq``.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import signals
from .compare import format_time, statements_equivalent
from .index_rows import (ifi_or_empty, object_activity_id, ref_id, registration, statement_activities,
                         statement_agents)
from .models import Attachment, Statement
from .store_sql import ACTIVITY_COLUMNS, AGENT_COLUMNS, STATEMENT_COLUMNS, driver_rows, insert_rows, insert_statements
from .validation import StatementError, parse_timestamp

__all__ = ["PreparedStatements", "StatementConflict", "prepare_statements", "store_prepared", "store_statements",
           "statements_equivalent", "stored_version", "format_time", "statement_activities", "statement_agents",
           "VOIDED_VERB"]

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
_LRS_KEYS = ("stored", "authority", "version")


class StatementConflict(Exception):
    """A statement id is already stored in this organisation with different content (HTTP 409)."""

    def __init__(self, statement_id: str) -> None:
        self.statement_id = statement_id
        super().__init__(f"Statement {statement_id} already exists with different content (Communication 2.1.1).")


def stored_version(statement: dict, request_version: str) -> str:
    """The version a statement keeps: its own, else 1.0.0 (2.0.0 for 2.0 requests) (Data 2.4.10)."""
    own = statement.get("version")
    if isinstance(own, str) and own:
        return own
    return "2.0.0" if str(request_version).startswith("2.") else "1.0.0"


class PreparedStatements:
    """Statements made ready to store, without the database: what store_prepared writes."""

    __slots__ = ("drafts", "authority")

    def __init__(self, drafts: list[_Draft], authority: dict) -> None:
        self.drafts, self.authority = drafts, authority


def prepare_statements(statements: list[dict], *, authority: dict, version: str, user_id: int | None = None,
                       user_ids: list[int | None] | None = None) -> PreparedStatements:
    """Everything that depends only on the statements (ids, LRS properties, columns, index rows, JSON up to
    ``stored``), done before the write transaction so the write lock is held for the writes alone.

    The statements belong to `user_id`, or each to its entry of `user_ids` (a batch for many learners)."""
    return PreparedStatements(_drafts(statements, authority, version, user_id, user_ids), authority)


def store_statements(db: Session, org_id: int, statements: list[dict], *, authority: dict, version: str,
                     user_id: int | None = None, user_ids: list[int | None] | None = None,
                     attachments: dict[str, tuple[str, bytes]] | None = None) -> list[str]:
    """Store statements for one organisation; returns their ids in order (existing identical ones skipped).

    The statements belong to `user_id`, or each to its entry of `user_ids` (a batch for many learners)."""
    prepared = prepare_statements(statements, authority=authority, version=version, user_id=user_id,
                                  user_ids=user_ids)
    return store_prepared(db, org_id, prepared, attachments=attachments)


def store_prepared(db: Session, org_id: int, prepared: PreparedStatements,
                   attachments: dict[str, tuple[str, bytes]] | None = None) -> list[str]:
    """Store prepared statements for one organisation; returns their ids in order (identical ones skipped)."""
    drafts, authority = prepared.drafts, prepared.authority
    db.flush()  # rows the caller added (a new user, an enrolment) must exist before these reference them
    db.connection()  # the write transaction begins here (SQLite: the write lock), before the clock is read
    existing, voided_already = _known(db, org_id, {d.key for d in drafts if d.given})
    new = []
    for draft in drafts:
        raw = existing.get(draft.key)
        if raw is None:
            new.append(draft)
        elif not statements_equivalent(json.loads(raw), draft.original):
            raise StatementConflict(draft.stmt["id"])
    if new:
        rows = _rows(org_id, new, authority, voided_already)
        insert_statements(db, rows)
        _insert_index_rows(db, org_id, rows, new)
        _void(db, org_id, {draft.ref for draft in new if draft.voiding})
        if attachments:
            _store_attachments(db, org_id, [draft.stmt for draft in new], attachments)
        signals.statements_stored.send(db, statements=rows)
    return [draft.stmt["id"] for draft in drafts]


class _Draft:
    """One statement on its way in: its columns but seq, stored and voided, its index rows, and its JSON up to
    ``stored`` (``head``; None when the client sent stored, authority or version, whose places it keeps)."""

    __slots__ = ("stmt", "original", "key", "given", "owner", "version", "timestamp", "actor_ifi", "verb_id",
                 "activity_id", "ref", "registration", "voiding", "agents", "activities", "head", "tail")

    def __init__(self, original: dict, owner: int | None, authority: dict, authority_json: str,
                 version: str) -> None:
        stmt = self.stmt = dict(original)
        self.original, self.owner, self.given = original, owner, bool(stmt.get("id"))
        if not self.given:
            stmt["id"] = str(uuid.uuid4())
        self.key = stmt["id"].lower()
        _arrays_for_context_activities(stmt)
        self.version = stored_version(stmt, version)
        self.timestamp = parse_timestamp(stmt["timestamp"]) if "timestamp" in stmt else None
        self.actor_ifi, self.verb_id = ifi_or_empty(stmt["actor"]), stmt["verb"]["id"]
        self.activity_id, self.ref, self.registration = object_activity_id(stmt), ref_id(stmt), registration(stmt)
        self.voiding = _is_voiding(stmt)
        self.agents, self.activities = statement_agents(stmt, authority), statement_activities(stmt)
        self.head = self.tail = None
        if not any(key in stmt for key in _LRS_KEYS):
            # A JSON object is "{" + members + "}": the members after "stored" are known now, "stored" is not.
            self.head = _serialize(stmt)[:-1] + ',"stored":"'
            self.tail = f'","authority":{authority_json},"version":{json.dumps(self.version)}'

    def raw(self, stored: str, authority: dict) -> str:
        """The statement's JSON as stored."""
        if self.head is not None:
            timestamp = "" if self.timestamp is not None else f',"timestamp":"{stored}"'
            return f"{self.head}{stored}{self.tail}{timestamp}}}"
        stmt = self.stmt
        stmt["stored"], stmt["authority"], stmt["version"] = stored, authority, self.version
        stmt.setdefault("timestamp", stored)
        return _serialize(stmt)


def _drafts(statements: list[dict], authority: dict, version: str, user_id: int | None,
            user_ids: list[int | None] | None) -> list[_Draft]:
    authority_json = _serialize(authority)
    drafts, given = [], set()
    for position, original in enumerate(statements):
        owner = user_ids[position] if user_ids is not None else user_id
        draft = _Draft(original, owner, authority, authority_json, version)
        if draft.given:
            if draft.key in given:
                raise StatementError(f"id {draft.stmt['id']} occurs twice in one batch", path="id",
                                     section="Communication 2.1.2")
            given.add(draft.key)
        drafts.append(draft)
    return drafts


def _rows(org_id: int, new: list[_Draft], authority: dict, voided_already: set[str]) -> list[StoredStatement]:
    now = datetime.now(timezone.utc)
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    stored = format_time(now)
    voiding_targets = {draft.ref for draft in new if draft.voiding}
    return [StoredStatement(
        org_id, draft.key, now, draft.timestamp or now, draft.actor_ifi, draft.verb_id, draft.activity_id,
        draft.ref, draft.registration, draft.owner,
        (draft.key in voiding_targets or draft.key in voided_already) and not draft.voiding,
        draft.version, draft.raw(stored, authority)) for draft in new]


def _insert_index_rows(db: Session, org_id: int, rows: list[StoredStatement], new: list[_Draft]) -> None:
    agent_rows, activity_rows = [], []
    for row, draft in zip(rows, new):
        seq, verb_id = row.seq, row.verb_id
        agent_rows += [(seq, org_id, ifi, relation, verb_id) for ifi, relation in draft.agents.items()]
        activity_rows += [(seq, org_id, activity, relation) for activity, relation in draft.activities.items()]
    insert_rows(db, "xapi_statement_agents", AGENT_COLUMNS, agent_rows)
    insert_rows(db, "xapi_statement_activities", ACTIVITY_COLUMNS, activity_rows)


def _void(db: Session, org_id: int, targets: set[str]) -> None:
    if targets:
        # A voiding statement cannot itself be voided (Data 2.3.2): such targets are left alone.
        db.execute(update(Statement).where(Statement.org_id == org_id, Statement.statement_id.in_(targets),
                                           Statement.verb_id != VOIDED_VERB).values(voided=True)
                   .execution_options(synchronize_session=False))


@lru_cache(maxsize=128)
def _known_ids_sql(keys: int) -> str:
    """Stored rows among `keys` ids, and the given ids some stored statement already voids (driver-level SQL)."""
    markers = ", ".join(["?"] * keys)
    table = Statement.__tablename__
    return (f"SELECT statement_id, raw, 0 FROM {table} WHERE org_id = ? AND statement_id IN ({markers}) "
            f"UNION ALL SELECT ref_statement_id, NULL, 1 FROM {table} "
            f"WHERE org_id = ? AND verb_id = ? AND ref_statement_id IN ({markers})")


def _known(db: Session, org_id: int, given: set[str]) -> tuple[dict[str, str], set[str]]:
    """For client-chosen ids, in one round trip: the stored ones (id -> raw) and those already voided.

    A voiding statement may arrive before its target; the target is then voided from the start.
    """
    if not given:
        return {}, set()
    existing, voided = {}, set()
    keys = list(given)
    for key, raw, is_voiding in driver_rows(db, _known_ids_sql(len(keys)), (org_id, *keys, org_id, VOIDED_VERB,
                                                                            *keys)):
        if is_voiding:
            voided.add(key)
        else:
            existing[key] = raw
    return existing, voided


class StoredStatement:
    """A statement row just written (the columns of Statement), as the statements_stored signal hands it on."""

    __slots__ = ("seq", *STATEMENT_COLUMNS)

    # Spelt out (built inside the write lock, once per statement): a loop of setattr costs three times as much.
    def __init__(self, org_id: int, statement_id: str, stored: datetime, timestamp: datetime, actor_ifi: str,
                 verb_id: str, activity_id: str | None, ref_statement_id: str | None, registration: str | None,
                 user_id: int | None, voided: bool, version: str, raw: str) -> None:
        self.seq = None
        self.org_id, self.statement_id, self.stored, self.timestamp = org_id, statement_id, stored, timestamp
        self.actor_ifi, self.verb_id, self.activity_id = actor_ifi, verb_id, activity_id
        self.ref_statement_id, self.registration, self.user_id = ref_statement_id, registration, user_id
        self.voided, self.version, self.raw = voided, version, raw


assert StoredStatement.__init__.__code__.co_varnames[1:len(STATEMENT_COLUMNS) + 1] == STATEMENT_COLUMNS


def _serialize(stmt: dict) -> str:
    try:
        return json.dumps(stmt, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError:
        # e.g. 1e400 in an extension parses to infinity, which JSON cannot carry
        raise StatementError("contains a number outside the range JSON can represent", path=stmt.get("id", ""),
                             section="Data 2.2") from None


def _store_attachments(db: Session, org_id: int, statements: list[dict],
                       payloads: dict[str, tuple[str, bytes]]) -> None:
    wanted = {}
    for stmt in statements:
        for attachment in _all_attachments(stmt):
            sha2 = str(attachment.get("sha2", "")).lower()
            if sha2 in payloads:
                wanted[sha2] = payloads[sha2]
    if not wanted:
        return
    have = set(db.scalars(select(Attachment.sha2).where(Attachment.org_id == org_id,
                                                        Attachment.sha2.in_(list(wanted)))))
    for sha2, (content_type, content) in wanted.items():
        if sha2 not in have:
            db.add(Attachment(org_id=org_id, sha2=sha2, content_type=content_type, content=content))
    db.flush()


def _all_attachments(stmt: dict) -> list[dict]:
    found = list(stmt.get("attachments") or [])
    obj = stmt.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        found += list(obj.get("attachments") or [])
    return [a for a in found if isinstance(a, dict)]


def _is_voiding(stmt: dict) -> bool:
    obj = stmt.get("object")
    return stmt["verb"].get("id") == VOIDED_VERB and isinstance(obj, dict) and obj.get("objectType") == "StatementRef"


def _arrays_for_context_activities(stmt: dict) -> None:
    # The LRS returns every contextActivities value as an array (Data 2.4.6.2), so it stores them that way.
    # Containers are copied on the way down: the caller's dicts stay untouched.
    for holder, key in ((stmt, "context"), (stmt.get("object"), "context")):
        if not isinstance(holder, dict) or not isinstance(holder.get(key), dict):
            continue
        activities = holder[key].get("contextActivities")
        if isinstance(activities, dict) and any(isinstance(v, dict) for v in activities.values()):
            if holder is not stmt:
                holder = stmt["object"] = dict(holder)
            holder[key] = {**holder[key], "contextActivities": {
                name: [value] if isinstance(value, dict) else value for name, value in activities.items()}}
