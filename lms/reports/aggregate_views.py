"""Pages and exports of the aggregate-only mode (called by views.py when the organisation chose it)."""
from __future__ import annotations

import csv
import io

from flask import Response, render_template, request
from flask_login import current_user

from ..audit.services import record
from ..catalog import get_catalog
from ..db import get_session
from ..i18n import _
from . import aggregate, charts, queries

STATUS_TEXT = {"not_started": "nicht begonnen", "in_progress": "in Arbeit", "completed": "abgeschlossen"}


def _chart(data, k: int, title: str):
    """A bar chart whose bars of 1..k-1 people are drawn empty and labelled "<k"."""
    shown = [(label if value is not None else f"{label} (<{k})", value or 0)
             for label, value in aggregate.suppressed_series(data, k)]
    return charts.bar_chart(shown, title)


def overview(db, org, course, active):
    """Departments × status with averages, headline figures and charts; nothing below k, no person."""
    k = active.min_group_size
    flt = aggregate.AggregateFilters.from_args(request.args)
    viewer = current_user
    rows, total = aggregate.group_table(db, org, course, flt, k, with_scores=True, viewer=viewer)
    bands = queries.score_bands(db, org, course, viewer=viewer)
    weeks = [(d.strftime("%d.%m."), n) for d, n in queries.completions_by_week(db, org, course, viewer=viewer)]
    return render_template(
        "reports/aggregate.html", course=course, courses=get_catalog().courses.values(), rows=rows, total=total,
        filters=flt, departments=queries.departments(db, org, viewer), k=k, privacy=active, status_text=STATUS_TEXT,
        completion_chart=_chart(weeks, k, _("Abschlüsse pro Woche")),
        score_chart=_chart([(f"{i * 10}–{i * 10 + 10}", n) for i, n in enumerate(bands.counts)], k,
                           _("Verteilung der besten Quiz-Ergebnisse (%)")))


def quiz(db, org_id: int, course, quiz_def, active, viewer=None):
    """Question analysis over people (not attempts), without answers; questions answered by < k show nothing."""
    k = active.min_group_size
    from ..quizzes.services import pool_for

    pool = pool_for(get_catalog().course_quizzes(course.slug), quiz_def)
    stats = aggregate.question_aggregates(db, org_id, course.slug, quiz_def.id, k, viewer)
    return render_template("reports/aggregate_quiz.html", course=course, quiz=quiz_def, stats=stats, pool=pool, k=k,
                           privacy=active)


def _lines(rows, total, k: int, version: int):
    yield [_("Datenschutzeinstellungen Version %(v)d; Gruppen unter %(k)d Personen ausgeblendet", v=version, k=k)]
    yield [_("Abteilung"), _("Lernende")] + [_(STATUS_TEXT[s]) for s in aggregate.STATUSES] + [
        _("Ø Fortschritt %"), _("Ø Quiz %")]
    hidden = _("weniger als %(k)d", k=k)
    for row in list(rows) + [total]:
        line = [row.department or _("alle"), hidden if row.learners is None else row.learners]
        line += [hidden if row.statuses[s] is None else row.statuses[s] for s in aggregate.STATUSES]
        line += ["" if row.average_progress is None else round(row.average_progress * 100),
                 "" if row.average_score is None else round(row.average_score * 100)]
        yield line


def export(fmt: str, course):
    """The aggregate table with the current filters as CSV or XLSX (recorded in the audit log)."""
    db = get_session()
    org = current_user.organisation
    from ..privacy import settings as privacy_settings

    active = privacy_settings.current(db, org)
    flt = aggregate.AggregateFilters.from_args(request.args)
    rows, total = aggregate.group_table(db, org, course, flt, active.min_group_size, viewer=current_user)
    record(db, current_user, "export.report", details={"format": fmt, "course": course.slug, "aggregate": True,
                                                       "settings_version": active.version, **flt.args()})
    lines = list(_lines(rows, total, active.min_group_size, active.version))
    name = f"auswertung-{course.slug}-v{active.version}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"',
               "X-Privacy-Settings-Version": str(active.version)}
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=";").writerows(lines)
        return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv; charset=utf-8", headers=headers)
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Auswertung"))
    for line in lines:
        sheet.append(line)
    out = io.BytesIO()
    workbook.save(out)
    return Response(out.getvalue(), headers=headers,
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
