"""Learner progress: enrol, open and complete lessons, record quiz results, detect module and course completion."""
from __future__ import annotations

from collections import namedtuple
from functools import cache

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from .. import extension, signals
from ..auth.models import User
from ..db import read_connection, utcnow, write_intent
from .content import Course, Lesson, Module
from .models import Enrolment, LessonProgress, ModuleProgress

MAX_BEACON_SECONDS = 30 * 60  # one page view never counts for more than half an hour of reading


@cache
def _statements() -> dict:
    """The learner pages' queries, built once: SQLAlchemy reuses their compiled form and cache keys."""
    return {
        "enrolment": select(Enrolment).where(Enrolment.user_id == bindparam("user_id"),
                                             Enrolment.course_slug == bindparam("slug")),
        "lessons": select(LessonProgress).where(LessonProgress.enrolment_id == bindparam("enrolment_id")),
        "modules": select(ModuleProgress).where(ModuleProgress.enrolment_id == bindparam("enrolment_id")),
        # The same reads as plain rows for a GET (read-only: no ORM identity map or unit of work needed).
        "enrolment_row": select(*Enrolment.__table__.c).where(
            Enrolment.__table__.c.user_id == bindparam("user_id"),
            Enrolment.__table__.c.course_slug == bindparam("slug")),
        # A learner page's enrolment with its lesson progress rows in one statement (one row per progress row).
        "enrolment_lessons": select(*Enrolment.__table__.c, *LessonProgress.__table__.c)
        .outerjoin_from(Enrolment.__table__, LessonProgress.__table__,
                        LessonProgress.__table__.c.enrolment_id == Enrolment.__table__.c.id)
        .where(Enrolment.__table__.c.user_id == bindparam("user_id"),
               Enrolment.__table__.c.course_slug == bindparam("slug")),
        "lessons_rows": select(*LessonProgress.__table__.c).where(
            LessonProgress.__table__.c.enrolment_id == bindparam("enrolment_id")),
        "modules_rows": select(*ModuleProgress.__table__.c).where(
            ModuleProgress.__table__.c.enrolment_id == bindparam("enrolment_id")),
    }


def _read_memo(name: str, key) -> dict | None:
    """The memo of one read per request, only while the request cannot write (a GET): pages that show the
    same progress rows in several places (view, next step, extras of other packages) read them once."""
    if not has_request_context() or write_intent.get():
        return None
    return g.setdefault("_lms_progress_memo", {}).setdefault((name, key), {})


def get_enrolment(db: Session, user: User, course: Course) -> Enrolment | None:
    """The user's enrolment in the course, or None."""
    return db.scalar(_statements()["enrolment"], {"user_id": user.id, "slug": course.slug})


#: Read-only rows of a GET: tuples with the tables' column names as attributes, like SQLAlchemy's rows.
EnrolmentRow = namedtuple("EnrolmentRow", [column.name for column in Enrolment.__table__.c])
LessonProgressRow = namedtuple("LessonProgressRow", [column.name for column in LessonProgress.__table__.c])


def learner_enrolment(db: Session, user: User, course: Course, with_lessons: bool = True) -> Enrolment | None:
    """get_enrolment for the learner pages: in a read-only request a plain row with the same attribute names (no
    ORM object: nothing may change it), read once per request together with its lesson progress rows (which
    lesson_records then returns without a query of its own; with_lessons=False: the enrolment alone, for pages
    that show no lesson progress); an ORM object when the request may write."""
    memo = _read_memo("enrolment", (user.id, course.slug))
    if memo is None:
        return get_enrolment(db, user, course)
    if "row" not in memo and not with_lessons:
        row = read_connection(db).execute(_statements()["enrolment_row"],
                                          {"user_id": user.id, "slug": course.slug}).first()
        memo["row"] = EnrolmentRow(*row) if row is not None else None
    if "row" not in memo:
        rows = read_connection(db).execute(_statements()["enrolment_lessons"],
                                       {"user_id": user.id, "slug": course.slug}).all()
        width = len(EnrolmentRow._fields)
        memo["row"] = EnrolmentRow(*rows[0][:width]) if rows else None
        if rows:
            lessons = (LessonProgressRow(*row[width:]) for row in rows if row[width] is not None)
            _read_memo("lessons", memo["row"].id)["rows"] = {lesson.lesson_id: lesson for lesson in lessons}
    return memo["row"]


def enrol(db: Session, user: User, course: Course) -> Enrolment:
    """Enrol the user (idempotent) and announce the registration."""
    enrolment = get_enrolment(db, user, course)
    if enrolment is not None:
        return enrolment
    enrolment = Enrolment(user_id=user.id, org_id=user.org_id, course_slug=course.slug)
    db.add(enrolment)
    db.flush()
    for module in course.modules:
        db.add(ModuleProgress(enrolment_id=enrolment.id, module_id=module.id, lessons_total=len(module.lessons)))
    db.flush()
    signals.course_registered.send(db, enrolment=enrolment, user=user, course=course)
    return enrolment


def lesson_status(course: Course, enrolment: Enrolment | None, lesson: Lesson) -> str:
    """required / recommended / optional for this learner's path (all required without a path)."""
    if enrolment is None or not enrolment.path:
        return "required"
    return enrolment.path.get(lesson.id, "required")


def path_lessons(course: Course, enrolment: Enrolment | None) -> list[Lesson]:
    """Lessons that count for completion: everything not marked optional."""
    return [lesson for lesson in course.lessons if lesson_status(course, enrolment, lesson) != "optional"]


def lesson_records(db: Session, enrolment: Enrolment) -> dict[str, LessonProgress]:
    """Lesson progress rows of an enrolment by lesson id."""
    return _records(db, "lessons", enrolment.id, "lesson_id")


def module_records(db: Session, enrolment: Enrolment) -> dict[str, ModuleProgress]:
    """Module progress rows of an enrolment by module id."""
    return _records(db, "modules", enrolment.id, "module_id")


def _records(db: Session, name: str, enrolment_id: int, key: str) -> dict:
    """The progress rows by key: ORM objects when the request may write, read-only rows (same attribute names)
    read once per request in a GET."""
    memo = _read_memo(name, enrolment_id)
    if memo is None:
        return {getattr(row, key): row for row in db.scalars(_statements()[name], {"enrolment_id": enrolment_id})}
    if "rows" not in memo:
        result = read_connection(db).execute(_statements()[f"{name}_rows"], {"enrolment_id": enrolment_id})
        memo["rows"] = {getattr(row, key): row for row in result}
    return dict(memo["rows"])


def _lesson_record(db: Session, enrolment: Enrolment, lesson: Lesson) -> LessonProgress:
    record = db.scalar(select(LessonProgress).where(LessonProgress.enrolment_id == enrolment.id,
                                                    LessonProgress.lesson_id == lesson.id))
    if record is None:
        record = LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson.id, module_id=lesson.module_id,
                                visits=0, seconds_spent=0)
        db.add(record)
    return record


def open_lesson(db: Session, user: User, course: Course, enrolment: Enrolment, lesson: Lesson) -> LessonProgress:
    """Record a visit to a lesson and remember it as the place to resume."""
    now = utcnow()
    record = _lesson_record(db, enrolment, lesson)
    record.first_opened_at = record.first_opened_at or now
    record.last_opened_at = now
    record.visits = (record.visits or 0) + 1
    enrolment.last_lesson_id = lesson.id
    enrolment.last_activity_at = now
    db.flush()
    signals.lesson_opened.send(db, enrolment=enrolment, user=user, course=course, lesson=lesson)
    return record


def add_reading_time(db: Session, enrolment: Enrolment, lesson: Lesson, seconds: int) -> None:
    """Add time spent on a lesson page (bounded per call)."""
    record = _lesson_record(db, enrolment, lesson)
    record.seconds_spent = (record.seconds_spent or 0) + max(0, min(int(seconds), MAX_BEACON_SECONDS))
    db.flush()


def complete_lesson(db: Session, user: User, course: Course, enrolment: Enrolment, lesson: Lesson) -> bool:
    """Mark a lesson done (idempotent); return True if this call completed it."""
    record = _lesson_record(db, enrolment, lesson)
    now = utcnow()
    if record.completed_at is not None:
        return False
    record.completed_at = now
    record.first_opened_at = record.first_opened_at or now
    record.last_opened_at = record.last_opened_at or now
    enrolment.last_lesson_id = lesson.id
    enrolment.last_activity_at = now
    db.flush()
    module = course.module_of(lesson)
    mp = _module_record(db, enrolment, module)
    mp.lessons_done = sum(1 for r in lesson_records(db, enrolment).values()
                          if r.module_id == module.id and r.completed_at is not None)
    enrolment.progress = course_progress(db, course, enrolment)
    db.flush()
    signals.lesson_completed.send(db, enrolment=enrolment, user=user, course=course, lesson=lesson,
                                  progress=enrolment.progress)
    check_module_completion(db, user, course, enrolment, module)
    return True


def _module_record(db: Session, enrolment: Enrolment, module: Module) -> ModuleProgress:
    record = db.scalar(select(ModuleProgress).where(ModuleProgress.enrolment_id == enrolment.id,
                                                    ModuleProgress.module_id == module.id))
    if record is None:
        record = ModuleProgress(enrolment_id=enrolment.id, module_id=module.id, lessons_total=len(module.lessons),
                                lessons_done=0)
        db.add(record)
        db.flush()
    return record


def course_progress(db: Session, course: Course, enrolment: Enrolment) -> float:
    """Share of the learner's path lessons that are done (0..1)."""
    lessons = path_lessons(course, enrolment)
    if not lessons:
        return 1.0
    records = lesson_records(db, enrolment)
    done = sum(1 for lesson in lessons if lesson.id in records and records[lesson.id].completed_at is not None)
    return round(done / len(lessons), 4)


def module_lessons_done(db: Session, course: Course, enrolment: Enrolment, module: Module) -> bool:
    """Whether every path lesson of the module is done."""
    records = lesson_records(db, enrolment)
    required = [lesson for lesson in module.lessons if lesson_status(course, enrolment, lesson) != "optional"]
    return all(lesson.id in records and records[lesson.id].completed_at is not None for lesson in required)


def check_module_completion(db: Session, user: User, course: Course, enrolment: Enrolment, module: Module) -> bool:
    """Complete the module when its path lessons are done, its quiz (if any) is passed and other requirements hold."""
    record = _module_record(db, enrolment, module)
    if record.completed_at is not None:
        return False
    if not module_lessons_done(db, course, enrolment, module):
        return False
    if module.quiz and record.quiz_passed_at is None:
        return False
    if not all(requirement(db, course, enrolment, module) for requirement in module_requirements()):
        return False
    record.completed_at = utcnow()
    db.flush()
    signals.module_completed.send(db, enrolment=enrolment, user=user, course=course, module=module)
    check_course_completion(db, user, course, enrolment)
    return True


def module_requirements() -> list:
    """Further conditions other packages set for module completion (e.g. accepted practical tasks).

    Each is ``f(db, course, enrolment, module) -> bool``, registered as the LMS hook "module_requirements", so
    courses imports none of those packages.
    """
    return extension.hooks("module_requirements")


def record_quiz_result(db: Session, user: User, course: Course, enrolment: Enrolment, module: Module | None,
                       scaled: float, passed: bool, final_passed_at=None) -> None:
    """Fold a submitted quiz into module progress, or into course completion for the final exam."""
    enrolment.last_activity_at = utcnow()
    if module is None:
        check_course_completion(db, user, course, enrolment, final_passed=passed)
        return
    record = _module_record(db, enrolment, module)
    record.quiz_best_score = max(record.quiz_best_score or 0.0, scaled)
    if passed and record.quiz_passed_at is None:
        record.quiz_passed_at = utcnow()
    db.flush()
    check_module_completion(db, user, course, enrolment, module)


def check_course_completion(db: Session, user: User, course: Course, enrolment: Enrolment,
                            final_passed: bool | None = None) -> bool:
    """Complete the course when every module is complete and the final exam (if any) is passed."""
    if enrolment.completed_at is not None:
        return False
    modules = module_records(db, enrolment)
    if not all(modules.get(m.id) and modules[m.id].completed_at for m in course.modules):
        return False
    if course.final_exam:
        if final_passed is None:
            final_passed = final_exam_passed(db, enrolment, course)
        if not final_passed:
            return False
    enrolment.completed_at = utcnow()
    enrolment.progress = 1.0
    db.flush()
    signals.course_completed.send(db, enrolment=enrolment, user=user, course=course)
    return True


def final_exam_passed(db: Session, enrolment: Enrolment, course: Course) -> bool:
    """Whether a passed final exam attempt exists (asks the quiz engine through a hook)."""
    # The quiz engine sets this hook, so courses does not import quizzes (quizzes depends on courses).
    hook = extension.hook("final_exam_passed")
    return bool(hook and hook(db, enrolment, course))


def resume_lesson(course: Course, enrolment: Enrolment | None, records: dict[str, LessonProgress]) -> Lesson:
    """Where to continue: the first unfinished path lesson after the last one visited, else the first lesson."""
    lessons = list(course.lessons)
    start = 0
    if enrolment and enrolment.last_lesson_id:
        last = course.lesson(enrolment.last_lesson_id)
        if last is not None:
            record = records.get(last.id)
            if record is None or record.completed_at is None:
                return last
            start = last.position
    ordered = lessons[start:] + lessons[:start]
    for lesson in ordered:
        record = records.get(lesson.id)
        if lesson_status(course, enrolment, lesson) != "optional" and (record is None or record.completed_at is None):
            return lesson
    return lessons[0]
