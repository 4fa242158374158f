"""Statement comparison (Data 2.3.1): do two statements match, ignoring what the LRS itself could have changed?

Used for a statement id sent again (same content: no-op, else 409) and for signed statements (the JWS payload
against the statement received).
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from .validation import StatementError, parse_timestamp

__all__ = ["format_time", "statements_equivalent"]

_LRS_KEYS = ("id", "stored", "authority", "version")
_LANG_MAP_KEYS = ("display", "name", "description")


def format_time(value: datetime) -> str:
    """ISO 8601 UTC with millisecond precision and 'Z', as the LRS writes 'stored'."""
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def statements_equivalent(a: dict, b: dict) -> bool:
    """True if two statements match under the Statement comparison requirements (Data 2.3.1)."""
    left, right = _canonical_statement(a, top=True), _canonical_statement(b, top=True)
    # A missing timestamp is filled in by the LRS, so only two given timestamps are compared.
    if "timestamp" not in left or "timestamp" not in right:
        left.pop("timestamp", None)
        right.pop("timestamp", None)
    return _dump(left) == _dump(right)


def _dump(value: Any) -> str:
    return json.dumps(_numbers(value), sort_keys=True, ensure_ascii=False)


def _numbers(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return value


def _instant(value: Any) -> Any:
    # Timestamps compare as points in time at millisecond precision (Data 2.3.1, 4.5).
    try:
        return format_time(parse_timestamp(value))
    except StatementError:
        return value


def _canonical_statement(stmt: dict, *, top: bool) -> dict:
    out: dict[str, Any] = {}
    for key, value in stmt.items():
        if top and key in _LRS_KEYS:
            continue
        if key == "timestamp":
            out[key] = _instant(value)
        elif key in ("actor", "authority"):
            out[key] = _canonical_agent(value)
        elif key == "verb":
            # The Verb's display is not part of the statement (Data 2.3.1).
            out[key] = {"id": value.get("id")} if isinstance(value, dict) else value
        elif key == "object":
            out[key] = _canonical_object(value)
        elif key == "context":
            out[key] = _canonical_context(value)
        elif key == "attachments" and isinstance(value, list):
            out[key] = [_canonical_attachment(a) for a in value]
        elif key == "result" and isinstance(value, dict) and isinstance(value.get("duration"), str):
            out[key] = {**value, "duration": _duration_key(value["duration"])}
        else:
            out[key] = value
    return out


def _duration_key(duration: str) -> str:
    """A duration for comparison: seconds cut (not rounded) to 0.01 s, as Data 4.6 / 2.0 Data 4.6 require."""
    if not duration.startswith("P") or not duration.endswith("S"):
        return duration
    head = duration[:-1].rstrip("0123456789.,")
    number = duration[len(head):-1]
    if not head or len(number) > 40:
        return duration
    try:
        seconds = Decimal(number.replace(",", ".")).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    except InvalidOperation:
        return duration
    return f"{head}{seconds}S"


def _canonical_agent(agent: Any) -> Any:
    if not isinstance(agent, dict):
        return agent
    out = dict(agent)
    out.setdefault("objectType", "Agent")
    if isinstance(out.get("mbox"), str):
        scheme, _, address = out["mbox"].partition(":")
        local, at, domain = address.rpartition("@")
        out["mbox"] = f"{scheme.lower()}:{local}{at}{domain.lower()}"
    if isinstance(out.get("mbox_sha1sum"), str):
        out["mbox_sha1sum"] = out["mbox_sha1sum"].lower()
    if isinstance(out.get("member"), list):
        # Group members are an unordered list (Data 2.3.1).
        out["member"] = sorted((_canonical_agent(m) for m in out["member"]), key=_dump)
    return out


def _canonical_activity(activity: Any) -> Any:
    # Activity definitions are not part of the statement (Data 2.3.1): only the id counts.
    if not isinstance(activity, dict):
        return activity
    return {"objectType": "Activity", "id": activity.get("id")}


def _canonical_object(obj: Any) -> Any:
    if not isinstance(obj, dict):
        return obj
    object_type = obj.get("objectType", "Activity")
    if object_type == "Activity":
        return _canonical_activity(obj)
    if object_type in ("Agent", "Group"):
        return _canonical_agent(obj)
    if object_type == "StatementRef":
        return {"objectType": "StatementRef", "id": str(obj.get("id", "")).lower()}
    return _canonical_statement(obj, top=False)


def _canonical_context(context: Any) -> Any:
    if not isinstance(context, dict):
        return context
    out = dict(context)
    if isinstance(out.get("registration"), str):
        out["registration"] = out["registration"].lower()
    if isinstance(out.get("language"), str):
        out["language"] = out["language"].lower()
    for key in ("instructor", "team"):
        if key in out:
            out[key] = _canonical_agent(out[key])
    if isinstance(out.get("statement"), dict):
        out["statement"] = _canonical_object(out["statement"])
    for key, member in (("contextAgents", "agent"), ("contextGroups", "group")):
        if isinstance(out.get(key), list):
            out[key] = [{**item, member: _canonical_agent(item.get(member))} if isinstance(item, dict) else item
                        for item in out[key]]
    activities = out.get("contextActivities")
    if isinstance(activities, dict):
        out["contextActivities"] = {
            key: [_canonical_activity(a) for a in (value if isinstance(value, list) else [value])]
            for key, value in activities.items()}
    return out


def _canonical_attachment(attachment: Any) -> Any:
    if not isinstance(attachment, dict):
        return attachment
    out = dict(attachment)
    if isinstance(out.get("sha2"), str):
        out["sha2"] = out["sha2"].lower()
    for key in _LANG_MAP_KEYS:
        if isinstance(out.get(key), dict):
            # Language tags are case-insensitive (RFC 5646).
            out[key] = {str(tag).lower(): text for tag, text in out[key].items()}
    return out
