"""The guideline builder: the guided form one step at a time, background saving, the review and downloads."""
from __future__ import annotations

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from ..i18n import _
from ..localtime import time_filter
from . import services
from .steps import load_steps, step_by_id
from .views import bp, learner_context


def _builder_context(slug: str):
    db, course, _questionnaire, enrolment = learner_context(slug, need_questionnaire=False)
    if enrolment is None:
        abort(404)
    return db, course, enrolment


def _step_values(step) -> dict:
    return {field.id: request.form.get(f"{step.id}-{field.id}") for field in step.fields
            if f"{step.id}-{field.id}" in request.form}


def _render_builder(course, step, draft, error=None, status=200):
    steps = load_steps()
    values = (draft.answers or {}).get(step.id, {}) if draft else {}
    if error is not None:
        values = {**values, **{k: v for k, v in _step_values(step).items() if v is not None}}
    index = steps.index(step)
    return render_template("guidelines/builder.html", course=course, steps=steps, step=step, values=values,
                           draft=draft, error=error, done={s.id: services.step_done(draft, s) for s in steps},
                           previous=steps[index - 1] if index > 0 else None,
                           following=steps[index + 1] if index + 1 < len(steps) else None), status


@bp.route("/<slug>/builder", methods=["GET", "POST"])
def builder(slug: str):
    """The guided guideline form, one step at a time; saving works without JavaScript."""
    db, course, enrolment = _builder_context(slug)
    steps = load_steps()
    if request.method == "GET":
        step = step_by_id(request.args.get("step", steps[0].id))
        if step is None:
            abort(404)
        return _render_builder(course, step, services.get_draft(db, enrolment))
    step = step_by_id(request.form.get("step", ""))
    if step is None:
        abort(400)
    try:
        draft = services.save_draft(db, current_user, enrolment, step, _step_values(step))
    except services.TextTooLong as exc:
        message = _("Der Text ist zu lang (höchstens %(n)d Zeichen).", n=exc.max_length)
        return _render_builder(course, step, services.get_draft(db, enrolment), error=message, status=400)
    index = steps.index(step)
    action = request.form.get("action", "save")
    if action == "next":
        if index + 1 < len(steps):
            return redirect(url_for("lms.guidelines.builder", slug=slug, step=steps[index + 1].id))
        return redirect(url_for("lms.guidelines.result", slug=slug))
    if action == "prev" and index > 0:
        return redirect(url_for("lms.guidelines.builder", slug=slug, step=steps[index - 1].id))
    flash(_("Entwurf gespeichert (%(t)s).", t=time_filter(draft.updated_at, seconds=True)), "success")
    return redirect(url_for("lms.guidelines.builder", slug=slug, step=step.id))


@bp.route("/<slug>/builder/autosave", methods=["POST"])
def autosave(slug: str):
    """Background save from static/js/guidelines.js: the current step's fields, answered with JSON."""
    db, course, enrolment = _builder_context(slug)
    step = step_by_id(request.form.get("step", ""))
    if step is None:
        return jsonify(error="unknown step"), 400
    try:
        draft = services.save_draft(db, current_user, enrolment, step, _step_values(step))
    except services.TextTooLong as exc:
        return jsonify(error="too long", field=exc.field_id), 400
    return jsonify(saved=True, saved_at=draft.updated_at.isoformat(),
                   message=_("Automatisch gespeichert (%(t)s)", t=time_filter(draft.updated_at, seconds=True)))


@bp.route("/<slug>/builder/result")
def result(slug: str):
    """The whole draft for review, with the downloads."""
    db, course, enrolment = _builder_context(slug)
    draft = services.get_draft(db, enrolment)
    locale = str(current_user.locale or "de")
    steps = load_steps()
    return render_template("guidelines/result.html", course=course, draft=draft,
                           title=services.document_title(draft, locale),
                           sections=services.document_sections(draft, locale), steps=steps,
                           open_count=sum(1 for s in steps if not services.step_done(draft, s)))


@bp.route("/<slug>/builder/download", methods=["POST"])
def download(slug: str):
    """Download the draft as Markdown or PDF (POST: the first download is recorded)."""
    db, course, enrolment = _builder_context(slug)
    fmt = request.form.get("format", "")
    if fmt not in ("md", "pdf", "docx"):
        abort(400)
    try:
        content, mimetype, filename = services.produce(db, current_user, course, enrolment, fmt,
                                                       str(current_user.locale or "de"))
    except services.GuidelineError:
        flash(_("Ihr Entwurf ist noch leer. Füllen Sie zuerst mindestens einen Schritt aus."), "error")
        return redirect(url_for("lms.guidelines.builder", slug=slug))
    return Response(content, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
