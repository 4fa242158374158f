"""The guideline builder: a learner's draft per step, trainer access to drafts, Markdown/PDF/DOCX documents.

Services take the acting user as an argument, flush, and send signals with the session as sender; they never
read the request and never commit.
"""
from __future__ import annotations

import re
from datetime import datetime

from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from .. import signals
from ..auth.models import User
from ..courses.content import Course
from ..courses.models import Enrolment
from ..db import utcnow
from ..i18n import localized
from .errors import GuidelineError, TextTooLong
from .models import GuidelineDraft, GuidelineSettings
from .steps import Step, load_steps

UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


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
    return db.scalar(_draft_query(), {"enrolment_id": enrolment.id})


@cache
def _draft_query():
    """Built once: the course overview and the module's lesson pages ask on every view."""
    return select(GuidelineDraft).where(GuidelineDraft.enrolment_id == bindparam("enrolment_id"))


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

