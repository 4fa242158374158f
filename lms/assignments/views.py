"""Trainer pages: assign a course, follow statuses (filter, overdue list, CSV), move due dates; learner panel."""
from __future__ import annotations

import csv
import io
from datetime import datetime, time, timezone

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from ..auth import scope
from ..auth.decorators import role_required
from ..catalog import get_catalog
from ..csvsafe import safe_cell
from ..db import get_session
from ..i18n import _, localized
from ..privacy.enforce import person_level_view
from . import queries, services
from .forms import AssignForm, DueForm
from .status import LABELS

bp = Blueprint("assignments", __name__, url_prefix="/assignments", template_folder="templates")
STAFF = ("trainer", "admin")


def end_of_day(day) -> datetime | None:
    """A date from a form as the end of that day (UTC): due 'on' a date means until that day ends."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=timezone.utc) if day else None


def _assign_form(db) -> AssignForm:
    form = AssignForm()
    form.course.choices = [(c.slug, localized(c.title)) for c in get_catalog().courses.values()]
    people = queries.people(db, current_user.org_id, viewer=current_user)
    form.users.choices = [(u.id, f"{u.name} <{u.email}>") for u in people]
    limited = scope.trainer_departments(db, current_user.id) if current_user.role == "trainer" else []
    form.department.choices = [(0, "–")] + [(d.id, d.name) for d in limited or
                                            queries.departments(db, current_user.org_id)]
    return form


def _outside_scope(db, form) -> bool:
    """A department-limited trainer may assign only people of their departments, or one of those departments."""
    limited = scope.trainer_departments(db, current_user.id) if current_user.role == "trainer" else []
    if not limited:
        return False
    if form.scope.data == "department":
        return form.department.data not in {d.id for d in limited}
    if form.scope.data == "users":
        return not all(scope.may_see(db, current_user, user_id) for user_id in form.users.data or [])
    return True


@bp.route("/", methods=["GET", "POST"])
@role_required(*STAFF)
def manage():
    """The organisation's assignment rules and the form to assign a course."""
    db = get_session()
    form = _assign_form(db)
    if form.validate_on_submit() and _outside_scope(db, form):
        form.scope.errors.append(_("Sie können nur Personen Ihrer Abteilungen zuweisen."))
    elif form.validate_on_submit():
        try:
            _rule, created = services.create_assignment(
                db, current_user, form.course.data, scope=form.scope.data, user_ids=form.users.data,
                department_id=form.department.data or None, due_at=end_of_day(form.due_date.data),
                due_days=form.due_days.data, mandatory=form.mandatory.data == "1",
                include_future=form.include_future.data, recert_lead_days=form.recert_lead_days.data)
        except services.AssignmentError as exc:
            form.scope.errors.append(str(exc))
        else:
            flash(_("Kurs zugewiesen: %(n)d Person(en).", n=created), "success")
            return redirect(url_for("lms.assignments.manage"))
    status = 400 if form.errors else 200
    return render_template("assignments/manage.html", form=form, rules=queries.rules(db, current_user.org_id),
                           catalog=get_catalog().courses), status


@bp.route("/status")
@role_required(*STAFF)
@person_level_view
def status():
    """Every learner assignment with its status; filters; the overdue list."""
    db = get_session()
    filters = queries.Filters.from_args(request.args)
    rows = queries.org_rows(db, current_user.org_id, filters, viewer=current_user)
    overdue = [r for r in queries.org_rows(db, current_user.org_id, queries.Filters(course=filters.course),
                                           viewer=current_user)
               if r.status == "overdue"]
    return render_template("assignments/status.html", rows=rows, overdue=overdue, filters=filters, labels=LABELS,
                           departments=queries.departments(db, current_user.org_id),
                           courses=get_catalog().courses, due_form=DueForm(formdata=None))


@bp.route("/status.csv")
@role_required(*STAFF)
@person_level_view
def export_csv():
    """The status list as CSV, with the same filters."""
    db = get_session()
    rows = queries.org_rows(db, current_user.org_id, queries.Filters.from_args(request.args), viewer=current_user)
    courses = get_catalog().courses
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Name"), _("E-Mail"), _("Abteilung"), _("Kurs"), _("Pflicht"), _("Zugewiesen am"),
                     _("Fällig am"), _("Status"), _("Abgeschlossen am"), _("Zertifikat gültig bis")])
    for r in rows:
        course = courses.get(r.item.course_slug)
        writer.writerow([safe_cell(r.user.name), safe_cell(r.user.email), safe_cell(r.user.department_name),
                         localized(course.title) if course else r.item.course_slug,
                         _("ja") if r.item.mandatory else _("nein"), _date(r.item.assigned_at), _date(r.item.due_at),
                         str(LABELS[r.status]), _date(r.item.completed_at), _date(r.item.expires_at)])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=assignments.csv"})



def _date(moment) -> str:
    return moment.date().isoformat() if moment else ""


@bp.route("/due", methods=["POST"])
@role_required(*STAFF)
def change_due():
    """Move one learner's due date (an assignment of the trainer's organisation)."""
    form = DueForm()
    if not form.validate_on_submit():
        abort(400)
    db = get_session()
    item = queries.item_of_org(db, current_user.org_id, form.item_id.data)
    if item is None or not scope.may_see(db, current_user, item.user_id):
        abort(404)
    services.change_due(db, current_user, item, end_of_day(form.due_date.data))
    flash(_("Fälligkeitsdatum geändert."), "success")
    return redirect(url_for("lms.assignments.status"))


def learner_panel(db, user) -> Markup:
    """The learner's assignments for the top of their home page (rendered HTML, empty without assignments)."""
    rows = queries.learner_rows(db, user)
    if not rows:
        return Markup("")
    return Markup(render_template("assignments/_learner_panel.html", rows=rows, labels=LABELS,
                                  courses=get_catalog().courses))


def overdue_extra(db, org, course):
    """For the trainer overview: who is overdue with this course (links to the learner pages)."""
    rows = queries.org_rows(db, org.id, queries.Filters(course=course.slug, status="overdue"), viewer=current_user)
    items = [{"label": _("Lernende:r") if org.pseudonymous_reports else r.user.name,
              "url": url_for("lms.reports.learner", user_id=r.user.id, course=course.slug),
              "note": _("fällig seit %(d)s", d=r.item.due_at.strftime("%d.%m.%Y"))} for r in rows]
    return {"title": _("Überfällige Zuweisungen"), "items": items, "empty": _("Niemand ist überfällig.")}
