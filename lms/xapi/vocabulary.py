"""The one xAPI vocabulary of the app: verbs, activity types and extensions (ADL, cmi5 where they fit)."""
from __future__ import annotations

ADL = "http://adlnet.gov/expapi/verbs/"


def _verb(iri: str, de: str, en: str) -> dict:
    return {"id": iri, "display": {"de-DE": de, "en-US": en}}


VERBS = {
    "registered": _verb(ADL + "registered", "hat sich angemeldet", "registered"),
    "launched": _verb(ADL + "launched", "hat gestartet", "launched"),
    "experienced": _verb(ADL + "experienced", "hat angesehen", "experienced"),
    "completed": _verb(ADL + "completed", "hat abgeschlossen", "completed"),
    "progressed": _verb(ADL + "progressed", "hat Fortschritt gemacht", "progressed"),
    "attempted": _verb(ADL + "attempted", "hat versucht", "attempted"),
    "answered": _verb(ADL + "answered", "hat beantwortet", "answered"),
    "passed": _verb(ADL + "passed", "hat bestanden", "passed"),
    "failed": _verb(ADL + "failed", "hat nicht bestanden", "failed"),
    "earned": _verb("http://id.tincanapi.com/verb/earned", "hat erworben", "earned"),
    "responded": _verb(ADL + "responded", "hat geantwortet", "responded"),
    "created": _verb("http://activitystrea.ms/schema/1.0/create", "hat erstellt", "created"),
    "accepted": _verb("http://activitystrea.ms/schema/1.0/accept", "hat bestätigt", "accepted"),
    "voided": _verb(ADL + "voided", "hat ungültig gemacht", "voided"),
    # Assignments (docs/xapi-assignments.md): no registered verb says these, so they live in our namespace.
    "assigned": _verb("https://lms.example/xapi/verbs/assigned", "wurde zugewiesen", "was assigned"),
    "rescheduled": _verb("https://lms.example/xapi/verbs/rescheduled", "hat eine neue Frist", "was rescheduled"),
    "overdue": _verb("https://lms.example/xapi/verbs/overdue", "ist überfällig", "is overdue"),
    # Practical tasks: the hand-in (Activity Streams "submit", listed in the xAPI registry) …
    "submitted": _verb("http://activitystrea.ms/schema/1.0/submit", "hat eingereicht", "submitted"),
}

ACTIVITY_TYPES = {
    "course": "http://adlnet.gov/expapi/activities/course",
    "module": "http://adlnet.gov/expapi/activities/module",
    "lesson": "http://adlnet.gov/expapi/activities/lesson",
    "assessment": "http://adlnet.gov/expapi/activities/assessment",
    "question": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "survey": "http://id.tincanapi.com/activitytype/survey",
    "certificate": "http://id.tincanapi.com/activitytype/certificate",
    "document": "http://id.tincanapi.com/activitytype/document",
    "policy": "http://id.tincanapi.com/activitytype/legal-document",
    "assignment": "https://lms.example/xapi/activitytypes/assignment",
    "task": "http://adlnet.gov/expapi/activities/performance",  # a practical task reviewed by a trainer
}

# Our own extensions live under the same reserved namespace as the course IRIs: stable, never resolved.
EXT = "https://lms.example/xapi/extensions/"
EXTENSIONS = {
    "progress": "https://w3id.org/xapi/cmi5/result/extensions/progress",  # cmi5: integer 0..100
    "answers": EXT + "needs-answers",
    "path": EXT + "learning-path",
    "attempt": EXT + "attempt-number",
    "certificate_code": EXT + "certificate-code",
    "guideline_version": EXT + "guideline-version",
    "session_seconds": EXT + "reading-seconds",
    "due_date": EXT + "due-date",
    "previous_due_date": EXT + "previous-due-date",
    "mandatory": EXT + "mandatory",
    "assignment_reason": EXT + "assignment-reason",
    "late": EXT + "completed-late",
    "submission": EXT + "task-submission-number",
}
