"""Statement output formats ids / exact / canonical and Accept-Language handling (Communication 2.1.3)."""
from __future__ import annotations

import copy
import re
from typing import Any, Iterable, Mapping

from .validation_core import IFI_KEYS, StatementError

__all__ = ["FORMATS", "format_statement", "parse_accept_language", "pick_language"]

FORMATS = ("ids", "exact", "canonical")
_COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
_RANGE = re.compile(r"^(?:\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$")


def format_statement(stmt: dict, fmt: str, languages: Iterable[str] = (), *,
                     definitions: Mapping[str, dict] | None = None) -> dict:
    """Return a deep copy of a stored Statement in format 'ids', 'exact' or 'canonical' (Communication 2.1.3)."""
    # contextActivities go out as arrays in every format (Data 2.4.6.2 LRS MUST). `definitions`
    # (Activity id -> the LRS's canonical definition) lets 'canonical' use stored definitions.
    if fmt not in FORMATS:
        raise StatementError(f"must be one of {', '.join(FORMATS)} (got {fmt!r})", path="format",
                             section="Communication 2.1.3")
    out = copy.deepcopy(stmt)
    _walk_statement(out, fmt, list(languages or ()), definitions or {})
    return out


def parse_accept_language(header: str | None) -> list[str]:
    """Parse an Accept-Language header into language ranges, best first (q=0 and junk dropped)."""
    if not header:
        return []
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        tag = pieces[0]
        if not tag or not _RANGE.match(tag):
            continue
        quality = 1.0
        for param in pieces[1:]:
            name, _, raw = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(raw.strip())
                except ValueError:
                    quality = -1.0
        if not 0 < quality <= 1:
            continue
        ranked.append((-quality, index, tag))
    ranked.sort()
    return [tag for _, _, tag in ranked]


def pick_language(lang_map: Mapping[str, Any], languages: Iterable[str]) -> str | None:
    """Choose the key of `lang_map` that best matches the preferred ranges (None for an empty map)."""
    keys = list(lang_map)
    if not keys:
        return None
    lowered = {key.lower(): key for key in keys}
    for wanted in languages:
        wanted = wanted.lower()
        if wanted == "*":
            return keys[0]
        if wanted in lowered:
            return lowered[wanted]
        # RFC 2616 14.4: a range also matches any tag it is a prefix of ("en" -> "en-US").
        for low, key in lowered.items():
            if low.startswith(wanted + "-"):
                return key
        # RFC 4647 lookup-style fallback: "en-US" may be served by "en".
        parts = wanted.split("-")
        while len(parts) > 1:
            parts.pop()
            if "-".join(parts) in lowered:
                return lowered["-".join(parts)]
    return keys[0]


def _walk_statement(stmt: dict, fmt: str, languages: list[str], definitions: Mapping[str, dict]) -> None:
    if not isinstance(stmt, dict):
        return
    context = stmt.get("context")
    if isinstance(context, dict):
        _arrays_for_context_activities(context)
    if fmt == "exact":
        obj = stmt.get("object")
        if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
            _walk_statement(obj, fmt, languages, definitions)
        return
    ids = fmt == "ids"
    for key in ("actor", "authority"):
        if isinstance(stmt.get(key), dict) and ids:
            stmt[key] = _agent_ids(stmt[key])
    verb = stmt.get("verb")
    if isinstance(verb, dict):
        if ids:
            stmt["verb"] = {"id": verb.get("id")}
        elif isinstance(verb.get("display"), dict):
            verb["display"] = _reduce(verb["display"], languages)
    obj = stmt.get("object")
    if isinstance(obj, dict):
        object_type = obj.get("objectType", "Activity")
        if object_type == "Activity":
            stmt["object"] = _activity(obj, ids, languages, definitions)
        elif object_type in ("Agent", "Group") and ids:
            stmt["object"] = _agent_ids(obj)
        elif object_type == "SubStatement":
            _walk_statement(obj, fmt, languages, definitions)
    if isinstance(context, dict):
        if ids:
            for key in ("instructor", "team"):
                if isinstance(context.get(key), dict):
                    context[key] = _agent_ids(context[key])
            for key, member in (("contextAgents", "agent"), ("contextGroups", "group")):
                for item in context.get(key) or []:
                    if isinstance(item, dict) and isinstance(item.get(member), dict):
                        item[member] = _agent_ids(item[member])
        activities = context.get("contextActivities")
        if isinstance(activities, dict):
            for key, items in activities.items():
                activities[key] = [_activity(a, ids, languages, definitions) if isinstance(a, dict) else a
                                   for a in items]
    if not ids:
        for attachment in stmt.get("attachments") or []:
            if isinstance(attachment, dict):
                for key in ("display", "description"):
                    if isinstance(attachment.get(key), dict):
                        attachment[key] = _reduce(attachment[key], languages)


def _arrays_for_context_activities(context: dict) -> None:
    activities = context.get("contextActivities")
    if isinstance(activities, dict):
        for key, value in list(activities.items()):
            if isinstance(value, dict):
                activities[key] = [value]


def _agent_ids(agent: dict) -> dict:
    out: dict[str, Any] = {}
    if "objectType" in agent:
        out["objectType"] = agent["objectType"]
    ifis = [key for key in IFI_KEYS if key in agent]
    for key in ifis:
        out[key] = agent[key]
    if not ifis and isinstance(agent.get("member"), list):
        # An Anonymous Group is identified only by its members (Communication 2.1.3 "format").
        out["member"] = [_agent_ids(m) if isinstance(m, dict) else m for m in agent["member"]]
    return out


def _activity(activity: dict, ids: bool, languages: list[str], definitions: Mapping[str, dict]) -> dict:
    if ids:
        return {"id": activity.get("id")}  # Communication 2.1.3: an Activity in "ids" format is its id alone
    canonical = definitions.get(activity.get("id"))
    if canonical:
        activity["definition"] = copy.deepcopy(canonical)
    definition = activity.get("definition")
    if isinstance(definition, dict):
        for key in ("name", "description"):
            if isinstance(definition.get(key), dict):
                definition[key] = _reduce(definition[key], languages)
        for key in _COMPONENT_LISTS:
            for component in definition.get(key) or []:
                if isinstance(component, dict) and isinstance(component.get("description"), dict):
                    component["description"] = _reduce(component["description"], languages)
    return activity


def _reduce(lang_map: dict, languages: list[str]) -> dict:
    key = pick_language(lang_map, languages)
    return {} if key is None else {key: lang_map[key]}
