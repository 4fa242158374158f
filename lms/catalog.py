"""The loaded content: every course package and its quizzes, validated together at start-up."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, abort, current_app

from .courses.content import ContentError, Course, load_courses


@dataclass(frozen=True)
class Catalog:
    """Courses by slug, quizzes and practical tasks by (course slug, id)."""

    courses: dict[str, Course]
    quizzes: dict[tuple[str, str], object] = field(default_factory=dict)
    tasks: dict[tuple[str, str], object] = field(default_factory=dict)

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

    def task(self, slug: str, task_id: str):
        """A practical task of a course, or None."""
        return self.tasks.get((slug, task_id))

    def course_tasks(self, slug: str) -> dict:
        """All practical tasks of a course by id, in file order."""
        return {tid: task for (cslug, tid), task in self.tasks.items() if cslug == slug}

    def lesson_tasks(self, slug: str, lesson_id: str) -> list:
        """The practical tasks that belong to one lesson."""
        return [task for task in self.course_tasks(slug).values() if task.lesson == lesson_id]

    def exercise_minutes(self, slug: str, lesson_ids=None) -> int:
        """Estimated exercise minutes of a course's tasks (only those of the given lessons, if named)."""
        return sum(task.minutes for task in self.course_tasks(slug).values()
                   if lesson_ids is None or task.lesson in lesson_ids)


def load_catalog(courses_dir: Path, quizzes_dir: Path) -> Catalog:
    """Load all courses, their quizzes and practical tasks; any broken file raises ContentError naming it."""
    courses = load_courses(courses_dir)
    tasks = _load_tasks(courses)
    from .quizzes.definitions import QuizDefinitionError, load_quizzes  # lazily: the quiz package builds on core

    quizzes = {}
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
    return Catalog(courses, quizzes, tasks)


def _load_tasks(courses: dict[str, Course]) -> dict[tuple[str, str], object]:
    from .tasks.definitions import load_tasks  # lazily, like the quizzes

    return {(slug, task_id): task for slug, course in courses.items()
            for task_id, task in load_tasks(course).items()}


def init_app(app: Flask) -> None:
    """Load content at start-up: a broken package stops the app with the file and the problem."""
    app.extensions["lms_catalog"] = load_catalog(Path(app.config["COURSES_DIR"]), Path(app.config["QUIZZES_DIR"]))


def get_catalog() -> Catalog:
    """The current app's content."""
    return current_app.extensions["lms_catalog"]
