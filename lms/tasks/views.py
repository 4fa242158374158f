"""Learner pages of practical tasks: the task with its form and feedback, hand-in, template and file downloads."""
from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from ..auth import scope
from ..catalog import get_catalog
from ..courses import services as courses
from ..db import get_session
from ..i18n import _, localized
from . import queries, services
from .files import MIME
from .models import TaskSubmission

bp = Blueprint("tasks", __name__, url_prefix="/tasks", template_folder="templates")
STAFF = ("trainer", "admin")


def _task_context(slug: str, task_id: str):
    course = get_catalog().course(slug)
    task = get_catalog().task(slug, task_id)
    if task is None:
        abort(404)
    db = get_session()
    return db, course, task, courses.get_enrolment(db, current_user, course)


def attachment(data: bytes, name: str, mime: str):
    """A download that the browser must save, never render: attachment, nosniff, not cached."""
    response = send_file(io.BytesIO(data), mimetype=mime, as_attachment=True, download_name=name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _render_task(db, course, task, enrolment, error: str | None = None, status: int = 200, answers=None):
    submissions = services.history(db, enrolment, task)
    current = submissions[0] if submissions else None
    return render_template("tasks/task.html", course=course, task=task, module=course.module(task.module),
                           lesson=course.lesson(task.lesson), submissions=submissions, current=current,
                           may_submit=services.may_submit(current), error=error,
                           answers=answers if answers is not None else (current.answers if current else {})), status


@bp.route("/<slug>/<task_id>")
@login_required
def task(slug: str, task_id: str):
    """The task: instructions, template, the hand-in form, and every earlier hand-in with its feedback."""
    db, course, task_obj, enrolment = _task_context(slug, task_id)
    if enrolment is None:
        return redirect(url_for("lms.courses.overview", slug=slug))
    return _render_task(db, course, task_obj, enrolment)


def _upload(task_obj) -> services.Upload | None:
    storage = request.files.get("file")
    if storage is None or not storage.filename:
        return None
    limit = task_obj.max_size_mb * 1024 * 1024
    return services.Upload(storage.filename, storage.stream.read(limit + 1))


@bp.route("/<slug>/<task_id>/submit", methods=["POST"])
@login_required
def submit(slug: str, task_id: str):
    """Hand in the task; bad input re-shows the form with the reason and changes nothing."""
    db, course, task_obj, enrolment = _task_context(slug, task_id)
    if enrolment is None:
        abort(404)
    answers = {field.id: request.form.get(f"field-{field.id}", "") for field in task_obj.fields}
    try:
        services.submit(db, current_user, course, enrolment, task_obj, answers, _upload(task_obj))
    except services.TaskError as exc:
        return _render_task(db, course, task_obj, enrolment, error=str(exc), status=400, answers=answers)
    flash(_("Ihre Abgabe ist eingegangen. Eine Trainerin oder ein Trainer prüft sie."), "success")
    return redirect(url_for("lms.tasks.task", slug=slug, task_id=task_id))


@bp.route("/<slug>/<task_id>/template")
@login_required
def template(slug: str, task_id: str):
    """The task's template file from the course package, as a download."""
    _db, _course, task_obj, _enrolment = _task_context(slug, task_id)
    if task_obj.template is None:
        abort(404)
    data = task_obj.template.read_bytes()
    kind = task_obj.template.suffix.lstrip(".").lower()
    return attachment(data, task_obj.template.name, MIME.get(kind, "application/octet-stream"))


@bp.route("/files/<int:submission_id>")
@login_required
def submission_file(submission_id: int):
    """A handed-in file: only for the learner who handed it in and staff of their organisation."""
    db = get_session()
    submission = queries.org_submission(db, current_user.org_id, submission_id)
    if submission is None or submission.file is None:
        abort(404)
    if submission.user_id != current_user.id and (current_user.role not in STAFF
                                                  or not scope.may_see(db, current_user, submission.user_id)):
        abort(404)
    stored = submission.file
    return attachment(stored.data, stored.name, stored.mime)


def lesson_tasks(db, user, course, enrolment, lesson) -> list[dict]:
    """Practical tasks of a lesson for the lesson page: link, exercise minutes and the learner's status."""
    items = []
    tasks = get_catalog().lesson_tasks(course.slug, lesson.id)
    latest = services.latest_by_task(db, enrolment) if enrolment and tasks else {}
    for task_obj in tasks:
        current: TaskSubmission | None = latest.get(task_obj.id)
        items.append({"url": url_for("lms.tasks.task", slug=course.slug, task_id=task_obj.id),
                      "label": _("Praxisaufgabe: %(t)s", t=localized(task_obj.title)),
                      "note": _("Übungszeit ca. %(n)d Min.", n=task_obj.minutes)
                      + (" · " + status_label(current.status) if current else "")})
    return items


def status_label(status: str) -> str:
    """The status of a hand-in in words."""
    return {"submitted": _("eingereicht"), "in_review": _("in Prüfung"),
            "revision_requested": _("Überarbeitung erbeten"), "accepted": _("angenommen")}.get(status, status)
