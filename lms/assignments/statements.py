"""xAPI statements for assignment events, stored in the transaction of the event (vocabulary: docs/xapi-assignments.md).

The learner is the actor; the object is the learner assignment as an activity under the course IRI; the course is
the grouping activity, and the person who assigned (if any) is the context instructor.
"""
from __future__ import annotations

from flask import current_app

from .. import clock, extension, signals
from ..xapi import emit
from ..xapi.vocabulary import EXTENSIONS


def _iso(moment) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def _statement(user, course, item, verb: str, actor=None, result: dict | None = None, extra: dict | None = None):
    cfg = current_app.config
    course_activity = emit.activity(course.iri, "course", course.title)
    activity = emit.activity(f"{course.iri}/assignment/{item.id}", "assignment",
                             {"de": f"Zuweisung: {course.title.get('de', '')}",
                              "en": f"Assignment: {course.title.get('en') or course.title.get('de', '')}"})
    extensions = {EXTENSIONS["mandatory"]: item.mandatory, EXTENSIONS["assignment_reason"]: item.reason}
    if item.due_at is not None:
        extensions[EXTENSIONS["due_date"]] = _iso(item.due_at)
    extensions.update({key: value for key, value in (extra or {}).items() if value is not None})
    ctx = emit.context(None, cfg["PLATFORM_NAME"], user.locale, grouping=[course_activity], extensions=extensions)
    if actor is not None:
        ctx["instructor"] = emit.actor(actor, actor.organisation, extension.home_iri())
    return emit.statement(emit.actor(user, user.organisation, extension.home_iri()), verb, activity, ctx, clock.now(),
                          result)


def _store(db, user, statements: list[dict], user_ids: list[int] | None = None) -> None:
    from ..xapi.receivers import _app_authority
    from ..lrs.store import store_statements

    store_statements(db, user.org_id, statements, authority=_app_authority(), version="1.0.3", user_id=user.id,
                     user_ids=user_ids)


def on_assigned(db, assignment, user, course, actor=None, **_):
    """assigned: the learner got the course, with due date, mandatory flag and reason."""
    _store(db, user, [_statement(user, course, assignment, "assigned", actor)])


def on_many_assigned(db, assigned, course, actor=None, **_):
    """assigned, for many learners of one organisation at once: one statement each, stored in one batch."""
    if assigned:
        _store(db, assigned[0][1], [_statement(user, course, item, "assigned", actor) for item, user in assigned],
               user_ids=[user.id for _item, user in assigned])


def on_due_changed(db, assignment, user, course, actor=None, previous=None, **_):
    """rescheduled: the due date changed (the previous one as an extension)."""
    _store(db, user, [_statement(user, course, assignment, "rescheduled", actor,
                                 extra={EXTENSIONS["previous_due_date"]: _iso(previous)})])


def on_overdue(db, assignment, user, course, **_):
    """overdue: the due date passed before the course was completed."""
    _store(db, user, [_statement(user, course, assignment, "overdue")])


def on_completed(db, assignment, user, course, late: bool, **_):
    """completed: the assignment is done; success says in time, the late extension says late."""
    _store(db, user, [_statement(user, course, assignment, "completed",
                                 result={"completion": True, "success": not late,
                                         "extensions": {EXTENSIONS["late"]: late}})])


CONNECTIONS = [
    (signals.course_assigned, on_assigned),
    (signals.courses_assigned, on_many_assigned),
    (signals.assignment_due_changed, on_due_changed),
    (signals.assignment_overdue, on_overdue),
    (signals.assignment_completed, on_completed),
]
