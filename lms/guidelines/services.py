"""Questionnaire answers and paths, org defaults, the team view; the package's service API.

Drafts and documents live in drafts.py, published versions and acknowledgements in published.py; their
functions are re-exported here so callers keep one import (``from . import services``).

Services take the acting user as an argument, flush, and send signals with the session as sender; they never
read the request and never commit.
"""
from __future__ import annotations

from functools import cache

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from .. import signals
from ..auth.models import Organisation, User
from ..auth.scope import learner_filter
from ..auth.pseudonyms import display_name
from ..courses import services as courses
from ..courses.content import ContentError, Course
from ..courses.models import Enrolment
from ..db import utcnow
from . import rules
from .drafts import (document_sections, document_title, get_draft, get_settings, produce,  # noqa: F401
                     render_docx, render_markdown, render_pdf, save_draft, set_trainers_see_drafts, step_done)
from .errors import GuidelineError, TextTooLong  # noqa: F401
from .models import GuidelineDraft, QuestionnaireOrgDefault, QuestionnaireResponse
from .published import (acknowledge, acknowledgement, acknowledgements, acknowledgements_csv,  # noqa: F401
                        current_version, get_version, open_acknowledgements, publish_version, versions)
from .rules import Questionnaire
from .steps import load_steps

EXTENSION_KEY = "lms_questionnaires"


def validate_catalog(catalog) -> dict[str, Questionnaire]:
    """Validate every course's questionnaire against its course; a broken one raises ContentError."""
    found = {}
    for slug, course in catalog.courses.items():
        questionnaire = rules.load_for_course(course)
        if questionnaire is not None:
            found[slug] = questionnaire
    return found


def get_questionnaire(course: Course) -> Questionnaire | None:
    """The course's validated questionnaire (validated once at start-up), or None."""
    cache = current_app.extensions.setdefault(EXTENSION_KEY, {})
    if course.slug not in cache:
        cache[course.slug] = rules.load_for_course(course)
    return cache[course.slug]


def get_response(db: Session, enrolment: Enrolment) -> QuestionnaireResponse | None:
    """The stored answers of an enrolment, or None."""
    return db.scalar(_response_query(), {"enrolment_id": enrolment.id})


@cache
def _response_query():
    """Built once: the course overview asks on every view."""
    return select(QuestionnaireResponse).where(QuestionnaireResponse.enrolment_id == bindparam("enrolment_id"))


def get_org_defaults(db: Session, org_id: int, course_slug: str) -> QuestionnaireOrgDefault | None:
    """The organisation's default answers for a course, or None."""
    return db.scalar(select(QuestionnaireOrgDefault).where(QuestionnaireOrgDefault.org_id == org_id,
                                                           QuestionnaireOrgDefault.course_slug == course_slug))


def save_answers(db: Session, user: User, course: Course, enrolment: Enrolment, raw_answers: dict,
                 source: str = "own") -> QuestionnaireResponse:
    """Store answers, set the enrolment's path (progress is kept) and announce it; raises rules.AnswerError."""
    questionnaire = get_questionnaire(course)
    if questionnaire is None:
        raise GuidelineError("Dieser Kurs hat keinen Fragebogen.")
    if enrolment.user_id != user.id:
        raise GuidelineError("Nur die eigene Einschreibung kann beantwortet werden.")
    answers = rules.clean_answers(questionnaire, raw_answers)
    path, reasons = rules.compute_path(questionnaire, course, answers)
    now = utcnow()
    response = get_response(db, enrolment)
    if response is None:
        response = QuestionnaireResponse(enrolment_id=enrolment.id, org_id=enrolment.org_id, user_id=user.id,
                                         course_slug=course.slug, answered_at=now, revisions=0)
        db.add(response)
    response.answers, response.path, response.reasons = answers, path, reasons
    response.source = source
    response.updated_at = now
    response.revisions = (response.revisions or 0) + 1
    enrolment.path = path
    enrolment.last_activity_at = now
    db.flush()
    # A new path changes what counts: recompute the share done and let modules complete that now can.
    enrolment.progress = courses.course_progress(db, course, enrolment)
    db.flush()
    for module in course.modules:
        courses.check_module_completion(db, user, course, enrolment, module)
    signals.questionnaire_answered.send(db, enrolment=enrolment, user=user, course=course, answers=answers,
                                        path=path)
    return response


def use_org_defaults(db: Session, user: User, course: Course, enrolment: Enrolment) -> QuestionnaireResponse:
    """Take the organisation's default answers as the learner's own (source 'org_default')."""
    defaults = get_org_defaults(db, user.org_id, course.slug)
    if defaults is None:
        raise GuidelineError("Ihre Organisation hat keine Standardantworten hinterlegt.")
    return save_answers(db, user, course, enrolment, defaults.answers, source="org_default")


def save_org_defaults(db: Session, admin: User, course: Course, raw_answers: dict) -> QuestionnaireOrgDefault:
    """Store the admin's default answers for their organisation; raises rules.AnswerError."""
    if admin.role != "admin":
        raise GuidelineError("Nur Administratoren legen Standardantworten fest.")
    questionnaire = get_questionnaire(course)
    if questionnaire is None:
        raise GuidelineError("Dieser Kurs hat keinen Fragebogen.")
    answers = rules.clean_answers(questionnaire, raw_answers)
    row = get_org_defaults(db, admin.org_id, course.slug)
    if row is None:
        row = QuestionnaireOrgDefault(org_id=admin.org_id, course_slug=course.slug)
        db.add(row)
    row.answers = answers
    row.updated_by_id = admin.id
    row.updated_at = utcnow()
    db.flush()
    return row


def answer_labels(questionnaire: Questionnaire, answers: dict) -> list[dict]:
    """Questions with the chosen options' labels, in questionnaire order."""
    items = []
    for question in questionnaire.questions:
        value = answers.get(question.id)
        chosen = [value] if isinstance(value, str) else list(value or [])
        items.append({"question_id": question.id, "question": question.label, "kind": question.kind,
                      "answer": value,
                      "labels": [question.option(o).label for o in chosen if question.option(o) is not None]})
    return items


def path_rows(course: Course, path: dict | None, reasons: dict | None) -> list[dict]:
    """One row per module with its lessons' status and reasons (everything required without a path)."""
    path, reasons = path or {}, reasons or {}
    return [{"module": module,
             "lessons": [{"lesson": lesson, "status": path.get(lesson.id, "required"),
                          "reasons": reasons.get(lesson.id, [])} for lesson in module.lessons]}
            for module in course.modules]


def questionnaire_summary(db: Session, enrolment_id: int) -> dict | None:
    """Trainer dashboard read (caller scopes the org): answers, path, reasons, counts; None if unanswered."""
    response = db.scalar(select(QuestionnaireResponse).where(QuestionnaireResponse.enrolment_id == enrolment_id))
    if response is None:
        return None
    catalog = current_app.extensions.get("lms_catalog")
    course = catalog.courses.get(response.course_slug) if catalog else None
    questionnaire = get_questionnaire(course) if course else None
    lessons = []
    if course is not None:
        for lesson in course.lessons:
            lessons.append({"id": lesson.id, "module_id": lesson.module_id, "title": lesson.title,
                            "status": response.path.get(lesson.id, "required"),
                            "reasons": response.reasons.get(lesson.id, [])})
    return {
        "enrolment_id": response.enrolment_id,
        "user_id": response.user_id,
        "org_id": response.org_id,
        "course_slug": response.course_slug,
        "source": response.source,
        "answered_at": response.answered_at,
        "updated_at": response.updated_at,
        "revisions": response.revisions,
        "answers": dict(response.answers),
        "answer_labels": answer_labels(questionnaire, response.answers) if questionnaire else [],
        "path": dict(response.path),
        "reasons": dict(response.reasons),
        "counts": rules.summary_counts(response.path),
        "lessons": lessons,
    }


def team_rows(db: Session, org: Organisation, course: Course, viewer=None) -> list[dict]:
    """Per enrolled member of the organisation (in the viewer's scope): questionnaire state and guideline."""
    enrolments = db.scalars(select(Enrolment).join(User, Enrolment.user_id == User.id)
                            .where(Enrolment.org_id == org.id, User.org_id == org.id,
                                   Enrolment.course_slug == course.slug,
                                   learner_filter(viewer) if viewer is not None else User.org_id == org.id)
                            .order_by(User.actor_id if org.pseudonymous_reports else User.name)).all()
    ids = [e.id for e in enrolments]
    responses = {r.enrolment_id: r for r in db.scalars(
        select(QuestionnaireResponse).where(QuestionnaireResponse.enrolment_id.in_(ids)))} if ids else {}
    drafts = {d.enrolment_id: d for d in db.scalars(
        select(GuidelineDraft).where(GuidelineDraft.enrolment_id.in_(ids)))} if ids else {}
    rows = []
    for enrolment in enrolments:
        response = responses.get(enrolment.id)
        rows.append({"enrolment": enrolment, "name": display_name(org, enrolment.user), "response": response,
                     "counts": rules.summary_counts(response.path) if response else None,
                     "draft": drafts.get(enrolment.id)})
    return rows


def check_startup(app) -> None:
    """Validate every course's questionnaire at start-up and keep the parsed result; broken data stops the app."""
    catalog = app.extensions.get("lms_catalog")
    if catalog is None:
        raise ContentError("courses", "the content catalog is not loaded (init courses before guidelines)")
    app.extensions[EXTENSION_KEY] = validate_catalog(catalog)
    load_steps()
