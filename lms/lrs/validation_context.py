"""Validation of Result, Context (with 2.0.0 context agents) and Attachments (Data 2.4.5, 2.4.6, 2.4.11)."""
from __future__ import annotations

import re
from typing import Any

from .validation_activity import validate_activity
from .validation_actor import validate_actor, validate_group_slot, validate_statement_ref
from .validation_core import (
    check_array,
    check_bool,
    check_duration,
    check_extensions,
    check_iri,
    check_lang_map,
    check_language_tag,
    check_number,
    check_obj,
    check_string,
    check_uuid,
    fail,
    join,
)

RESULT_KEYS = ("score", "success", "completion", "response", "duration", "extensions")
SCORE_KEYS = ("scaled", "raw", "min", "max")
CONTEXT_KEYS = ("registration", "instructor", "team", "contextActivities", "revision", "platform",
                "language", "statement", "extensions")
CONTEXT_KEYS_2_0 = (*CONTEXT_KEYS, "contextAgents", "contextGroups")
CONTEXT_ACTIVITY_KEYS = ("parent", "grouping", "category", "other")
ATTACHMENT_KEYS = ("usageType", "display", "description", "contentType", "length", "sha2", "fileUrl")
ATTACHMENT_REQUIRED = ("usageType", "display", "contentType", "length", "sha2")
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]*(?:\s*;.*)?$",
                         re.S)
_SHA2_HEX_LENGTHS = (56, 64, 96, 128)


def validate_result(value: Any, path: str) -> None:
    """Validate a Result object, including its Score."""
    check_obj(value, path, RESULT_KEYS, (), "Data 2.4.5")
    if "score" in value:
        _validate_score(value["score"], join(path, "score"))
    for key in ("success", "completion"):
        if key in value:
            check_bool(value[key], join(path, key), "Data 2.4.5")
    if "response" in value:
        check_string(value["response"], join(path, "response"), "Data 2.4.5")
    if "duration" in value:
        check_duration(value["duration"], join(path, "duration"))
    if "extensions" in value:
        check_extensions(value["extensions"], join(path, "extensions"))


def _validate_score(value: Any, path: str) -> None:
    section = "Data 2.4.5.1"
    check_obj(value, path, SCORE_KEYS, (), section)
    for key in SCORE_KEYS:
        if key in value:
            check_number(value[key], join(path, key), section)
    if "scaled" in value and not -1 <= value["scaled"] <= 1:
        fail(join(path, "scaled"), f"must be between -1 and 1 inclusive (got {value['scaled']})", section)
    low, high = value.get("min"), value.get("max")
    if low is not None and high is not None and low > high:
        fail(join(path, "min"), f"must not be greater than max ({low} > {high})", section)
    if "raw" in value:
        raw = value["raw"]
        if low is not None and raw < low:
            fail(join(path, "raw"), f"must not be less than min ({raw} < {low})", section)
        if high is not None and raw > high:
            fail(join(path, "raw"), f"must not be greater than max ({raw} > {high})", section)


def validate_context(value: Any, path: str, object_type: str, *, v2: bool = False) -> None:
    """Validate a Context object; object_type is that of the enclosing Statement's object."""
    section = "Data 2.4.6"
    if isinstance(value, dict) and not v2:
        for key in ("contextAgents", "contextGroups"):
            if key in value:
                fail(join(path, key), "is only allowed in xAPI 2.0.0 Statements", "Data 2.2")
    check_obj(value, path, CONTEXT_KEYS_2_0 if v2 else CONTEXT_KEYS, (), section)
    if "registration" in value:
        check_uuid(value["registration"], join(path, "registration"), "Data 2.4.6.1")
    if "instructor" in value:
        validate_actor(value["instructor"], join(path, "instructor"))
    if "team" in value:
        validate_group_slot(value["team"], join(path, "team"), section)
    if "contextActivities" in value:
        _validate_context_activities(value["contextActivities"], join(path, "contextActivities"))
    for key in ("revision", "platform"):
        if key in value:
            check_string(value[key], join(path, key), section)
            if object_type != "Activity":
                fail(join(path, key), f"MUST only be used when the Statement's object is an Activity "
                                      f"(object is {object_type})", section)
    if "language" in value:
        check_language_tag(value["language"], join(path, "language"), section)
    if "statement" in value:
        validate_statement_ref(value["statement"], join(path, "statement"))
    if "extensions" in value:
        check_extensions(value["extensions"], join(path, "extensions"))
    if "contextAgents" in value:
        _validate_context_agents(value["contextAgents"], join(path, "contextAgents"), group=False)
    if "contextGroups" in value:
        _validate_context_agents(value["contextGroups"], join(path, "contextGroups"), group=True)


def _validate_context_activities(value: Any, path: str) -> None:
    section = "Data 2.4.6.2"
    check_obj(value, path, CONTEXT_ACTIVITY_KEYS, (), section)
    for key, item in value.items():
        item_path = join(path, key)
        if isinstance(item, list):
            for i, activity in enumerate(item):
                if activity is None:
                    fail(join(item_path, i), "must not be null", "Data 2.2")
                _check_context_activity(activity, join(item_path, i))
        elif isinstance(item, dict):
            _check_context_activity(item, item_path)
        else:
            fail(item_path, "must be an Activity object or an array of Activity objects", section)


def _check_context_activity(value: Any, path: str) -> None:
    if not isinstance(value, dict):
        fail(path, "must be an Activity object", "Data 2.4.6.2")
    if value.get("objectType", "Activity") != "Activity":
        fail(join(path, "objectType"), "context activities must be Activities", "Data 2.4.6.2")
    validate_activity(value, path)


def _validate_context_agents(value: Any, path: str, *, group: bool) -> None:
    section = "xAPI 2.0 Data 2.4.6 Context Agents/Groups"
    kind, member_key = ("contextGroup", "group") if group else ("contextAgent", "agent")
    for i, item in enumerate(check_array(value, path, section)):
        item_path = join(path, i)
        if item is None:
            fail(item_path, "must not be null", "Data 2.2")
        check_obj(item, item_path, ("objectType", member_key, "relevantTypes"), ("objectType", member_key),
                  section)
        if item["objectType"] != kind:
            fail(join(item_path, "objectType"), f"must be {kind!r}", section)
        actor_path = join(item_path, member_key)
        actor = item[member_key]
        if group:
            validate_group_slot(actor, actor_path, section)
        else:
            validate_actor(actor, actor_path, allow_group=False)
        if "relevantTypes" in item:
            types_path = join(item_path, "relevantTypes")
            types = check_array(item["relevantTypes"], types_path, section)
            if not types:
                fail(types_path, "must contain at least one IRI when present", section)
            for j, iri in enumerate(types):
                check_iri(iri, join(types_path, j), section)


def validate_attachments(value: Any, path: str) -> None:
    """Validate an array of Attachment metadata objects."""
    section = "Data 2.4.11"
    for i, attachment in enumerate(check_array(value, path, section)):
        item_path = join(path, i)
        if attachment is None:
            fail(item_path, "must not be null", "Data 2.2")
        check_obj(attachment, item_path, ATTACHMENT_KEYS, ATTACHMENT_REQUIRED, section)
        check_iri(attachment["usageType"], join(item_path, "usageType"), section)
        check_lang_map(attachment["display"], join(item_path, "display"))
        if "description" in attachment:
            check_lang_map(attachment["description"], join(item_path, "description"))
        content_type = check_string(attachment["contentType"], join(item_path, "contentType"), section)
        if not _MEDIA_TYPE.match(content_type):
            fail(join(item_path, "contentType"), f"must be an Internet Media Type (got {content_type!r})",
                 section)
        length = attachment["length"]
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            fail(join(item_path, "length"), "must be a non-negative integer", section)
        sha2 = check_string(attachment["sha2"], join(item_path, "sha2"), section)
        if len(sha2) not in _SHA2_HEX_LENGTHS or not all(c in "0123456789abcdefABCDEF" for c in sha2):
            fail(join(item_path, "sha2"), "must be a hex-encoded SHA-2 hash", section)
        if "fileUrl" in attachment:
            check_iri(attachment["fileUrl"], join(item_path, "fileUrl"), section, what="an IRL")
