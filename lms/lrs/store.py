"""Storing statements: the single way a statement enters the LRS (LRS clients and the app's own emitter).

Callers validate first (validation.py); this module assigns the LRS properties (Data 2.4.1, 2.4.7-2.4.10),
detects id conflicts with the Statement comparison rules (Data 2.3.1), applies voiding (Data 2.3.2),
writes the agent/activity index rows and sends ``statement_stored`` for every new row, all in the
caller's session (it flushes, never commits) and without touching ``flask.request``.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any, Iterable

from sqlalchemy import bindparam, insert, literal, select, union_all, update
from sqlalchemy.orm import Session

from .. import signals
from .agents import agent_ifi
from .compare import format_time, statements_equivalent
from .models import Attachment, Statement, StatementActivity, StatementAgent
from .validation import StatementError, parse_timestamp

__all__ = ["StatementConflict", "store_statements", "statements_equivalent", "stored_version", "format_time",
           "VOIDED_VERB"]

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
_COLUMNS = ("org_id", "statement_id", "stored", "timestamp", "actor_ifi", "verb_id", "activity_id",
            "ref_statement_id", "registration", "user_id", "voided", "version", "raw")


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


def store_statements(db: Session, org_id: int, statements: list[dict], *, authority: dict, version: str,
                     user_id: int | None = None, user_ids: list[int | None] | None = None,
                     attachments: dict[str, tuple[str, bytes]] | None = None) -> list[str]:
    """Store statements for one organisation; returns their ids in order (existing identical ones skipped).

    The statements belong to `user_id`, or each to its entry of `user_ids` (a batch for many learners)."""
    now = datetime.now(timezone.utc)
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    stored = format_time(now)
    prepared: list[dict] = []
    given: set[str] = set()  # client-chosen ids: only these can exist already or be targeted by voiding
    for original in statements:
        stmt = dict(original)
        if stmt.get("id"):
            key = stmt["id"].lower()
            if key in given:
                raise StatementError(f"id {stmt['id']} occurs twice in one batch", path="id",
                                     section="Communication 2.1.2")
            given.add(key)
        else:
            stmt["id"] = str(uuid.uuid4())
        prepared.append(stmt)
    owners = dict(zip((stmt["id"] for stmt in prepared), user_ids)) if user_ids is not None else {}
    ids = [stmt["id"] for stmt in prepared]

    existing, voided_already = _known(db, org_id, given)
    new: list[dict] = []
    for stmt in prepared:
        raw = existing.get(stmt["id"].lower())
        if raw is None:
            new.append(stmt)
        elif not statements_equivalent(json.loads(raw), stmt):
            raise StatementConflict(stmt["id"])
    if not new:
        return ids

    voiding_targets = {_ref_id(stmt) for stmt in new if _is_voiding(stmt)}
    rows = []
    for stmt in new:
        stmt["stored"] = stored
        stmt["authority"] = authority
        stmt["version"] = stored_version(stmt, version)
        stmt.setdefault("timestamp", stored)
        _arrays_for_context_activities(stmt)
        key = stmt["id"].lower()
        rows.append(StoredStatement(
            org_id=org_id, statement_id=key, stored=now, timestamp=parse_timestamp(stmt["timestamp"]),
            actor_ifi=_ifi_or_empty(stmt["actor"]), verb_id=stmt["verb"]["id"], activity_id=_activity_id(stmt),
            ref_statement_id=_ref_id(stmt), registration=_registration(stmt), user_id=owners.get(stmt["id"], user_id),
            voided=(key in voiding_targets or key in voided_already) and not _is_voiding(stmt),
            version=stmt["version"], raw=_serialize(stmt)))
    _insert_statements(db, rows)

    agent_rows, activity_rows = [], []
    for row, stmt in zip(rows, new):
        for ifi, relation in statement_agents(stmt).items():
            agent_rows.append({"seq": row.seq, "org_id": org_id, "ifi": ifi, "relation": relation,
                               "verb_id": row.verb_id})
        for activity_id, relation in statement_activities(stmt).items():
            activity_rows.append({"seq": row.seq, "org_id": org_id, "activity_id": activity_id,
                                  "relation": relation})
    _insert_index_rows(db, StatementAgent.__table__, agent_rows)
    _insert_index_rows(db, StatementActivity.__table__, activity_rows)
    if voiding_targets:
        # A voiding statement cannot itself be voided (Data 2.3.2): such targets are left alone.
        db.execute(update(Statement).where(Statement.org_id == org_id,
                                           Statement.statement_id.in_(voiding_targets),
                                           Statement.verb_id != VOIDED_VERB).values(voided=True)
                   .execution_options(synchronize_session=False))
    if attachments:
        _store_attachments(db, org_id, new, attachments)
    for row in rows:
        signals.statement_stored.send(db, statement=row)
    return ids


def _known_ids_query():
    """Built once: stored rows among the given ids, and the given ids some stored statement already voids."""
    table, keys = Statement.__table__, bindparam("keys", expanding=True)
    stored = select(table.c.statement_id, table.c.raw, literal(False).label("voiding")).where(
        table.c.org_id == bindparam("org"), table.c.statement_id.in_(keys))
    voiding = select(table.c.ref_statement_id, literal(None), literal(True)).where(
        table.c.org_id == bindparam("org"), table.c.verb_id == VOIDED_VERB, table.c.ref_statement_id.in_(keys))
    return union_all(stored, voiding)


_KNOWN_IDS = _known_ids_query()


def _known(db: Session, org_id: int, given: set[str]) -> tuple[dict[str, str], set[str]]:
    """For client-chosen ids, in one round trip: the stored ones (id -> raw) and those already voided.

    A voiding statement may arrive before its target; the target is then voided from the start.
    """
    if not given:
        return {}, set()
    existing, voided = {}, set()
    for key, raw, is_voiding in db.execute(_KNOWN_IDS, {"org": org_id, "keys": list(given)}):
        if is_voiding:
            voided.add(key)
        else:
            existing[key] = raw
    return existing, voided


class StoredStatement:
    """A statement row just written (the columns of Statement), as the statement_stored signal hands it on."""

    __slots__ = ("seq", *_COLUMNS)

    def __init__(self, **values: Any) -> None:
        self.seq = None
        for name in _COLUMNS:
            setattr(self, name, values[name])

    def values(self) -> dict:
        """The column values for the INSERT."""
        return {name: getattr(self, name) for name in _COLUMNS}


def _insert_statements(db: Session, rows: list[StoredStatement]) -> None:
    """Multi-row INSERT … RETURNING seq (Core, not the ORM unit of work); seq is set on each row."""
    db.flush()  # rows the caller added (a new user, an enrolment) must exist before these reference them
    table = Statement.__table__
    # Matched by statement id (unique within the batch), so the rows may come back in any order and the
    # dialect can send them as multi-row VALUES instead of one INSERT per row.
    result = db.execute(insert(table).returning(table.c.statement_id, table.c.seq), [row.values() for row in rows])
    seqs = dict(result.all())
    for row in rows:
        row.seq = seqs[row.statement_id]


def _insert_index_rows(db: Session, table, rows: list[dict]) -> None:
    """The driver's own executemany: these rows hold only ints and strings, so no per-row SQLAlchemy processing."""
    if not rows:
        return
    connection = db.connection()
    names = list(rows[0])
    marker = "%({})s" if connection.dialect.paramstyle == "pyformat" else ":{}"
    sql = (f"INSERT INTO {table.name} ({', '.join(names)}) "
           f"VALUES ({', '.join(marker.format(name) for name in names)})")
    connection.exec_driver_sql(sql, rows)


def _serialize(stmt: dict) -> str:
    try:
        return json.dumps(stmt, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError:
        # e.g. 1e400 in an extension parses to infinity, which JSON cannot carry
        raise StatementError("contains a number outside the range JSON can represent", path=stmt["id"],
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


def _ref_id(stmt: dict) -> str | None:
    obj = stmt.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "StatementRef" and isinstance(obj.get("id"), str):
        return obj["id"].lower()
    return None


def _activity_id(stmt: dict) -> str | None:
    obj = stmt.get("object")
    if isinstance(obj, dict) and obj.get("objectType", "Activity") == "Activity":
        return obj.get("id")
    return None


def _registration(stmt: dict) -> str | None:
    context = stmt.get("context")
    value = context.get("registration") if isinstance(context, dict) else None
    return value.lower() if isinstance(value, str) else None


def _ifi_or_empty(agent: Any) -> str:
    try:
        return agent_ifi(agent)
    except StatementError:
        return ""  # an Anonymous Group has no IFI; its members are indexed instead


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


def _agent_keys(agent: Any) -> list[str]:
    """IFI keys of an Agent/Group and of a Group's members."""
    if not isinstance(agent, dict):
        return []
    keys = [key for key in [_ifi_or_empty(agent)] if key]
    if agent.get("objectType") == "Group":
        keys += [k for k in (_ifi_or_empty(m) for m in agent.get("member") or []) if k]
    return keys


def _context_agents(context: Any) -> list[dict]:
    if not isinstance(context, dict):
        return []
    agents = [context.get("instructor"), context.get("team")]
    agents += [item.get("agent") for item in context.get("contextAgents") or [] if isinstance(item, dict)]
    agents += [item.get("group") for item in context.get("contextGroups") or [] if isinstance(item, dict)]
    return [agent for agent in agents if isinstance(agent, dict)]


def statement_agents(stmt: dict) -> dict[str, str]:
    """Index rows for a statement: IFI -> 'actor' (actor/object and their members) or 'related'."""
    found: dict[str, str] = {}
    obj = stmt.get("object") if isinstance(stmt.get("object"), dict) else {}
    # Communication 2.1.3 "agent": a Group whose members include the Agent matches as well.
    direct = [stmt.get("actor")] + ([obj] if obj.get("objectType") in ("Agent", "Group") else [])
    related = [stmt.get("authority")] + _context_agents(stmt.get("context"))
    if obj.get("objectType") == "SubStatement":
        related.append(obj.get("actor"))
        sub_obj = obj.get("object")
        if isinstance(sub_obj, dict) and sub_obj.get("objectType") in ("Agent", "Group"):
            related.append(sub_obj)
        related += _context_agents(obj.get("context"))
    for agent in direct:
        for key in _agent_keys(agent):
            found[key] = "actor"
    for agent in related:
        for key in _agent_keys(agent):
            found.setdefault(key, "related")
    return found


def _context_activity_ids(context: Any) -> Iterable[str]:
    activities = context.get("contextActivities") if isinstance(context, dict) else None
    if not isinstance(activities, dict):
        return []
    out = []
    for value in activities.values():
        for activity in value if isinstance(value, list) else [value]:
            if isinstance(activity, dict) and isinstance(activity.get("id"), str):
                out.append(activity["id"])
    return out


def statement_activities(stmt: dict) -> dict[str, str]:
    """Index rows for a statement: activity id -> 'object' or 'related' (context, SubStatement)."""
    found: dict[str, str] = {}
    own = _activity_id(stmt)
    if own:
        found[own] = "object"
    related = list(_context_activity_ids(stmt.get("context")))
    obj = stmt.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        sub_activity = _activity_id(obj)
        if sub_activity:
            related.append(sub_activity)
        related += _context_activity_ids(obj.get("context"))
    for activity_id in related:
        found.setdefault(activity_id, "related")
    return found
