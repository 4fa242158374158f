"""Agent helpers: canonical IFI keys for indexing, the `agent` query parameter, Person objects."""
from __future__ import annotations

from typing import Any, Iterable

from .validation import StatementError, parse_json, validate_agent
from .validation_core import IFI_KEYS

__all__ = ["agent_ifi", "parse_agent_param", "group_member_ifis", "person_object"]


def agent_ifi(agent: dict) -> str:
    """Return the canonical key of an Agent's/Identified Group's single IFI, e.g. 'mbox:mailto:a@b.c'."""
    if not isinstance(agent, dict):
        raise StatementError("must be an Agent or Group object", path="agent", section="Data 2.4.2")
    present = [key for key in IFI_KEYS if key in agent]
    if len(present) != 1:
        raise StatementError(f"needs exactly one Inverse Functional Identifier (found {len(present)})",
                             path="agent", section="Data 2.4.2.3")
    key = present[0]
    value = agent[key]
    if key == "mbox":
        return f"mbox:{_normalize_mbox(value)}"
    if key == "mbox_sha1sum":
        return f"mbox_sha1sum:{str(value).lower()}"
    if key == "openid":
        return f"openid:{value}"
    if not isinstance(value, dict) or "homePage" not in value or "name" not in value:
        raise StatementError("account needs homePage and name", path="agent.account", section="Data 2.4.2.4")
    # An IRI cannot contain '|', so the first '|' always ends the homePage.
    return f"account:{value['homePage']}|{value['name']}"


def _normalize_mbox(mbox: Any) -> str:
    # The domain part of an e-mail address is case-insensitive (Data 2.4.2.3); the local part is not.
    text = str(mbox)
    scheme, _, address = text.partition(":")
    local, at, domain = address.rpartition("@")
    if not at:
        return f"{scheme.lower()}:{address}"
    return f"{scheme.lower()}:{local}@{domain.lower()}"


def parse_agent_param(text: str | bytes | dict, *, allow_group: bool = True) -> dict:
    """Parse and validate an `agent` request parameter: JSON Agent (or Identified Group) with one IFI."""
    value = text if isinstance(text, dict) else parse_json(text)
    if not isinstance(value, dict):
        raise StatementError("must be a JSON Agent object", path="agent", section="Communication 2.1.3")
    validate_agent(value, "agent", allow_group=allow_group)
    if value.get("objectType") == "Group" and not any(key in value for key in IFI_KEYS):
        raise StatementError("must be an Agent or an Identified Group (an Inverse Functional Identifier "
                             "is required)", path="agent", section="Communication 2.1.3")
    return value


def group_member_ifis(actor: dict) -> list[str]:
    """Return the IFI keys of a Group's members (empty for an Agent or a Group without members)."""
    if not isinstance(actor, dict) or actor.get("objectType") != "Group":
        return []
    keys: list[str] = []
    for member in actor.get("member") or []:
        try:
            key = agent_ifi(member)
        except StatementError:
            continue
        if key not in keys:
            keys.append(key)
    return keys


def person_object(agents: Iterable[dict]) -> dict:
    """Combine Agents into the Agents-resource Person object (objectType 'Person', array properties)."""
    person: dict[str, Any] = {"objectType": "Person"}
    lists: dict[str, list] = {key: [] for key in ("name", *IFI_KEYS)}
    for agent in agents:
        for key, items in lists.items():
            if key not in agent:
                continue
            value = agent[key]
            if key == "account" and isinstance(value, dict):
                value = {"homePage": value.get("homePage"), "name": value.get("name")}
            if value not in items:
                items.append(value)
    for key, items in lists.items():
        if items:
            person[key] = items
    return person
