"""Trainer pages: overview matrix with charts, learner detail, question analysis, inactivity, exports."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user

from ..audit.services import record
from ..auth import scope
from ..auth.decorators import role_required
from ..catalog import get_catalog
from ..db import get_session
from ..i18n import _, localized
from . import analysis, charts, queries

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")
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
    filters = queries.Filters.from_args(request.args)
    rows, total = queries.learner_rows(db, org, course, filters, viewer=current_user)
    days = org.inactivity_days or current_app.config["INACTIVITY_DAYS"]
    extras = [provider(db, org, course) for provider in current_app.extensions.get("lms_report_extras", [])]
    visible = set(db.scalars(scope.visible_user_ids(current_user)))
    bands = queries.score_bands(db, org, course)  # one aggregate for the headline average and the chart
    return render_template(
        "reports/overview.html", course=course, courses=get_catalog().courses.values(), rows=rows, total=total,
        filters=filters, pages=max(1, -(-total // filters.per_page)),
        departments=queries.departments(db, org), summary=queries.summary(db, org, course, bands),
        completion_chart=charts.bar_chart(
            [(d.strftime("%d.%m."), n) for d, n in queries.completions_by_week(db, org, course)],
            _("Abschlüsse pro Woche")),
        score_chart=charts.bar_chart(
            [(f"{i * 10}–{i * 10 + 10}", n) for i, n in enumerate(bands.counts)],
            _("Verteilung der besten Quiz-Ergebnisse (%)")),
        inactive=[pair for pair in queries.inactive_learners(db, org, course, days) if pair[0].id in visible],
        days=days, extras=extras,
        status_labels=STATUS_LABELS, pseudonymous=org.pseudonymous_reports, display=queries.display_name)


@bp.route("/learners/<int:user_id>")
@role_required(*STAFF)
def learner(user_id: int):
    """One learner's path, lesson visits, attempts, certificate status and xAPI timeline."""
    db = get_session()
    org = current_user.organisation
    user = queries.learner(db, org, user_id)
    if user is None or not scope.may_see(db, current_user, user.id):
        abort(404)
    course = _course()
    from ..courses import services as courses

    enrolment = courses.get_enrolment(db, user, course)
    # The one sanctioned write on GET: looking at a person's learning record is itself recorded.
    record(db, current_user, "view.learner", target_type="user", target_id=user.id, target_label=user.email,
           details={"page": "report", "course": course.slug})
    extras = [provider(db, org, course, user, enrolment)
              for provider in current_app.extensions.get("lms_learner_report_extras", [])]
    return render_template(
        "reports/learner.html", course=course, user=user, name=queries.display_name(org, user), enrolment=enrolment,
        lessons=queries.lesson_records(db, enrolment) if enrolment else {},
        modules=courses.module_records(db, enrolment) if enrolment else {},
        attempts=queries.attempts_of(db, enrolment) if enrolment else [],
        timeline=queries.timeline(db, org, user), extras=extras, status_of=courses.lesson_status,
        status_labels=STATUS_LABELS)


@bp.route("/quizzes/<quiz_id>")
@role_required(*STAFF)
def quiz(quiz_id: str):
    """Question analysis for one quiz: correct rate, chosen answers, discrimination."""
    course = _course()
    quiz_def = get_catalog().quiz(course.slug, quiz_id)
    if quiz_def is None:
        abort(404)
    stats = analysis.question_stats(get_session(), current_user.org_id, course.slug, quiz_id)
    from ..quizzes.services import pool_for

    pool = pool_for(get_catalog().course_quizzes(course.slug), quiz_def)
    return render_template("reports/quiz.html", course=course, quiz=quiz_def, stats=stats, pool=pool)


def _export_rows(course, rows):
    header = [_("Name"), _("Abteilung"), _("Status"), _("Fortschritt %")]
    header += [localized(m.title) for m in course.modules]
    header += [_("Ø Quiz %"), _("Abschlussprüfung %"), _("Letzte Aktivität")]
    yield header
    labels = {key: _(label) for key, label in STATUS_LABELS.items()}  # once, not per cell of thousands of rows
    for row in rows:
        line = [row.display_name, row.user.department_name, labels[row.status],
                round((row.enrolment.progress if row.enrolment else 0) * 100)]
        line += [labels[row.modules.get(m.id, "not_started")] for m in course.modules]
        line += ["" if row.average_score is None else round(row.average_score * 100),
                 "" if row.final_score is None else round(row.final_score * 100),
                 row.enrolment.last_activity_at.strftime("%Y-%m-%d %H:%M") if row.enrolment else ""]
        yield line


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
    course, rows = _filtered_rows()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    for line in _export_rows(course, rows):
        writer.writerow([_safe_cell(v) for v in line])
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="fortschritt-{course.slug}.csv"'})


@bp.route("/export.xlsx")
@role_required(*STAFF)
def export_xlsx():
    """The matrix with the current filters and sort as an Excel workbook."""
    from openpyxl import Workbook

    course, rows = _filtered_rows()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Fortschritt"))
    for line in _export_rows(course, rows):
        sheet.append([_safe_cell(v) for v in line])
    out = io.BytesIO()
    workbook.save(out)
    return Response(out.getvalue(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="fortschritt-{course.slug}.xlsx"'})


def _safe_cell(value):
    """Neutralise spreadsheet formulas in user-supplied text (CSV/formula injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
