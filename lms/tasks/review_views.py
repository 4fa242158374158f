"""Trainer pages: the organisation's task list with statuses and filters, and the rubric review of one hand-in."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.pseudonyms import display_name
from ..catalog import get_catalog
from ..db import get_session
from ..i18n import _
from . import queries, services
from .views import bp, status_label


@bp.route("/review")
def review_list():
    """Hand-ins of the organisation: newest per learner and task, filtered by status, task and name."""
    db = get_session()
    filters = queries.Filters.from_args(request.args)
    catalog = get_catalog()
    rows = queries.task_list(db, current_user.org_id, filters, viewer=current_user)
    tasks = {(slug, tid): task for (slug, tid), task in catalog.tasks.items()}
    return render_template("tasks/review_list.html", rows=rows, filters=filters, tasks=tasks,
                           counts=queries.status_counts(db, current_user.org_id, viewer=current_user), status_label=status_label,
                           name_of=lambda user: display_name(current_user.organisation, user))


def _review_context():
    """The request's hand-in (loaded by the access step) with its course and task; 404 if they are gone."""
    db, submission = get_session(), g.submission
    catalog = get_catalog()
    task = catalog.task(submission.course_slug, submission.task_id)
    if task is None or submission.course_slug not in catalog.courses:
        abort(404)
    return db, catalog.courses[submission.course_slug], task, submission


def _render_review(db, course, task, submission, error=None, status=200, form=None):
    return render_template("tasks/review.html", course=course, task=task, submission=submission,
                           earlier=queries.earlier_submissions(db, submission), error=error, form=form or {},
                           learner_name=display_name(current_user.organisation, submission.user),
                           status_label=status_label), status


@bp.route("/review/<int:submission_id>")
def review(submission_id: int):
    """One hand-in with the learner's answers and file, earlier hand-ins, and the rubric form."""
    db, course, task, submission = _review_context()
    return _render_review(db, course, task, submission)


@bp.route("/review/<int:submission_id>", methods=["POST"])
def review_save(submission_id: int):
    """Save the rubric as a draft (in review), accept the hand-in, or ask for a revision."""
    db, course, task, submission = _review_context()
    levels = {c.id: request.form.get(f"level-{c.id}", "") for c in task.rubric}
    comments = {c.id: request.form.get(f"comment-{c.id}", "") for c in task.rubric}
    try:
        services.review(db, current_user, course, task, submission, request.form.get("decision", ""), levels,
                        comments, request.form.get("feedback", ""))
    except services.TaskError as exc:
        return _render_review(db, course, task, submission, error=str(exc), status=400, form=request.form)
    flash(_("Die Bewertung ist gespeichert."), "success")
    if submission.decided:
        return redirect(url_for("lms.tasks.review_list"))
    return redirect(url_for("lms.tasks.review", submission_id=submission.id))


def report_extra(db, org, course):
    """For the trainer dashboard: the course's hand-ins per status, each linking to the filtered task list."""
    if not get_catalog().course_tasks(course.slug):
        return None
    counts = queries.status_counts(db, org.id, course.slug)
    items = [{"label": status_label(status), "url": url_for("lms.tasks.review_list", status=status),
              "note": str(count)} for status, count in counts.items()]
    return {"title": _("Praxisaufgaben"), "items": items, "empty": ""}
