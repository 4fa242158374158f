"""Builders for the statements the app emits: one documented function per statement kind, strict output."""
from __future__ import annotations

import uuid
from datetime import datetime

from .vocabulary import ACTIVITY_TYPES, EXTENSIONS, VERBS


def duration(seconds: float) -> str:
    """An ISO 8601 duration (PT#H#M#S) for a number of seconds."""
    seconds = max(0.0, round(seconds, 2))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    out = "PT"
    if hours:
        out += f"{int(hours)}H"
    if minutes:
        out += f"{int(minutes)}M"
    return out + (f"{secs:.2f}".rstrip("0").rstrip(".") or "0") + "S"


def actor(user, organisation, home_page: str) -> dict:
    """The learner as an Agent: a pseudonymous account by default, the e-mail only if the organisation chose it."""
    if organisation.actor_mode == "mbox":
        return {"objectType": "Agent", "name": user.name, "mbox": f"mailto:{user.email}"}
    return {"objectType": "Agent", "account": {"homePage": home_page, "name": user.actor_id}}


def activity(iri: str, kind: str, name: dict | None = None, description: dict | None = None,
             extra: dict | None = None) -> dict:
    """An Activity object with its type and names as language maps."""
    definition = {"type": ACTIVITY_TYPES[kind]}
    if name:
        definition["name"] = _langmap(name)
    if description:
        definition["description"] = _langmap(description)
    definition.update(extra or {})
    return {"objectType": "Activity", "id": iri, "definition": definition}


def _langmap(texts: dict) -> dict:
    tags = {"de": "de-DE", "en": "en-US"}
    return {tags.get(lang, lang): text for lang, text in texts.items() if text}


def context(registration: str | None, platform: str, language: str, parent: list[dict] | None = None,
            grouping: list[dict] | None = None, extensions: dict | None = None) -> dict:
    """Statement context: registration, platform, language, parent and grouping activities."""
    ctx = {"platform": platform, "language": {"de": "de-DE", "en": "en-US"}.get(language, language)}
    if registration:
        ctx["registration"] = registration
    activities = {}
    if parent:
        activities["parent"] = [_ref(a) for a in parent]
    if grouping:
        activities["grouping"] = [_ref(a) for a in grouping]
    if activities:
        ctx["contextActivities"] = activities
    if extensions:
        ctx["extensions"] = extensions
    return ctx


def _ref(act: dict) -> dict:
    return {"objectType": "Activity", "id": act["id"], "definition": {"type": act["definition"]["type"]}}


def statement(actor_: dict, verb: str, object_: dict, ctx: dict, timestamp: datetime,
              result: dict | None = None) -> dict:
    """A complete statement with a fresh id."""
    stmt = {"id": str(uuid.uuid4()), "actor": actor_, "verb": VERBS[verb], "object": object_, "context": ctx,
            "timestamp": timestamp.isoformat().replace("+00:00", "Z")}
    if result:
        stmt["result"] = result
    return stmt


def score_result(scaled: float, raw: float, max_: float, success: bool, seconds: float | None = None,
                 response: str | None = None) -> dict:
    """A result with a score (scaled, raw, min 0, max), success, completion and optional duration/response."""
    result = {"score": {"scaled": round(max(-1.0, min(1.0, scaled)), 4), "raw": round(raw, 4), "min": 0,
                        "max": round(max_, 4)}, "success": success, "completion": True}
    if seconds is not None:
        result["duration"] = duration(seconds)
    if response is not None:
        result["response"] = response
    return result


def progress_result(progress: float) -> dict:
    """A result carrying the cmi5 progress extension (0..100)."""
    return {"extensions": {EXTENSIONS["progress"]: int(round(progress * 100))}}
