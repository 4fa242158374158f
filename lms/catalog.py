"""The loaded content: every course package and its quizzes, validated together at start-up."""
from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, abort, current_app

from .courses.content import ContentError, Course, load_courses
from .resources import package_path


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


def bundled_folders() -> tuple[Path, Path]:
    """The courses and quizzes folders shipped inside the package (lms/content/)."""
    return package_path("content", "courses"), package_path("content", "quizzes")


def content_folders(config: Mapping) -> tuple[list[Path], list[Path]]:
    """Courses and quizzes folders in load order: the bundled content (unless BUNDLED_CONTENT is off), then
    COURSES_DIR / QUIZZES_DIR (a path or a list of paths), which add courses or replace same-named ones."""
    courses, quizzes = [], []
    if _flag(config.get("BUNDLED_CONTENT", True)):
        bundled_courses, bundled_quizzes = bundled_folders()
        courses.append(bundled_courses)
        quizzes.append(bundled_quizzes)
    return courses + _paths(config.get("COURSES_DIR")), quizzes + _paths(config.get("QUIZZES_DIR"))


def env_content_folders() -> tuple[list[Path], list[Path]]:
    """content_folders() from the LMS_* environment, for CLI commands that run without an app."""
    config = {}
    for key in ("BUNDLED_CONTENT", "COURSES_DIR", "QUIZZES_DIR"):
        raw = os.environ.get(f"LMS_{key}")
        if raw is not None:
            try:  # parsed as Flask's from_prefixed_env does: JSON if it is JSON, else the string
                config[key] = json.loads(raw)
            except ValueError:
                config[key] = raw
    return content_folders(config)


def _flag(value) -> bool:
    return str(value).strip().lower() not in ("0", "false", "no", "off", "")


def _paths(value) -> list[Path]:
    if not value:
        return []
    if isinstance(value, (str, os.PathLike)):
        return [Path(value)]
    return [Path(item) for item in value]


def load_catalog(courses_dirs: Path | Sequence[Path], quizzes_dirs: Path | Sequence[Path]) -> Catalog:
    """Load all courses, their quizzes and practical tasks; any broken file raises ContentError naming it.

    With several folders a later folder's course replaces the same-named one of an earlier folder, and a course's
    quizzes come from the last quizzes folder that has a folder named after the course."""
    courses: dict[str, Course] = {}
    for folder in _paths(courses_dirs):
        courses.update(load_courses(folder))
    tasks = _load_tasks(courses)
    quizzes = {}
    try:
        from .quizzes.definitions import QuizDefinitionError, load_quizzes
    except ImportError:  # quiz engine not installed in this build
        return Catalog(courses, tasks=tasks)
    quiz_roots = _paths(quizzes_dirs)
    for slug, course in courses.items():
        quizzes_dir = _quiz_root(slug, quiz_roots)
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


def _quiz_root(slug: str, roots: list[Path]) -> Path:
    """The last quizzes folder with a folder for this course (the last folder, if none has one)."""
    for root in reversed(roots):
        if (root / slug).is_dir():
            return root
    return roots[-1] if roots else Path("quizzes")


def _load_tasks(courses: dict[str, Course]) -> dict[tuple[str, str], object]:
    try:
        from .tasks.definitions import load_tasks
    except ImportError:  # practical tasks not installed in this build
        return {}
    return {(slug, task_id): task for slug, course in courses.items()
            for task_id, task in load_tasks(course).items()}


def init_app(app: Flask) -> None:
    """Load content at start-up: a broken package stops the app with the file and the problem."""
    app.extensions["lms_catalog"] = load_catalog(*content_folders(app.config))


def get_catalog() -> Catalog:
    """The current app's content."""
    return current_app.extensions["lms_catalog"]
