"""Validation of Activities, Activity Definitions and interaction components (Data 2.4.4.1)."""
from __future__ import annotations

from typing import Any

from .validation_core import (
    check_array,
    check_extensions,
    check_iri,
    check_lang_map,
    check_obj,
    check_string,
    fail,
    join,
)

INTERACTION_TYPES = (
    "true-false", "choice", "fill-in", "long-fill-in", "matching",
    "performance", "sequencing", "likert", "numeric", "other",
)
COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
# Data 2.4.4.1 "Interaction Components": which component lists each interactionType supports.
ALLOWED_COMPONENTS = {
    "choice": ("choices",),
    "sequencing": ("choices",),
    "likert": ("scale",),
    "matching": ("source", "target"),
    "performance": ("steps",),
}
ACTIVITY_KEYS = ("objectType", "id", "definition")
DEFINITION_KEYS = (
    "name", "description", "type", "moreInfo", "extensions",
    "interactionType", "correctResponsesPattern", *COMPONENT_LISTS,
)
COMPONENT_KEYS = ("id", "description")

SECTION = "Data 2.4.4.1"


def validate_activity(value: Any, path: str) -> None:
    """Validate an Activity object (objectType optional, 'Activity' when present)."""
    check_obj(value, path, ACTIVITY_KEYS, ("id",), SECTION)
    if "objectType" in value and value["objectType"] != "Activity":
        fail(join(path, "objectType"), "must be 'Activity' for an Activity", SECTION)
    check_iri(value["id"], join(path, "id"), SECTION)
    if "definition" in value:
        validate_definition(value["definition"], join(path, "definition"))


def validate_definition(value: Any, path: str) -> None:
    """Validate an Activity Definition, including the interaction properties; an empty definition {} is valid."""
    if value == {}:
        return  # every definition property is optional, and the conformance suite sends {} as a valid one
    check_obj(value, path, DEFINITION_KEYS, (), SECTION)
    for key in ("name", "description"):
        if key in value:
            check_lang_map(value[key], join(path, key))
    if "type" in value:
        check_iri(value["type"], join(path, "type"), SECTION)
    if "moreInfo" in value:
        check_iri(value["moreInfo"], join(path, "moreInfo"), SECTION, what="an IRL")
    if "extensions" in value:
        check_extensions(value["extensions"], join(path, "extensions"))

    interaction_type = value.get("interactionType")
    if "interactionType" in value:
        check_string(interaction_type, join(path, "interactionType"), "Data 2.4.4.1 Interaction Activities")
        if interaction_type not in INTERACTION_TYPES:
            fail(join(path, "interactionType"),
                 f"must be one of {', '.join(INTERACTION_TYPES)} (exact case), got {interaction_type!r}",
                 "Data 2.4.4.1 Interaction Activities")
    interaction_keys = [k for k in ("correctResponsesPattern", *COMPONENT_LISTS) if k in value]
    if interaction_keys and "interactionType" not in value:
        fail(join(path, interaction_keys[0]),
             "interaction properties require a valid interactionType",
             "Data 2.4.4.1 Interaction Activities")

    if "correctResponsesPattern" in value:
        crp_path = join(path, "correctResponsesPattern")
        for i, pattern in enumerate(check_array(value["correctResponsesPattern"], crp_path,
                                                "Data 2.4.4.1 Interaction Activities")):
            if pattern is None:
                fail(join(crp_path, i), "must not be null", "Data 2.2")
            check_string(pattern, join(crp_path, i), "Data 2.4.4.1 Interaction Activities")

    allowed = ALLOWED_COMPONENTS.get(interaction_type, ())
    for key in COMPONENT_LISTS:
        if key in value:
            if key not in allowed:
                fail(join(path, key),
                     f"interactionType {interaction_type!r} does not support the {key!r} component list",
                     "Data 2.4.4.1 Interaction Components")
            validate_components(value[key], join(path, key))


def validate_components(value: Any, path: str) -> None:
    """Validate an interaction component list: objects with a string id (distinct) and description."""
    section = "Data 2.4.4.1 Interaction Components"
    seen: set[str] = set()
    for i, component in enumerate(check_array(value, path, section)):
        item_path = join(path, i)
        if component is None:
            fail(item_path, "must not be null", "Data 2.2")
        check_obj(component, item_path, COMPONENT_KEYS, ("id",), section)
        component_id = check_string(component["id"], join(item_path, "id"), section)
        if component_id in seen:
            fail(join(item_path, "id"), f"interaction component ids must be distinct ({component_id!r} repeats)",
                 section)
        seen.add(component_id)
        if "description" in component:
            check_lang_map(component["description"], join(item_path, "description"))
