"""Admin and trainer guideline pages: publish, settings, acknowledgements, default answers, learners' paths."""
from __future__ import annotations

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from ..audit.services import record
from ..catalog import get_catalog
from ..db import get_session
from ..i18n import _
from ..privacy.enforce import person_level_view
from . import rules, services
from .forms import PublishForm, SettingsForm
from .views import answer_errors, bp, submitted_answers


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
def manage():
    """Admin: publish the guideline, see acknowledgements, set who may read drafts, set default answers."""
    return _manage()


@bp.route("/admin/publish", methods=["POST"])
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
def settings():
    """Save whether trainers may read learners' drafts."""
    form = SettingsForm()
    if not form.validate_on_submit():
        return _manage(settings_form=form, status=400)
    services.set_trainers_see_drafts(get_session(), current_user, form.trainers_see_drafts.data == "1")
    flash(_("Einstellungen gespeichert."), "success")
    return redirect(url_for("lms.guidelines.manage"))


@bp.route("/admin/versions/<int:number>/acknowledgements")
def version_acknowledgements(number: int):
    """Who acknowledged a version, and who has not yet."""
    db = get_session()
    version = g.guideline_version
    return render_template("guidelines/acknowledgements.html", version=version,
                           rows=services.acknowledgements(db, current_user.org_id, number),
                           missing=services.open_acknowledgements(db, current_user.org_id, version))


@bp.route("/admin/acknowledgements.csv")
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
        submitted = submitted_answers(questionnaire_obj)
        try:
            services.save_org_defaults(db, current_user, course, submitted)
        except rules.AnswerError as exc:
            errors, status, values = answer_errors(exc.errors), 400, submitted
        else:
            flash(_("Standardantworten gespeichert."), "success")
            return redirect(url_for("lms.guidelines.defaults", slug=slug))
    else:
        values = row.answers if row else {}
    return render_template("guidelines/questionnaire.html", course=course, questionnaire=questionnaire_obj,
                           values=values, errors=errors, response=None, defaults=row,
                           action=url_for("lms.guidelines.defaults", slug=slug), admin_mode=True), status


@bp.route("/team/")
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
@person_level_view
def team_detail(enrolment_id: int):
    """Trainers: one learner's answers and path; the draft only if the organisation allows it."""
    db = get_session()
    org = current_user.organisation
    enrolment = g.enrolment
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
