"""Guideline pages on one blueprint: the learner's needs questionnaire and path, and the course links.

The builder (builder_views), the published guideline (published_views) and the admin and trainer pages
(staff_views) add their routes to this blueprint.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..catalog import get_catalog
from ..courses import services as courses
from ..db import get_session
from ..i18n import _, localized
from ..localtime import date_filter
from . import rules, services
from .path_groups import grouped_path

bp = Blueprint("guidelines", __name__, url_prefix="/guidelines", template_folder="templates")
BUILDER_MODULE = "richtlinien"


def answer_errors(errors: dict) -> dict:
    """The questionnaire's error codes per question in the user's language."""
    messages = {"missing": _("Bitte beantworten Sie diese Frage."), "invalid": _("Ungültige Auswahl."),
                "one": _("Bitte wählen Sie genau eine Antwort."),
                "exclusive": _("Diese Antwort lässt sich nicht mit anderen kombinieren.")}
    return {qid: messages.get(code, code) for qid, code in errors.items()}


def submitted_answers(questionnaire) -> dict:
    """The posted answers per question (lists for multiple choice)."""
    answers = {}
    for question in questionnaire.questions:
        if question.kind == "multiple":
            answers[question.id] = request.form.getlist(question.id)
        else:
            answers[question.id] = request.form.get(question.id) or None
    return answers


def learner_context(slug: str, need_questionnaire: bool = True):
    """The session, course, questionnaire (404 if required and missing) and the user's enrolment (or None)."""
    course = get_catalog().course(slug)
    questionnaire = services.get_questionnaire(course)
    if need_questionnaire and questionnaire is None:
        abort(404)
    db = get_session()
    enrolment = courses.get_enrolment(db, current_user, course)
    return db, course, questionnaire, enrolment


@bp.route("/<slug>/questionnaire", methods=["GET", "POST"])
def questionnaire(slug: str):
    """The needs questionnaire; saving it sets the learner's path (lessons already done stay done)."""
    db, course, questionnaire_obj, enrolment = learner_context(slug)
    if enrolment is None:
        return redirect(url_for("lms.courses.overview", slug=slug))
    response = services.get_response(db, enrolment)
    defaults = services.get_org_defaults(db, current_user.org_id, course.slug)
    errors, status = {}, 200
    if request.method == "POST":
        submitted = submitted_answers(questionnaire_obj)
        try:
            services.save_answers(db, current_user, course, enrolment, submitted)
        except rules.AnswerError as exc:
            errors, status = answer_errors(exc.errors), 400
            values = submitted
        else:
            flash(_("Ihr Lernpfad wurde angepasst."), "success")
            return redirect(url_for("lms.guidelines.path", slug=slug))
    else:
        values = response.answers if response else (defaults.answers if defaults else {})
    return render_template("guidelines/questionnaire.html", course=course, questionnaire=questionnaire_obj,
                           values=values, errors=errors, response=response, defaults=defaults,
                           action=url_for("lms.guidelines.questionnaire", slug=slug), admin_mode=False), status


@bp.route("/<slug>/questionnaire/defaults", methods=["POST"])
def use_defaults(slug: str):
    """Skip the questions and take the organisation's default answers."""
    db, course, _questionnaire, enrolment = learner_context(slug)
    if enrolment is None:
        abort(404)
    try:
        services.use_org_defaults(db, current_user, course, enrolment)
    except services.GuidelineError:
        flash(_("Ihre Organisation hat keine Standardantworten hinterlegt."), "error")
        return redirect(url_for("lms.guidelines.questionnaire", slug=slug))
    except rules.AnswerError:
        # The questionnaire changed since the admin saved the defaults: the learner answers themselves.
        flash(_("Die Standardantworten passen nicht mehr zum Fragebogen. Bitte beantworten Sie die Fragen selbst."),
              "error")
        return redirect(url_for("lms.guidelines.questionnaire", slug=slug))
    flash(_("Die Standardantworten Ihrer Organisation wurden übernommen."), "success")
    return redirect(url_for("lms.guidelines.path", slug=slug))


@bp.route("/<slug>/path")
def path(slug: str):
    """The learner's path: every lesson's status with the reasons from the answers."""
    db, course, questionnaire_obj, enrolment = learner_context(slug)
    if enrolment is None:
        return redirect(url_for("lms.courses.overview", slug=slug))
    response = services.get_response(db, enrolment)
    if response is None:
        return redirect(url_for("lms.guidelines.questionnaire", slug=slug))
    return render_template("guidelines/path.html", course=course, response=response,
                           path_groups=grouped_path(services.path_rows(course, response.path, response.reasons)),
                           answers=services.answer_labels(questionnaire_obj, response.answers),
                           counts=rules.summary_counts(response.path),
                           records=courses.lesson_records(db, enrolment))


def course_links(db, user, course, enrolment) -> list[dict]:
    """Links on the course overview: the path with its reasons (or the questionnaire) and the builder."""
    if enrolment is None:
        return []
    items = []
    questionnaire_obj = services.get_questionnaire(course)
    if questionnaire_obj is not None:
        response = services.get_response(db, enrolment)
        if response is None:
            items.append({"url": url_for("lms.guidelines.questionnaire", slug=course.slug),
                          "label": _("Bedarfsanalyse ausfüllen"),
                          "note": _("Passt Ihren Lernpfad an Ihr Unternehmen an.")})
        else:
            counts = rules.summary_counts(response.path)
            reasons = []
            for lesson in course.lessons:
                for item in response.reasons.get(lesson.id, []):
                    if item["status"] == response.path.get(lesson.id):
                        text = localized(item["reason"])
                        if text not in reasons:
                            reasons.append(text)
            note = _("%(r)d Pflicht, %(e)d empfohlen, %(o)d optional", r=counts["required"],
                     e=counts["recommended"], o=counts["optional"])
            if reasons:
                note += " – " + " · ".join(reasons[:3]) + (" …" if len(reasons) > 3 else "")
            items.append({"url": url_for("lms.guidelines.path", slug=course.slug), "label": _("Mein Lernpfad"),
                          "note": note})
    if course.module(BUILDER_MODULE) is None:
        items.extend(_builder_link(db, course, enrolment))
    return items


def _builder_link(db, course, enrolment) -> list[dict]:
    draft = services.get_draft(db, enrolment)
    if draft is not None and draft.produced_at is not None:
        note = _("Erstellt am %(d)s", d=date_filter(draft.produced_at))
    elif draft is not None:
        note = _("Entwurf in Arbeit")
    else:
        note = _("Schritt für Schritt zur eigenen Social-Media-Richtlinie")
    return [{"url": url_for("lms.guidelines.builder", slug=course.slug), "label": _("Richtlinien-Baukasten"),
             "note": note}]


def module_links(db, user, course, enrolment) -> dict:
    """The builder link under the guidelines module (module 4) of the course."""
    if enrolment is None or course.module(BUILDER_MODULE) is None:
        return {}
    return {BUILDER_MODULE: _builder_link(db, course, enrolment)[0]}


module_links.lms_modules = lambda course: {BUILDER_MODULE}  # the lesson pages of other modules skip its query
