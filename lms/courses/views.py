"""Learner pages: course list, course overview, lessons, mark as done, resume, reading beacons."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_login import current_user
from markupsafe import Markup

from .. import extension
from ..catalog import get_catalog
from ..db import get_session, utcnow
from ..i18n import _, localized
from . import markdown, services
from .next_step import next_step

bp = Blueprint("courses", __name__, url_prefix="/courses", template_folder="templates")


def _module_extras(course, enrolment, module_id: str | None = None):
    """Per-module links other packages add (quiz state): the LMS hook "module_extras".

    With module_id (the lesson page), providers that name the modules they serve (an `lms_modules(course)`
    attribute) are skipped for other modules, so their queries do not run for nothing.
    """
    providers = extension.hooks("module_extras")
    extras = {}
    for provider in providers:
        serves = getattr(provider, "lms_modules", None)
        if module_id is not None and serves is not None and module_id not in serves(course):
            continue
        for key, item in provider(get_session(), current_user, course, enrolment).items():
            extras.setdefault(key, []).append(item)
    return extras


def may_enrol(db, course) -> bool:
    """Whether the user may start the course: every guard other packages registered must agree."""
    return all(guard(db, current_user, course) for guard in extension.hooks("enrol_guards"))


@bp.route("/")
def index():
    """All courses with the learner's progress."""
    db = get_session()
    rows, steps = [], {}
    for course in get_catalog().courses.values():
        enrolment = services.get_enrolment(db, current_user, course)
        if enrolment is not None or may_enrol(db, course):
            rows.append((course, enrolment))
            steps[course.slug] = next_step(db, course, enrolment) if enrolment else None
    # Other packages put panels at the top of the learner's home (e.g. assignments with due dates).
    panels = [panel(db, current_user) for panel in extension.hooks("home_panels")]
    return render_template("courses/index.html", rows=rows, steps=steps, panels=panels)


@bp.route("/<slug>/")
def overview(slug: str):
    """Course overview: objectives and progress per module, the resume link."""
    course = get_catalog().course(slug)
    db = get_session()
    enrolment = services.learner_enrolment(db, current_user, course)
    lessons = services.lesson_records(db, enrolment) if enrolment else {}
    modules = services.module_records(db, enrolment) if enrolment else {}
    step = next_step(db, course, enrolment) if enrolment else None
    return render_template("courses/overview.html", course=course, enrolment=enrolment, lessons=lessons,
                           modules=modules, step=step, status_of=services.lesson_status,
                           lesson_states=_lesson_states(course, enrolment, lessons),
                           extras=_module_extras(course, enrolment), course_extras=_course_extras(course, enrolment),
                           exercise=_exercise_minutes(course))


def _lesson_states(course, enrolment, records: dict) -> dict:
    """Per module, (done, path status) of each lesson: the key of the overview's cached lesson lists."""
    return {module.id: tuple((bool(records.get(lesson.id) and records[lesson.id].completed_at is not None),
                              services.lesson_status(course, enrolment, lesson)) for lesson in module.lessons)
            for module in course.modules}


def _exercise_minutes(course) -> dict:
    """Exercise minutes (practical tasks) by lesson id, by module id, and for the course under the key ""."""
    return current_app.extensions["lms_fragments"].lookup(("exercise-minutes", course.slug),
                                                          lambda: _count_exercise_minutes(course))


def _count_exercise_minutes(course) -> dict:
    catalog = get_catalog()
    minutes = {lesson.id: catalog.exercise_minutes(course.slug, {lesson.id}) for lesson in course.lessons}
    for module in course.modules:
        minutes[module.id] = sum(minutes[lesson.id] for lesson in module.lessons)
    minutes[""] = catalog.exercise_minutes(course.slug)
    return minutes


def _lesson_extras(course, enrolment, lesson):
    """Links other packages add to a lesson page (its practical tasks): the LMS hook "lesson_extras"."""
    providers = extension.hooks("lesson_extras")
    return [item for provider in providers for item in provider(get_session(), current_user, course, enrolment,
                                                                lesson)]


def _course_extras(course, enrolment):
    providers = extension.hooks("course_extras")
    return [item for provider in providers for item in provider(get_session(), current_user, course, enrolment)]


@bp.route("/<slug>/start", methods=["POST"])
def start(slug: str):
    """Enrol in the course and go to the first step."""
    course = get_catalog().course(slug)
    db = get_session()
    if services.get_enrolment(db, current_user, course) is None and not may_enrol(db, course):
        abort(403)
    enrolment = services.enrol(db, current_user, course)
    endpoint = extension.hook("after_enrol_endpoint")
    if endpoint and course.questionnaire and enrolment.path is None:
        return redirect(url_for(endpoint, slug=slug))
    return redirect(url_for("lms.courses.lesson", slug=slug, lesson_id=course.lessons[0].id))


@bp.route("/<slug>/resume")
def resume(slug: str):
    """Continue where the learner left off."""
    course = get_catalog().course(slug)
    db = get_session()
    enrolment = services.get_enrolment(db, current_user, course)
    if enrolment is None:
        return redirect(url_for("lms.courses.overview", slug=slug))
    return redirect(next_step(db, course, enrolment).url)


def _lesson_context(slug: str, lesson_id: str):
    course = get_catalog().course(slug)
    lesson = course.lesson(lesson_id)
    if lesson is None:
        abort(404)
    db = get_session()
    enrolment = services.learner_enrolment(db, current_user, course)
    return db, course, lesson, enrolment


@bp.route("/<slug>/lessons/<lesson_id>")
def lesson(slug: str, lesson_id: str):
    """A lesson page with previous/next and "mark as done"."""
    db, course, lesson_obj, enrolment = _lesson_context(slug, lesson_id)
    if enrolment is None:
        return redirect(url_for("lms.courses.overview", slug=slug))
    lessons = course.lessons
    previous = lessons[lesson_obj.position - 1] if lesson_obj.position > 0 else None
    following = lessons[lesson_obj.position + 1] if lesson_obj.position + 1 < len(lessons) else None
    module = course.module_of(lesson_obj)
    records = services.lesson_records(db, enrolment)
    module_done = tuple(bool(records.get(item.id) and records[item.id].completed_at) for item in module.lessons)
    return render_template("courses/lesson.html", course=course, module=module, lesson=lesson_obj,
                           previous=previous, following=following, record=records.get(lesson_obj.id),
                           records=records, module_done=module_done, enrolment=enrolment,
                           status=services.lesson_status(course, enrolment, lesson_obj),
                           extras=_module_extras(course, enrolment, module.id).get(module.id, []),
                           lesson_extras=_lesson_extras(course, enrolment, lesson_obj),
                           exercise_minutes=get_catalog().exercise_minutes(slug, {lesson_obj.id}))


@bp.route("/<slug>/lessons/<lesson_id>/done", methods=["POST"])
def lesson_done(slug: str, lesson_id: str):
    """Mark the lesson as done and go on to the next one."""
    db, course, lesson_obj, enrolment = _lesson_context(slug, lesson_id)
    if enrolment is None:
        abort(404)
    services.complete_lesson(db, current_user, course, enrolment, lesson_obj)
    flash(_("„%(t)s“ ist erledigt – %(p)d %% des Kurses geschafft.", t=localized(lesson_obj.title),
            p=round(enrolment.progress * 100)), "success")
    lessons = course.lessons
    module = course.module_of(lesson_obj)
    if lesson_obj is module.lessons[-1]:
        return redirect(url_for("lms.courses.overview", slug=slug, _anchor=f"module-{module.id}"))
    following = lessons[lesson_obj.position + 1]
    return redirect(url_for("lms.courses.lesson", slug=slug, lesson_id=following.id))


@bp.route("/<slug>/lessons/<lesson_id>/beacon", methods=["POST"])
def lesson_beacon(slug: str, lesson_id: str):
    """Reading events sent by the lesson page's script: 'open' on load, 'time' with seconds on leaving."""
    db, course, lesson_obj, enrolment = _lesson_context(slug, lesson_id)
    if enrolment is None:
        abort(404)
    event = request.form.get("event")
    if event == "open":
        services.open_lesson(db, current_user, course, enrolment, lesson_obj)
    elif event == "time":
        try:
            seconds = int(request.form.get("seconds", "0"))
        except ValueError:
            abort(400)
        services.add_reading_time(db, enrolment, lesson_obj, seconds)
    else:
        abort(400)
    return ("", 204)


@bp.route("/admin/review-due")
def review_due():
    """Law and open-question boxes due for review (checked= older than LMS_CONTENT_REVIEW_MONTHS, or undated)."""
    from . import freshness

    months = current_app.config["CONTENT_REVIEW_MONTHS"]
    boxes = freshness.due_boxes(get_catalog().courses.values(), utcnow().date(), months)
    return render_template("courses/review_due.html", boxes=boxes, months=months)


def lesson_html(html: str) -> Markup:
    """Lesson HTML with the 'Geprüft: …' lines of law/open boxes in the reader's language."""
    def label(year: int, month: int) -> str:
        return _("Geprüft: %(date)s", date=format_date(date(year, month, 1), "MMMM yyyy"))

    return Markup(markdown.localize_checked(html, label))
