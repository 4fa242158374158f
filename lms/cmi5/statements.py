"""cmi5 defined statements an AU sends (initialized, passed/failed, completed, terminated), built on the LMS's
context template with the registration, the cmi5 category and, for result verbs, the moveOn category."""
from __future__ import annotations

import copy
import uuid
from datetime import datetime

from ..db import utcnow

CMI5_CATEGORY = {"id": "https://w3id.org/xapi/cmi5/context/categories/cmi5"}
MOVEON_CATEGORY = {"id": "https://w3id.org/xapi/cmi5/context/categories/moveon"}
SESSION_EXT = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
VERBS = {
    "initialized": ("http://adlnet.gov/expapi/verbs/initialized", "initialized"),
    "completed": ("http://adlnet.gov/expapi/verbs/completed", "completed"),
    "passed": ("http://adlnet.gov/expapi/verbs/passed", "passed"),
    "failed": ("http://adlnet.gov/expapi/verbs/failed", "failed"),
    "terminated": ("http://adlnet.gov/expapi/verbs/terminated", "terminated"),
}


def iso_duration(seconds: float) -> str:
    """An ISO 8601 duration with hundredths of seconds (cmi5 asks for at most 0.01 s precision)."""
    seconds = max(0.0, seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"PT{int(hours)}H{int(minutes)}M{secs:.2f}S"


def build(session, verb: str, *, result: dict | None = None, now: datetime | None = None) -> dict:
    """A cmi5 defined statement for an AU session (verb: one of VERBS)."""
    verb_id, display = VERBS[verb]
    context = copy.deepcopy(session.context_template or {})
    context["registration"] = session.registration
    activities = context.setdefault("contextActivities", {})
    categories = list(activities.get("category") or [])
    categories.append(CMI5_CATEGORY)
    if verb in ("passed", "failed", "completed"):
        categories.append(MOVEON_CATEGORY)
    activities["category"] = categories
    extensions = context.setdefault("extensions", {})
    extensions.setdefault(SESSION_EXT, session.id)
    statement = {"id": str(uuid.uuid4()), "actor": session.actor, "verb": {"id": verb_id,
                                                                            "display": {"en-US": display}},
                 "object": {"objectType": "Activity", "id": session.activity_id},
                 "context": context, "timestamp": (now or utcnow()).isoformat(timespec="milliseconds")}
    if result:
        statement["result"] = result
    return statement


def outcome(session, scaled: float, elapsed: float) -> list[tuple[str, dict]]:
    """The statements a scored quiz produces in Normal mode: passed or failed (judged by masteryScore) and
    completed; passed is sent at most once per session, and nothing in Browse or Review mode."""
    if session.launch_mode != "Normal":
        return []
    mastery = session.mastery_score
    passed = scaled >= mastery if mastery is not None else None
    out = []
    duration = iso_duration(elapsed)
    if passed is not None and not session.passed:
        verb = "passed" if passed else "failed"
        out.append((verb, {"score": {"scaled": round(scaled, 4)}, "success": passed, "duration": duration}))
    if not session.completed and (passed is None or passed):
        out.append(("completed", {"completion": True, "duration": duration}))
    return out
