"""Hand in a practical task, review it with the rubric, and tell courses whether a module's tasks are done."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import signals
from ..auth.models import User
from ..courses import services as courses
from ..courses.content import Course, Module
from ..courses.models import Enrolment
from ..db import utcnow
from ..i18n import _
from . import files
from .definitions import Task
from .models import ACCEPTED, IN_REVIEW, REVISION_REQUESTED, SUBMITTED, TaskFile, TaskSubmission

MAX_ANSWER_CHARS = 20000
DECISIONS = ("draft", ACCEPTED, REVISION_REQUESTED)


class TaskError(ValueError):
    """Input that cannot be accepted; the message is shown to the user."""


@dataclass(frozen=True)
class Upload:
    """A file the learner handed in: its name as sent and its bytes."""

    filename: str
    data: bytes


def history(db: Session, enrolment: Enrolment, task: Task) -> list[TaskSubmission]:
    """Every hand-in of this task by this enrolment, newest first."""
    return list(db.scalars(select(TaskSubmission).where(TaskSubmission.enrolment_id == enrolment.id,
                                                        TaskSubmission.task_id == task.id)
                           .order_by(TaskSubmission.number.desc())))


def latest(db: Session, enrolment: Enrolment, task: Task) -> TaskSubmission | None:
    """The newest hand-in, or None."""
    found = history(db, enrolment, task)
    return found[0] if found else None


def may_submit(current: TaskSubmission | None) -> bool:
    """A learner hands in once, and again only after a trainer asked for a revision."""
    return current is None or current.status == REVISION_REQUESTED


def _clean_answers(task: Task, answers: dict) -> dict:
    cleaned = {}
    for field in task.fields:
        text = (answers.get(field.id) or "").strip()
        if len(text) > MAX_ANSWER_CHARS:
            raise TaskError(_("Eine Antwort ist zu lang (höchstens %(n)d Zeichen).", n=MAX_ANSWER_CHARS))
        if field.required and not text:
            raise TaskError(_("Bitte füllen Sie alle Pflichtfelder aus."))
        cleaned[field.id] = text
    return cleaned


def _checked_file(task: Task, upload: Upload | None) -> TaskFile | None:
    if upload is None or not upload.filename:
        if task.file_required:
            raise TaskError(_("Bitte laden Sie eine Datei hoch."))
        return None
    if not task.file_types:
        raise TaskError(_("Für diese Aufgabe ist kein Datei-Upload vorgesehen."))
    if len(upload.data) > task.max_size_mb * 1024 * 1024:
        raise TaskError(_("Die Datei ist zu groß (höchstens %(n)d MB).", n=task.max_size_mb))
    if not upload.data:
        raise TaskError(_("Die Datei ist leer."))
    claimed = files.extension_of(upload.filename)
    kind = files.sniff(upload.data, claimed)
    if kind is None or kind not in task.file_types:
        raise TaskError(_("Dieser Dateityp ist nicht erlaubt. Erlaubt: %(types)s.", types=", ".join(task.file_types)))
    if claimed in files.MIME and claimed != kind and not (claimed in files.TEXT_TYPES and kind in files.TEXT_TYPES):
        raise TaskError(_("Der Inhalt der Datei passt nicht zu ihrer Endung."))
    return TaskFile(name=files.safe_name(upload.filename, kind), mime=files.MIME[kind], size=len(upload.data),
                    sha256=hashlib.sha256(upload.data).hexdigest(), data=upload.data)


def submit(db: Session, user: User, course: Course, enrolment: Enrolment, task: Task, answers: dict,
           upload: Upload | None = None) -> TaskSubmission:
    """Hand in the task (form answers and/or a file); raise TaskError on bad input, changing nothing."""
    current = latest(db, enrolment, task)
    if not may_submit(current):
        raise TaskError(_("Diese Aufgabe ist bereits abgegeben."))
    cleaned = _clean_answers(task, answers)
    stored_file = _checked_file(task, upload)
    if not any(cleaned.values()) and stored_file is None:
        raise TaskError(_("Bitte geben Sie eine Antwort ein oder laden Sie eine Datei hoch."))
    submission = TaskSubmission(enrolment_id=enrolment.id, org_id=enrolment.org_id, user_id=user.id,
                                course_slug=course.slug, task_id=task.id, module_id=task.module,
                                number=(current.number + 1) if current else 1, answers=cleaned, status=SUBMITTED,
                                submitted_at=utcnow())
    db.add(submission)
    db.flush()
    if stored_file is not None:
        stored_file.submission_id = submission.id
        db.add(stored_file)
    enrolment.last_activity_at = utcnow()
    db.flush()
    signals.task_submitted.send(db, enrolment=enrolment, user=user, course=course, task=task,
                                submission=submission)
    return submission


def _rubric_score(task: Task, levels: dict, comments: dict, complete: bool) -> tuple[dict, float | None]:
    rubric, points = {}, 0
    for criterion in task.rubric:
        chosen = levels.get(criterion.id) or ""
        level = next((lv for lv in criterion.levels if lv.id == chosen), None)
        if chosen and level is None:
            raise TaskError(_("Ungültige Stufe im Bewertungsraster."))
        if level is None and complete:
            raise TaskError(_("Bitte wählen Sie für jedes Kriterium eine Stufe."))
        comment = (comments.get(criterion.id) or "").strip()[:MAX_ANSWER_CHARS]
        rubric[criterion.id] = {"level": level.id if level else None, "comment": comment}
        points += level.points if level else 0
    return rubric, (round(points / task.max_points, 4) if complete and task.max_points else None)


def review(db: Session, reviewer: User, course: Course, task: Task, submission: TaskSubmission, decision: str,
           levels: dict, comments: dict, feedback: str) -> TaskSubmission:
    """Save the rubric and feedback: "draft" keeps it in review; accepted / revision_requested decide it."""
    if decision not in DECISIONS:
        raise TaskError(_("Bitte wählen Sie eine Entscheidung."))
    if submission.decided:
        raise TaskError(_("Diese Abgabe ist bereits bewertet."))
    if submission.user_id == reviewer.id:
        raise TaskError(_("Die eigene Abgabe kann man nicht selbst bewerten."))
    final = decision != "draft"
    rubric, score = _rubric_score(task, levels, comments, complete=final)
    feedback = (feedback or "").strip()[:MAX_ANSWER_CHARS]
    if decision == REVISION_REQUESTED and not feedback:
        raise TaskError(_("Bitte schreiben Sie, was überarbeitet werden soll."))
    submission.rubric, submission.feedback, submission.reviewer_id = rubric, feedback, reviewer.id
    submission.status = decision if final else IN_REVIEW
    if final:
        submission.reviewed_at, submission.score = utcnow(), score
    db.flush()
    if final:
        enrolment = db.get(Enrolment, submission.enrolment_id)
        signals.task_reviewed.send(db, enrolment=enrolment, user=submission.user, course=course, task=task,
                                   submission=submission, reviewer=reviewer)
        if decision == ACCEPTED:
            module = course.module(task.module)
            courses.check_module_completion(db, submission.user, course, enrolment, module)
    return submission


def required_tasks(course: Course, enrolment: Enrolment, module: Module, tasks: dict) -> list[Task]:
    """Tasks a module needs accepted: none unless course.toml requires them; not those of optional lessons."""
    if not module.tasks_required:
        return []
    return [task for task in tasks.values() if task.module == module.id
            and courses.lesson_status(course, enrolment, course.lesson(task.lesson)) != "optional"]


def module_tasks_done(db: Session, course: Course, enrolment: Enrolment, module: Module) -> bool:
    """The module-completion requirement courses asks for: every required task has an accepted hand-in."""
    from ..catalog import get_catalog

    needed = required_tasks(course, enrolment, module, get_catalog().course_tasks(course.slug))
    if not needed:
        return True
    accepted = set(db.scalars(select(TaskSubmission.task_id).where(
        TaskSubmission.enrolment_id == enrolment.id, TaskSubmission.status == ACCEPTED)))
    return all(task.id in accepted for task in needed)


def latest_by_task(db: Session, enrolment: Enrolment) -> dict[str, TaskSubmission]:
    """The newest hand-in of each task of an enrolment, by task id."""
    newest = (select(TaskSubmission.task_id, func.max(TaskSubmission.number).label("number"))
              .where(TaskSubmission.enrolment_id == enrolment.id).group_by(TaskSubmission.task_id).subquery())
    rows = db.scalars(select(TaskSubmission).join(newest, (TaskSubmission.task_id == newest.c.task_id)
                                                  & (TaskSubmission.number == newest.c.number))
                      .where(TaskSubmission.enrolment_id == enrolment.id))
    return {row.task_id: row for row in rows}
