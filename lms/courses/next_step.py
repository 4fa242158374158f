"""The learner's next step in a course: next lesson → module quiz → final exam → certificate.

Courses imports neither quizzes nor certificates; their pages are named by endpoint and linked only when the
package is installed (in the app's view functions).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for

from ..i18n import _, localized
from . import services
from .content import Course
from .models import Enrolment


@dataclass(frozen=True)
class NextStep:
    """Where the main button leads: kind (start, lesson, quiz, final, certificate, done), URL and button text."""

    kind: str
    url: str
    label: str


def _open_lesson(course: Course, enrolment: Enrolment, records: dict):
    for lesson in course.lessons:
        record = records.get(lesson.id)
        if services.lesson_status(course, enrolment, lesson) != "optional" and \
                (record is None or record.completed_at is None):
            return services.resume_lesson(course, enrolment, records)
    return None


def _has(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


def next_step(db, course: Course, enrolment: Enrolment | None) -> NextStep:
    """The one right next step for this learner in this course."""
    if enrolment is None:
        return NextStep("start", url_for("lms.courses.overview", slug=course.slug), _("Kurs starten"))
    records = services.lesson_records(db, enrolment)
    lesson = _open_lesson(course, enrolment, records)
    if lesson is not None:
        return NextStep("lesson", url_for("lms.courses.lesson", slug=course.slug, lesson_id=lesson.id),
                        _("Weiter mit: %(t)s", t=localized(lesson.title)))
    modules = services.module_records(db, enrolment)
    if _has("lms.quizzes.intro"):
        for module in course.modules:
            record = modules.get(module.id)
            if module.quiz and (record is None or record.quiz_passed_at is None):
                return NextStep("quiz", url_for("lms.quizzes.intro", slug=course.slug, quiz_id=module.quiz),
                                _("Weiter mit dem Quiz: %(t)s", t=localized(module.title)))
        if course.final_exam and enrolment.completed_at is None:
            return NextStep("final", url_for("lms.quizzes.intro", slug=course.slug, quiz_id=course.final_exam),
                            _("Zur Abschlussprüfung"))
    if enrolment.completed_at is not None and _has("lms.certificates.mine"):
        return NextStep("certificate", url_for("lms.certificates.mine"), _("Ihr Zertifikat ansehen"))
    return NextStep("done", url_for("lms.courses.overview", slug=course.slug), _("Kursübersicht"))
