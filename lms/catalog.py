"""The loaded content: every course package and its quizzes, validated together at start-up."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, abort, current_app

from .courses.content import ContentError, Course, load_courses


@dataclass(frozen=True)
class Catalog:
    """Courses by slug and quizzes by (course slug, quiz id)."""

    courses: dict[str, Course]
    quizzes: dict[tuple[str, str], object] = field(default_factory=dict)

    def course(self, slug: str) -> Course:
        """The course with this slug, or 404."""
        course = self.courses.get(slug)
        if course is None:
            abort(404)
        return course

    def quiz(self, slug: str, quiz_id: str):
        """A quiz of a course, or None."""
        return self.quizzes.get((slug, quiz_id))

    def course_quizzes(self, slug: str) -> dict:
        """All quizzes of a course by id."""
        return {qid: quiz for (cslug, qid), quiz in self.quizzes.items() if cslug == slug}


def load_catalog(courses_dir: Path, quizzes_dir: Path) -> Catalog:
    """Load all courses and their quizzes; any broken file raises ContentError naming it."""
    courses = load_courses(courses_dir)
    quizzes = {}
    try:
        from .quizzes.definitions import QuizDefinitionError, load_quizzes
    except ImportError:  # quiz engine not installed in this build
        return Catalog(courses)
    for slug, course in courses.items():
        folder = quizzes_dir / slug
        lesson_ids = {lesson.id for lesson in course.lessons}
        module_ids = {module.id for module in course.modules}
        try:
            found = load_quizzes(quizzes_dir, slug, lesson_ids, module_ids) if folder.is_dir() else {}
        except QuizDefinitionError as exc:
            raise ContentError(getattr(exc, "path", folder), str(exc)) from None
        for module in course.modules:
            if module.quiz and module.quiz not in found:
                raise ContentError(Path(course.path) / "modules", f"module '{module.id}' names quiz "
                                   f"'{module.quiz}', but {folder / (module.quiz + '.toml')} does not exist")
        if course.final_exam and course.final_exam not in found:
            raise ContentError(Path(course.path) / "course.toml",
                               f"final_exam '{course.final_exam}' not found in {folder}")
        for quiz_id, quiz in found.items():
            quizzes[(slug, quiz_id)] = quiz
    return Catalog(courses, quizzes)


def init_app(app: Flask) -> None:
    """Load content at start-up: a broken package stops the app with the file and the problem."""
    app.extensions["lms_catalog"] = load_catalog(Path(app.config["COURSES_DIR"]), Path(app.config["QUIZZES_DIR"]))


def get_catalog() -> Catalog:
    """The current app's content."""
    return current_app.extensions["lms_catalog"]
