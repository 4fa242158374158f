"""The index rows of a statement: every agent and activity it mentions, for the agent/activity filters.

store.py writes them next to each statement (xapi_statement_agents, xapi_statement_activities); the query side
reads them. Pure functions of the statement as stored (authority included).
"""
from __future__ import annotations

from typing import Any, Iterable

from .agents import agent_ifi
from .validation import StatementError

__all__ = ["ifi_or_empty", "object_activity_id", "ref_id", "registration", "statement_activities", "statement_agents"]


def ifi_or_empty(agent: Any) -> str:
    """The canonical IFI key of an Agent or Identified Group; "" for an Anonymous Group (its members count)."""
    try:
        return agent_ifi(agent)
    except StatementError:
        return ""


def object_activity_id(stmt: dict) -> str | None:
    """The object's Activity id, or None when the object is no Activity."""
    obj = stmt.get("object")
    if isinstance(obj, dict) and obj.get("objectType", "Activity") == "Activity":
        return obj.get("id")
    return None


def ref_id(stmt: dict) -> str | None:
    """The id of the statement a StatementRef object points to (lower case), or None."""
    obj = stmt.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "StatementRef" and isinstance(obj.get("id"), str):
        return obj["id"].lower()
    return None


def registration(stmt: dict) -> str | None:
    """The context's registration (lower case), or None."""
    context = stmt.get("context")
    value = context.get("registration") if isinstance(context, dict) else None
    return value.lower() if isinstance(value, str) else None


def _agent_keys(agent: Any) -> list[str]:
    """IFI keys of an Agent/Group and of a Group's members."""
    if not isinstance(agent, dict):
        return []
    keys = [key for key in [ifi_or_empty(agent)] if key]
    if agent.get("objectType") == "Group":
        keys += [k for k in (ifi_or_empty(m) for m in agent.get("member") or []) if k]
    return keys


def _context_agents(context: Any) -> list[dict]:
    if not isinstance(context, dict):
        return []
    agents = [context.get("instructor"), context.get("team")]
    agents += [item.get("agent") for item in context.get("contextAgents") or [] if isinstance(item, dict)]
    agents += [item.get("group") for item in context.get("contextGroups") or [] if isinstance(item, dict)]
    return [agent for agent in agents if isinstance(agent, dict)]


def statement_agents(stmt: dict, authority: dict | None = None) -> dict[str, str]:
    """Index rows for a statement: IFI -> 'actor' (actor/object and their members) or 'related'.

    `authority` stands for the statement's own authority (the one the LRS is about to write into it)."""
    found: dict[str, str] = {}
    obj = stmt.get("object") if isinstance(stmt.get("object"), dict) else {}
    # Communication 2.1.3 "agent": a Group whose members include the Agent matches as well.
    direct = [stmt.get("actor")] + ([obj] if obj.get("objectType") in ("Agent", "Group") else [])
    related = [authority or stmt.get("authority")] + _context_agents(stmt.get("context"))
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
    own = object_activity_id(stmt)
    if own:
        found[own] = "object"
    related = list(_context_activity_ids(stmt.get("context")))
    obj = stmt.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        sub_activity = object_activity_id(obj)
        if sub_activity:
            related.append(sub_activity)
        related += _context_activity_ids(obj.get("context"))
    for activity_id in related:
        found.setdefault(activity_id, "related")
    return found
