"""Needs questionnaire and path, guideline builder with downloads, the published guideline, trainer and admin pages."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from ..audit.services import record
from ..auth import scope
from ..auth.decorators import role_required
from ..privacy.enforce import person_level_view
from ..catalog import get_catalog
from ..courses import markdown
from ..courses import services as courses
from ..db import get_session
from ..i18n import _, localized
from ..localtime import date_filter, time_filter
from .path_groups import grouped_path
from . import rules, services
from .forms import PublishForm, SettingsForm
from .steps import load_steps, step_by_id

bp = Blueprint("guidelines", __name__, url_prefix="/guidelines", template_folder="templates")
STAFF = ("trainer", "admin")
BUILDER_MODULE = "richtlinien"


def _answer_errors(errors: dict) -> dict:
    messages = {"missing": _("Bitte beantworten Sie diese Frage."), "invalid": _("Ungültige Auswahl."),
                "one": _("Bitte wählen Sie genau eine Antwort."),
                "exclusive": _("Diese Antwort lässt sich nicht mit anderen kombinieren.")}
    return {qid: messages.get(code, code) for qid, code in errors.items()}


def _submitted_answers(questionnaire) -> dict:
    answers = {}
    for question in questionnaire.questions:
        if question.kind == "multiple":
            answers[question.id] = request.form.getlist(question.id)
        else:
            answers[question.id] = request.form.get(question.id) or None
    return answers


def _learner_context(slug: str, need_questionnaire: bool = True):
    course = get_catalog().course(slug)
    questionnaire = services.get_questionnaire(course)
    if need_questionnaire and questionnaire is None:
        abort(404)
    db = get_session()
    enrolment = courses.get_enrolment(db, current_user, course)
    return db, course, questionnaire, enrolment


@bp.route("/<slug>/questionnaire", methods=["GET", "POST"])
@login_required
def questionnaire(slug: str):
    """The needs questionnaire; saving it sets the learner's path (lessons already done stay done)."""
    db, course, questionnaire_obj, enrolment = _learner_context(slug)
    if enrolment is None:
        return redirect(url_for("lms.courses.overview", slug=slug))
    response = services.get_response(db, enrolment)
    defaults = services.get_org_defaults(db, current_user.org_id, course.slug)
    errors, status = {}, 200
    if request.method == "POST":
        submitted = _submitted_answers(questionnaire_obj)
        try:
            services.save_answers(db, current_user, course, enrolment, submitted)
        except rules.AnswerError as exc:
            errors, status = _answer_errors(exc.errors), 400
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
@login_required
def use_defaults(slug: str):
    """Skip the questions and take the organisation's default answers."""
    db, course, _questionnaire, enrolment = _learner_context(slug)
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
@login_required
def path(slug: str):
    """The learner's path: every lesson's status with the reasons from the answers."""
    db, course, questionnaire_obj, enrolment = _learner_context(slug)
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


def _builder_context(slug: str):
    db, course, _questionnaire, enrolment = _learner_context(slug, need_questionnaire=False)
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
@login_required
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
@login_required
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
@login_required
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
@login_required
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


def _render_body(version) -> Markup:
    return Markup(markdown.render(version.body))


@bp.route("/")
@login_required
def index():
    """The organisation's current guideline with the acknowledgement button."""
    db = get_session()
    version = services.current_version(db, current_user.org_id)
    ack = services.acknowledgement(db, current_user, version) if version else None
    earlier = None
    if version is not None and ack is None:
        previous = [v for v in services.versions(db, current_user.org_id) if v.number < version.number]
        earlier = next((v for v in previous if services.acknowledgement(db, current_user, v)), None)
    builders = [course for course in get_catalog().courses.values()
                if courses.get_enrolment(db, current_user, course) is not None]
    return render_template("guidelines/index.html", version=version, ack=ack, earlier=earlier,
                           body=_render_body(version) if version else None, builders=builders)


def _own_version_or_404(db, number: int):
    """A published guideline version of the current user's organisation, else 404."""
    version = services.get_version(db, current_user.org_id, number)
    if version is None:
        abort(404)
    return version


@bp.route("/versions/<int:number>")
@login_required
def show_version(number: int):
    """One published version (also earlier ones) of the organisation's guideline."""
    db = get_session()
    version = _own_version_or_404(db, number)
    current = services.current_version(db, current_user.org_id)
    return render_template("guidelines/version.html", version=version, body=_render_body(version),
                           current=current, ack=services.acknowledgement(db, current_user, version))


@bp.route("/versions/<int:number>/acknowledge", methods=["POST"])
@login_required
def acknowledge(number: int):
    """Acknowledge the current version (read and understood)."""
    db = get_session()
    version = _own_version_or_404(db, number)
    current = services.current_version(db, current_user.org_id)
    if current.id != version.id:
        flash(_("Es gibt eine neuere Version. Bitte lesen und bestätigen Sie diese."), "error")
        return redirect(url_for("lms.guidelines.index"))
    _row, created = services.acknowledge(db, current_user, version)
    if created:
        flash(_("Danke! Ihre Bestätigung wurde gespeichert."), "success")
    return redirect(url_for("lms.guidelines.index"))


def _manage(publish_form=None, settings_form=None, status=200):
    db = get_session()
    org_id = current_user.org_id
    settings = services.get_settings(db, org_id)
    current = services.current_version(db, org_id)
    if publish_form is None:
        publish_form = PublishForm(formdata=None, title=current.title if current else _("Social-Media-Richtlinie"),
                                   body=current.body if current else "")
    if settings_form is None:
        settings_form = SettingsForm(formdata=None, trainers_see_drafts="1" if settings.trainers_see_drafts else "0")
    members = len(services.open_acknowledgements(db, org_id, current)) if current else 0
    rows = []
    for version in services.versions(db, org_id):
        rows.append({"version": version, "count": len(services.acknowledgements(db, org_id, version.number))})
    questionnaires = [course for course in get_catalog().courses.values() if services.get_questionnaire(course)]
    return render_template("guidelines/manage.html", publish_form=publish_form, settings_form=settings_form,
                           rows=rows, current=current, missing=members, questionnaires=questionnaires), status


@bp.route("/admin")
@role_required("admin")
def manage():
    """Admin: publish the guideline, see acknowledgements, set who may read drafts, set default answers."""
    return _manage()


@bp.route("/admin/publish", methods=["POST"])
@role_required("admin")
def publish():
    """Publish a new version; everyone has to acknowledge it again."""
    form = PublishForm()
    if not form.validate_on_submit():
        return _manage(publish_form=form, status=400)
    try:
        version = services.publish_version(get_session(), current_user, form.title.data, form.body.data)
    except services.GuidelineError:
        form.body.errors.append(_("Titel und Text sind erforderlich."))
        return _manage(publish_form=form, status=400)
    flash(_("Version %(n)d wurde veröffentlicht.", n=version.number), "success")
    return redirect(url_for("lms.guidelines.manage"))


@bp.route("/admin/settings", methods=["POST"])
@role_required("admin")
def settings():
    """Save whether trainers may read learners' drafts."""
    form = SettingsForm()
    if not form.validate_on_submit():
        return _manage(settings_form=form, status=400)
    services.set_trainers_see_drafts(get_session(), current_user, form.trainers_see_drafts.data == "1")
    flash(_("Einstellungen gespeichert."), "success")
    return redirect(url_for("lms.guidelines.manage"))


@bp.route("/admin/versions/<int:number>/acknowledgements")
@role_required("admin")
def version_acknowledgements(number: int):
    """Who acknowledged a version, and who has not yet."""
    db = get_session()
    version = _own_version_or_404(db, number)
    return render_template("guidelines/acknowledgements.html", version=version,
                           rows=services.acknowledgements(db, current_user.org_id, number),
                           missing=services.open_acknowledgements(db, current_user.org_id, version))


@bp.route("/admin/acknowledgements.csv")
@role_required("admin")
def acknowledgements_csv():
    """Proof of acknowledgement as CSV (all versions, or ?version=N)."""
    db = get_session()
    number = request.args.get("version", type=int)
    if number is not None and services.get_version(db, current_user.org_id, number) is None:
        abort(404)
    text = services.acknowledgements_csv(db, current_user.org_id, number)
    record(db, current_user, "export.acknowledgements", details={"version": number or "alle"})
    name = f"richtlinie-bestaetigungen-v{number}.csv" if number else "richtlinie-bestaetigungen.csv"
    return Response(text.encode("utf-8"), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/admin/<slug>/defaults", methods=["GET", "POST"])
@role_required("admin")
def defaults(slug: str):
    """Admin: the organisation's default answers, offered to learners as a shortcut."""
    course = get_catalog().course(slug)
    questionnaire_obj = services.get_questionnaire(course)
    if questionnaire_obj is None:
        abort(404)
    db = get_session()
    row = services.get_org_defaults(db, current_user.org_id, course.slug)
    errors, status = {}, 200
    if request.method == "POST":
        submitted = _submitted_answers(questionnaire_obj)
        try:
            services.save_org_defaults(db, current_user, course, submitted)
        except rules.AnswerError as exc:
            errors, status, values = _answer_errors(exc.errors), 400, submitted
        else:
            flash(_("Standardantworten gespeichert."), "success")
            return redirect(url_for("lms.guidelines.defaults", slug=slug))
    else:
        values = row.answers if row else {}
    return render_template("guidelines/questionnaire.html", course=course, questionnaire=questionnaire_obj,
                           values=values, errors=errors, response=None, defaults=row,
                           action=url_for("lms.guidelines.defaults", slug=slug), admin_mode=True), status


@bp.route("/team/")
@role_required(*STAFF)
@person_level_view
def team():
    """Trainers: per course, who answered the questionnaire and who produced a guideline draft."""
    db = get_session()
    org = current_user.organisation
    sections = [{"course": course, "rows": services.team_rows(db, org, course, viewer=current_user),
                 "has_questionnaire": services.get_questionnaire(course) is not None}
                for course in get_catalog().courses.values()]
    return render_template("guidelines/team.html", sections=sections, pseudonymous=org.pseudonymous_reports)


@bp.route("/team/enrolments/<int:enrolment_id>")
@role_required(*STAFF)
@person_level_view
def team_detail(enrolment_id: int):
    """Trainers: one learner's answers and path; the draft only if the organisation allows it."""
    db = get_session()
    org = current_user.organisation
    enrolment = services.org_enrolment(db, org.id, enrolment_id)
    if enrolment is None or not scope.may_see(db, current_user, enrolment.user_id):
        abort(404)
    course = get_catalog().courses.get(enrolment.course_slug)
    if course is None:
        abort(404)
    summary = services.questionnaire_summary(db, enrolment.id)
    draft = services.get_draft(db, enrolment)
    allowed = services.get_settings(db, org.id).trainers_see_drafts
    record(db, current_user, "view.learner", target_type="user", target_id=enrolment.user_id,
           target_label=enrolment.user.email, details={"page": "guideline", "course": enrolment.course_slug})
    locale = str(current_user.locale or "de")
    return render_template("guidelines/team_detail.html", course=course, enrolment=enrolment,
                           name=services.display_name(org, enrolment.user), summary=summary,
                           rows=services.path_rows(course, summary["path"], summary["reasons"]) if summary else [],
                           draft=draft, allowed=allowed,
                           sections=services.document_sections(draft, locale) if draft and allowed else [])
