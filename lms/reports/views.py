"""Trainer pages: overview matrix with charts, learner detail, question analysis, inactivity, exports."""
from __future__ import annotations

import csv
import io
from datetime import datetime

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import get_locale, get_timezone
from flask_login import current_user

from ..audit.services import record
from .. import extension
from ..auth import scope
from ..auth.decorators import role_required
from ..catalog import get_catalog
from ..csvsafe import safe_cell
from ..db import get_session
from ..i18n import _, localized
from ..localtime import date_filter
from ..privacy import settings as privacy_settings
from . import aggregate, aggregate_views, analysis, charts, queries

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")


@bp.errorhandler(queries.PersonLevelRefused)
def _person_level_refused(_error):
    """In aggregate-only mode a person-level page does not exist (404, like an unknown learner)."""
    return render_template("errors/error.html", code=404, title=_("Nicht verfügbar"),
                           message=_("Ihre Organisation wertet nur zusammengefasst aus.")), 404
STAFF = ("trainer", "admin")
STATUS_LABELS = {"not_started": "nicht begonnen", "in_progress": "in Arbeit", "done": "Lektionen erledigt",
                 "passed": "bestanden", "completed": "abgeschlossen"}


def _course():
    catalog = get_catalog()
    slug = request.args.get("course") or next(iter(catalog.courses), None)
    if slug is None:
        abort(404)
    return catalog.course(slug)


@bp.route("/")
@role_required(*STAFF)
def overview():
    """Learners × modules matrix with filters, headline figures, charts and the inactivity list."""
    db = get_session()
    org = current_user.organisation
    course = _course()
    active = privacy_settings.current(db, org)
    if active.aggregate_only:
        return aggregate_views.overview(db, org, course, active)
    filters = queries.Filters.from_args(request.args)
    rows, total = queries.learner_rows(db, org, course, filters, viewer=current_user)
    days = org.inactivity_days or current_app.config["INACTIVITY_DAYS"]
    extras = [provider(db, org, course) for provider in extension.hooks("report_extras")]
    visible = set(db.scalars(scope.visible_user_ids(current_user)))
    bands = queries.score_bands(db, org, course, viewer=current_user)  # headline average and the chart
    return render_template(
        "reports/overview.html", course=course, courses=get_catalog().courses.values(), rows=rows, total=total,
        filters=filters, pages=max(1, -(-total // filters.per_page)),
        departments=queries.departments(db, org, current_user),
        summary=queries.summary(db, org, course, bands, viewer=current_user),
        completion_chart=charts.bar_chart(
            [(date_filter(d, "short"), n) for d, n in queries.completions_by_week(db, org, course,
                                                                                     viewer=current_user)],
            _("Abschlüsse pro Woche")),
        score_chart=charts.bar_chart(
            [(f"{i * 10}–{i * 10 + 10}", n) for i, n in enumerate(bands.counts)],
            _("Verteilung der besten Quiz-Ergebnisse (%)")),
        inactive=[pair for pair in queries.inactive_learners(db, org, course, days) if pair[0].id in visible],
        days=days, extras=extras,
        status_labels=STATUS_LABELS, pseudonymous=org.pseudonymous_reports, display=queries.display_name,
        privacy=active)


@bp.route("/learners/<int:user_id>")
@role_required(*STAFF)
def learner(user_id: int):
    """One learner's path, lesson visits, attempts, certificate status and xAPI timeline."""
    db = get_session()
    org = current_user.organisation
    user = queries.learner(db, org, user_id)
    if user is None or not scope.may_see(db, current_user, user.id):
        abort(404)
    active = privacy_settings.current(db, org)
    course = _course()
    from ..courses import services as courses

    enrolment = courses.get_enrolment(db, user, course)
    # The one sanctioned write on GET: looking at a person's learning record is itself recorded.
    record(db, current_user, "view.learner", target_type="user", target_id=user.id, target_label=user.email,
           details={"page": "report", "course": course.slug})
    extras = [provider(db, org, course, user, enrolment)
              for provider in extension.hooks("learner_report_extras")]
    return render_template(
        "reports/learner.html", course=course, user=user, name=queries.display_name(org, user), enrolment=enrolment,
        lessons=queries.lesson_records(db, enrolment) if enrolment else {},
        modules=courses.module_records(db, enrolment) if enrolment else {},
        attempts=queries.attempts_of(db, enrolment) if enrolment and active.shows_scores else [],
        timeline=queries.sessions(queries.timeline(db, org, user, lang=str(get_locale() or "de"))), extras=extras,
        status_of=courses.lesson_status, status_labels=STATUS_LABELS, privacy=active,
        quiz_title=lambda quiz_id: _quiz_title(course, quiz_id))


def _quiz_title(course, quiz_id: str) -> str:
    """A quiz's title in the user's language (its id only if the quiz is gone from the catalog)."""
    quiz = get_catalog().quiz(course.slug, quiz_id)
    return localized(quiz.title) if quiz is not None else quiz_id


@bp.route("/quizzes/<quiz_id>")
@role_required(*STAFF)
def quiz(quiz_id: str):
    """Question analysis for one quiz: correct rate, chosen answers, discrimination."""
    course = _course()
    quiz_def = get_catalog().quiz(course.slug, quiz_id)
    if quiz_def is None:
        abort(404)
    active = privacy_settings.current(get_session(), current_user.organisation)
    if active.aggregate_only:
        return aggregate_views.quiz(get_session(), current_user.org_id, course, quiz_def, active, current_user)
    stats = analysis.question_stats(get_session(), current_user.org_id, course.slug, quiz_id, current_user)
    from ..quizzes.services import pool_for

    pool = pool_for(get_catalog().course_quizzes(course.slug), quiz_def)
    return render_template("reports/quiz.html", course=course, quiz=quiz_def, stats=stats, pool=pool)


def _export_rows(course, rows, scores: bool = True):
    header = [_("Name"), _("Abteilung"), _("Status"), _("Fortschritt %")]
    header += [localized(m.title) for m in course.modules]
    header += [_("Ø Quiz %"), _("Abschlussprüfung %")] if scores else []
    header += [_("Letzte Aktivität")]
    yield header
    labels = {key: _(label) for key, label in STATUS_LABELS.items()}  # once, not per cell of thousands of rows
    zone = get_timezone()
    for row in rows:
        line = [row.display_name, row.user.department_name, labels[row.status],
                round((row.enrolment.progress if row.enrolment else 0) * 100)]
        line += [labels[row.modules.get(m.id, "not_started")] for m in course.modules]
        if scores:
            line += ["" if row.average_score is None else round(row.average_score * 100),
                     "" if row.final_score is None else round(row.final_score * 100)]
        line += [_local(row.enrolment.last_activity_at, zone) if row.enrolment else ""]
        yield line


def _local(value: datetime, zone) -> datetime:
    """The wall-clock time in the organisation's zone (get_timezone(), looked up once per export) without zone
    (spreadsheets store dates without one)."""
    return value.astimezone(zone).replace(tzinfo=None, microsecond=0)


def _filtered_rows():
    db = get_session()
    course = _course()
    filters = queries.Filters.from_args(request.args)
    rows, total = queries.learner_rows(db, current_user.organisation, course, filters, paginate=False,
                                       viewer=current_user)
    record(db, current_user, "export.report",
           details={"format": request.path.rsplit(".", 1)[-1], "course": course.slug, "rows": total,
                    **filters.args(page=None, per_page=None)})
    return course, rows


@bp.route("/export.csv")
@role_required(*STAFF)
def export_csv():
    """The matrix with the current filters and sort as CSV (UTF-8 with BOM, semicolons, for Excel)."""
    if privacy_settings.current(get_session(), current_user.organisation).aggregate_only:
        return aggregate_views.export("csv", _course())
    course, rows = _filtered_rows()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    for line in _export_rows(course, rows, _shows_scores()):
        writer.writerow([v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else safe_cell(v) for v in line])
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="fortschritt-{course.slug}.csv"',
                             **_settings_header()})


@bp.route("/export.xlsx")
@role_required(*STAFF)
def export_xlsx():
    """The matrix with the current filters and sort as an Excel workbook."""
    from openpyxl import Workbook

    if privacy_settings.current(get_session(), current_user.organisation).aggregate_only:
        return aggregate_views.export("xlsx", _course())
    course, rows = _filtered_rows()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Fortschritt"))
    for line in _export_rows(course, rows, _shows_scores()):
        sheet.append([safe_cell(v) for v in line])
    out = io.BytesIO()
    workbook.save(out)
    return Response(out.getvalue(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="fortschritt-{course.slug}.xlsx"',
                             **_settings_header()})


def _settings_header() -> dict:
    """The privacy settings version in force, so a saved export can be matched to the works agreement."""
    return {"X-Privacy-Settings-Version": str(privacy_settings.current(get_session(),
                                                                      current_user.organisation).version)}


def _shows_scores() -> bool:
    return privacy_settings.current(get_session(), current_user.organisation).shows_scores
