"""Validation of Agents, Groups, authorities and Statement References (Data 2.4.2, 2.4.9, 2.4.4.3)."""
from __future__ import annotations

from typing import Any

from .validation_core import (
    IFI_KEYS,
    check_array,
    check_iri,
    check_obj,
    check_string,
    check_uuid,
    fail,
    is_mbox,
    is_sha1sum,
    join,
)

AGENT_KEYS = ("objectType", "name", *IFI_KEYS)
GROUP_KEYS = ("objectType", "name", "member", *IFI_KEYS)
ACCOUNT_KEYS = ("homePage", "name")
STATEMENT_REF_KEYS = ("objectType", "id")


def validate_actor(value: Any, path: str, *, as_object: bool = False, allow_group: bool = True) -> str:
    """Validate an Agent or Group (objectType required when as_object); return its objectType."""
    section = "Data 2.4.4.2" if as_object else "Data 2.4.2"
    if not isinstance(value, dict):
        fail(path, "must be an Agent or Group object", section)
    if "objectType" in value:
        object_type = value["objectType"]
        if object_type is None:
            fail(join(path, "objectType"), "must not be null", "Data 2.2")
        if object_type not in ("Agent", "Group"):
            fail(join(path, "objectType"), f"must be 'Agent' or 'Group' (got {object_type!r})", section)
    elif as_object:
        fail(join(path, "objectType"), "is required when an Agent or Group is the object", "Data 2.4.4.2")
    object_type = value.get("objectType", "Agent")
    if object_type == "Group":
        if not allow_group:
            fail(join(path, "objectType"), "must be an Agent here, not a Group", section)
        _validate_group(value, path)
    else:
        _validate_agent(value, path)
    return object_type


def _ifis_of(value: dict) -> list[str]:
    return [key for key in IFI_KEYS if key in value]


def _validate_agent(value: dict, path: str) -> None:
    check_obj(value, path, AGENT_KEYS, (), "Data 2.4.2.1")
    if "name" in value:
        check_string(value["name"], join(path, "name"), "Data 2.4.2.1")
    ifis = _ifis_of(value)
    if len(ifis) != 1:
        found = ", ".join(ifis) or "none"
        fail(path, f"an Agent MUST have exactly one Inverse Functional Identifier (found: {found})",
             "Data 2.4.2.1")
    _validate_ifi(ifis[0], value[ifis[0]], join(path, ifis[0]))


def _validate_group(value: dict, path: str) -> None:
    check_obj(value, path, GROUP_KEYS, (), "Data 2.4.2.2")
    if "name" in value:
        check_string(value["name"], join(path, "name"), "Data 2.4.2.2")
    ifis = _ifis_of(value)
    if len(ifis) > 1:
        fail(path, f"an Identified Group MUST have exactly one Inverse Functional Identifier "
                   f"(found: {', '.join(ifis)})", "Data 2.4.2.2")
    if ifis:
        _validate_ifi(ifis[0], value[ifis[0]], join(path, ifis[0]))
    elif "member" not in value:
        fail(join(path, "member"), "an Anonymous Group MUST include a 'member' list", "Data 2.4.2.2")
    if "member" in value:
        member_path = join(path, "member")
        members = check_array(value["member"], member_path, "Data 2.4.2.2")
        if not members and not ifis:
            fail(member_path, "an Anonymous Group MUST list at least one member Agent", "Data 2.4.2.2")
        for i, member in enumerate(members):
            item_path = join(member_path, i)
            if member is None:
                fail(item_path, "must not be null", "Data 2.2")
            if isinstance(member, dict) and member.get("objectType") == "Group":
                fail(item_path, "Group members MUST be Agents, not Groups", "Data 2.4.2.2")
            validate_actor(member, item_path, allow_group=False)


def _validate_ifi(key: str, value: Any, path: str) -> None:
    section = "Data 2.4.2.3"
    if key == "mbox":
        check_string(value, path, section)
        if not is_mbox(value):
            fail(path, f"must be a 'mailto:' IRI with an e-mail address (got {value!r})", section)
    elif key == "mbox_sha1sum":
        check_string(value, path, section)
        if not is_sha1sum(value):
            fail(path, "must be the hex-encoded SHA1 (40 hex digits) of a mailto IRI", section)
    elif key == "openid":
        check_iri(value, path, section, what="a URI")
    else:
        check_obj(value, path, ACCOUNT_KEYS, ACCOUNT_KEYS, "Data 2.4.2.4")
        check_iri(value["homePage"], join(path, "homePage"), "Data 2.4.2.4", what="an IRL")
        check_string(value["name"], join(path, "name"), "Data 2.4.2.4")


def validate_authority(value: Any, path: str) -> None:
    """Validate an authority: an Agent, or a Group of exactly two Agents (3-legged OAuth)."""
    object_type = validate_actor(value, path)
    if object_type == "Group":
        ifis = _ifis_of(value)
        if ifis:
            # The OAuth consumer/user pairing is an Anonymous Group; the conformance suite rejects IFIs here.
            fail(join(path, ifis[0]), "an authority Group MUST be an Anonymous Group (no IFI)", "Data 2.4.9")
        members = value.get("member", [])
        if len(members) != 2:
            fail(join(path, "member"), "an authority Group (3-legged OAuth) MUST contain exactly two Agents",
                 "Data 2.4.9")


def validate_statement_ref(value: Any, path: str) -> None:
    """Validate a Statement Reference: objectType 'StatementRef' and a UUID id."""
    section = "Data 2.4.4.3 Statement References"
    check_obj(value, path, STATEMENT_REF_KEYS, STATEMENT_REF_KEYS, section)
    if value["objectType"] != "StatementRef":
        fail(join(path, "objectType"), "must be 'StatementRef'", section)
    check_uuid(value["id"], join(path, "id"), section)


def validate_group_slot(value: Any, path: str, section: str) -> None:
    """Validate a property that must hold a Group (objectType 'Group' required)."""
    if isinstance(value, dict) and "objectType" in value:
        validate_actor(value, path)
    if not isinstance(value, dict) or value.get("objectType") != "Group":
        fail(path, "must be a Group (with objectType 'Group')", section)
