"""Questionnaire answers and paths, org defaults, guideline drafts and downloads, published guidelines.

Services take the acting user as an argument, flush, and send signals with the session as sender; they never
read the request and never commit.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import signals
from ..auth.models import Organisation, User
from ..auth.scope import learner_filter
from ..auth.pseudonyms import display_name
from ..courses import services as courses
from ..courses.content import ContentError, Course
from ..courses.models import Enrolment
from ..db import utcnow
from ..i18n import localized
from . import rules
from .models import (GuidelineAcknowledgement, GuidelineDraft, GuidelineSettings, GuidelineVersion,
                     QuestionnaireOrgDefault, QuestionnaireResponse)
from .rules import Questionnaire
from .steps import Step, load_steps

EXTENSION_KEY = "lms_questionnaires"
UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


class GuidelineError(ValueError):
    """A user-facing problem (message id in German)."""


class TextTooLong(GuidelineError):
    """A builder field holds more text than allowed."""

    def __init__(self, field_id: str, max_length: int):
        self.field_id, self.max_length = field_id, max_length
        super().__init__(f"{field_id}: more than {max_length} characters")


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
    return db.scalar(select(QuestionnaireResponse).where(QuestionnaireResponse.enrolment_id == enrolment.id))


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


def get_settings(db: Session, org_id: int) -> GuidelineSettings:
    """The organisation's guideline settings (defaults when none are stored; not added to the session)."""
    row = db.get(GuidelineSettings, org_id)
    return row if row is not None else GuidelineSettings(org_id=org_id, trainers_see_drafts=False)


def set_trainers_see_drafts(db: Session, admin: User, allowed: bool) -> GuidelineSettings:
    """Allow or forbid trainers of the admin's organisation to read learners' drafts."""
    row = db.get(GuidelineSettings, admin.org_id)
    if row is None:
        row = GuidelineSettings(org_id=admin.org_id)
        db.add(row)
    row.trainers_see_drafts = bool(allowed)
    row.updated_at = utcnow()
    db.flush()
    return row


def get_draft(db: Session, enrolment: Enrolment) -> GuidelineDraft | None:
    """The enrolment's guideline draft, or None."""
    return db.scalar(select(GuidelineDraft).where(GuidelineDraft.enrolment_id == enrolment.id))


def save_draft(db: Session, user: User, enrolment: Enrolment, step: Step, values: dict) -> GuidelineDraft:
    """Store the fields of one step (missing fields stay as they were); raises TextTooLong."""
    if enrolment.user_id != user.id:
        raise GuidelineError("Nur der eigene Entwurf kann bearbeitet werden.")
    cleaned = {}
    for field in step.fields:
        if field.id not in values:
            continue
        text = (values[field.id] or "").replace("\r\n", "\n")
        if len(text) > field.max_length:
            raise TextTooLong(field.id, field.max_length)
        cleaned[field.id] = text
    draft = get_draft(db, enrolment)
    now = utcnow()
    if draft is None:
        draft = GuidelineDraft(enrolment_id=enrolment.id, org_id=enrolment.org_id, user_id=user.id,
                               course_slug=enrolment.course_slug, answers={}, created_at=now)
        db.add(draft)
    answers = {key: dict(value) for key, value in (draft.answers or {}).items()}
    answers.setdefault(step.id, {}).update(cleaned)
    draft.answers = answers  # a new dict, so the JSON column is seen as changed
    draft.updated_at = now
    enrolment.last_activity_at = now
    db.flush()
    return draft


def step_done(draft: GuidelineDraft | None, step: Step) -> bool:
    """Whether every field of the step has text."""
    values = (draft.answers or {}).get(step.id, {}) if draft else {}
    return all((values.get(field.id) or "").strip() for field in step.fields)


def document_title(draft: GuidelineDraft | None, locale: str) -> str:
    """The document title, with the company name when given."""
    company = ((draft.answers or {}).get("ziele", {}).get("unternehmen", "") if draft else "").strip()
    base = "Social Media Guideline" if locale == "en" else "Social-Media-Richtlinie"
    return f"{base} – {company}" if company else base


def document_sections(draft: GuidelineDraft | None, locale: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The draft as (step heading, [(field label, text)]) in step order."""
    answers = (draft.answers or {}) if draft else {}
    sections = []
    for step in load_steps():
        values = answers.get(step.id, {})
        items = [(localized(field.label, locale), values.get(field.id, "")) for field in step.fields
                 if not (step.id == "ziele" and field.id == "unternehmen")]
        sections.append((f"{step.number}. {localized(step.title, locale)}", items))
    return sections


def _subtitle(user: User, when: datetime, locale: str) -> str:
    if locale == "en":
        return f"Draft by {user.name}, {user.organisation.name} · {when.strftime('%Y-%m-%d')}"
    return f"Entwurf von {user.name}, {user.organisation.name} · Stand {when.strftime('%d.%m.%Y')}"


def render_markdown(user: User, draft: GuidelineDraft | None, locale: str = "de") -> str:
    """The draft as a Markdown document (the learner's text is inserted as written)."""
    empty = "_(still open)_" if locale == "en" else "_(noch offen)_"
    lines = [f"# {document_title(draft, locale)}", "", f"_{_subtitle(user, utcnow(), locale)}_", ""]
    for heading, items in document_sections(draft, locale):
        lines += [f"## {heading}", ""]
        for label, text in items:
            lines += [f"### {label}", "", (text or "").strip() or empty, ""]
    return "\n".join(lines).rstrip() + "\n"


def render_pdf(user: User, draft: GuidelineDraft | None, locale: str = "de") -> bytes:
    """The draft as PDF bytes."""
    from .pdf import build_pdf

    title = document_title(draft, locale)
    return build_pdf(title, _subtitle(user, utcnow(), locale), document_sections(draft, locale),
                     empty="(still open)" if locale == "en" else "(noch offen)", footer=title)


def render_docx(user: User, draft: GuidelineDraft | None, locale: str = "de") -> bytes:
    """The draft as a Word document (DOCX bytes)."""
    from .docx import build_docx

    return build_docx(document_title(draft, locale), _subtitle(user, utcnow(), locale),
                      document_sections(draft, locale), empty="(still open)" if locale == "en" else "(noch offen)")


def produce(db: Session, user: User, course: Course, enrolment: Enrolment, fmt: str,
            locale: str = "de") -> tuple[bytes, str, str]:
    """Build (content, mimetype, file name) as md, pdf or docx; the first download sends guideline_produced."""
    draft = get_draft(db, enrolment)
    if draft is None or not any((text or "").strip() for values in draft.answers.values() for text in values.values()):
        raise GuidelineError("Der Entwurf ist noch leer.")
    name = document_title(draft, "de").lower().translate(UMLAUTS)
    slug = re.sub(r"[^a-z0-9]+", "-", name).strip("-")[:80] or "richtlinie"
    if fmt == "md":
        content = render_markdown(user, draft, locale).encode("utf-8")
        result = (content, "text/markdown; charset=utf-8", f"{slug}.md")
    elif fmt == "pdf":
        result = (render_pdf(user, draft, locale), "application/pdf", f"{slug}.pdf")
    elif fmt == "docx":
        result = (render_docx(user, draft, locale),
                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document", f"{slug}.docx")
    else:
        raise GuidelineError("Unbekanntes Format.")
    if draft.produced_at is None:
        draft.produced_at = utcnow()
        db.flush()
        signals.guideline_produced.send(db, enrolment=enrolment, user=user, course=course, draft=draft)
    return result


def versions(db: Session, org_id: int) -> list[GuidelineVersion]:
    """The organisation's published versions, newest first."""
    return list(db.scalars(select(GuidelineVersion).where(GuidelineVersion.org_id == org_id)
                           .order_by(GuidelineVersion.number.desc())))


def current_version(db: Session, org_id: int) -> GuidelineVersion | None:
    """The organisation's newest published version, or None."""
    return db.scalar(select(GuidelineVersion).where(GuidelineVersion.org_id == org_id)
                     .order_by(GuidelineVersion.number.desc()).limit(1))


def get_version(db: Session, org_id: int, number: int) -> GuidelineVersion | None:
    """A version of the organisation's guideline by number (None for other organisations)."""
    return db.scalar(select(GuidelineVersion).where(GuidelineVersion.org_id == org_id,
                                                    GuidelineVersion.number == number))


def publish_version(db: Session, admin: User, title: str, body: str) -> GuidelineVersion:
    """Publish a new version of the admin's organisation's guideline (number = previous + 1)."""
    if admin.role != "admin":
        raise GuidelineError("Nur Administratoren veröffentlichen die Richtlinie.")
    title, body = (title or "").strip(), (body or "").replace("\r\n", "\n").strip()
    if not title or not body:
        raise GuidelineError("Titel und Text sind erforderlich.")
    last = db.scalar(select(func.max(GuidelineVersion.number)).where(GuidelineVersion.org_id == admin.org_id))
    version = GuidelineVersion(org_id=admin.org_id, number=(last or 0) + 1, title=title[:200], body=body,
                               published_at=utcnow(), published_by_id=admin.id)
    db.add(version)
    db.flush()
    return version


def acknowledgement(db: Session, user: User, version: GuidelineVersion) -> GuidelineAcknowledgement | None:
    """The user's acknowledgement of this version, or None."""
    return db.scalar(select(GuidelineAcknowledgement).where(GuidelineAcknowledgement.version_id == version.id,
                                                            GuidelineAcknowledgement.user_id == user.id))


def acknowledge(db: Session, user: User, version: GuidelineVersion) -> tuple[GuidelineAcknowledgement, bool]:
    """Record that the user acknowledged the version (idempotent); returns (row, created)."""
    if version.org_id != user.org_id:
        raise GuidelineError("Diese Richtlinie gehört zu einer anderen Organisation.")
    existing = acknowledgement(db, user, version)
    if existing is not None:
        return existing, False
    row = GuidelineAcknowledgement(version_id=version.id, org_id=user.org_id, user_id=user.id,
                                   user_name=user.name, user_email=user.email, acknowledged_at=utcnow())
    db.add(row)
    db.flush()
    signals.guideline_acknowledged.send(db, user=user, guideline_version=version)
    return row, True


def acknowledgements(db: Session, org_id: int, number: int | None = None) -> list[GuidelineAcknowledgement]:
    """Acknowledgements of the organisation's guideline (one version or all), newest version first."""
    query = (select(GuidelineAcknowledgement).join(GuidelineVersion)
             .where(GuidelineAcknowledgement.org_id == org_id, GuidelineVersion.org_id == org_id)
             .order_by(GuidelineVersion.number.desc(), GuidelineAcknowledgement.acknowledged_at))
    if number is not None:
        query = query.where(GuidelineVersion.number == number)
    return list(db.scalars(query))


def open_acknowledgements(db: Session, org_id: int, version: GuidelineVersion) -> list[User]:
    """Active users of the organisation who have not acknowledged this version yet."""
    done = select(GuidelineAcknowledgement.user_id).where(GuidelineAcknowledgement.version_id == version.id)
    return list(db.scalars(select(User).where(User.org_id == org_id, User.active.is_(True), User.id.not_in(done))
                           .order_by(User.name)))


def _safe_cell(value) -> str:
    text = "" if value is None else str(value)
    # Spreadsheets run cells that start like a formula; a leading apostrophe keeps them text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def acknowledgements_csv(db: Session, org_id: int, number: int | None = None) -> str:
    """Proof of acknowledgement as CSV text (semicolons, UTF-8 BOM for Excel): name, e-mail, version, time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["Name", "E-Mail", "Version", "Bestätigt am (UTC)"])
    for row in acknowledgements(db, org_id, number):
        writer.writerow([_safe_cell(row.user_name), _safe_cell(row.user_email), row.version.number,
                         row.acknowledged_at.strftime("%Y-%m-%d %H:%M:%S")])
    return "\ufeff" + buffer.getvalue()


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


def org_enrolment(db: Session, org_id: int, enrolment_id: int) -> Enrolment | None:
    """An enrolment of the organisation, or None (also for other organisations' enrolments)."""
    return db.scalar(select(Enrolment).where(Enrolment.id == enrolment_id, Enrolment.org_id == org_id))


def check_startup(app) -> None:
    """Validate every course's questionnaire at start-up and keep the parsed result; broken data stops the app."""
    catalog = app.extensions.get("lms_catalog")
    if catalog is None:
        raise ContentError("courses", "the content catalog is not loaded (init courses before guidelines)")
    app.extensions[EXTENSION_KEY] = validate_catalog(catalog)
    load_steps()
