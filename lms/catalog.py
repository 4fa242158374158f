"""The loaded content: every course package and its quizzes, validated together at start-up."""
from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, abort, current_app

from .courses.content import Course, load_courses
from .courses.schema import Report, collecting
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


def load_catalog(courses_dirs: Path | Sequence[Path], quizzes_dirs: Path | Sequence[Path],
                 report: Report | None = None) -> Catalog:
    """Load all courses, their quizzes, practical tasks and questionnaires. Every problem of every file is
    collected; without a report they are raised together as one ContentError.

    With several folders a later folder's course replaces the same-named one of an earlier folder, and a course's
    quizzes come from the last quizzes folder that has a folder named after the course."""
    with collecting(report) as report:
        courses: dict[str, Course] = {}
        for folder in _paths(courses_dirs):
            courses.update(load_courses(folder, report))
        tasks = _load_tasks(courses, report)
        quizzes = {}
        quiz_roots = _paths(quizzes_dirs)
        for slug, course in courses.items():
            found = _course_quizzes(course, _quiz_root(slug, quiz_roots), report)
            quizzes.update({(slug, quiz_id): quiz for quiz_id, quiz in found.items()})
            _check_questionnaire(course, report)
    return Catalog(courses, quizzes, tasks)


def _quiz_root(slug: str, roots: list[Path]) -> Path:
    """The last quizzes folder with a folder for this course (the last folder, if none has one)."""
    for root in reversed(roots):
        if (root / slug).is_dir():
            return root
    return roots[-1] if roots else Path("quizzes")


def _course_quizzes(course: Course, quizzes_dir: Path, report: Report) -> dict:
    """The course's quizzes; the quizzes its modules and final exam name must exist."""
    from .quizzes.definitions import load_quizzes  # lazily: the quiz package builds on core

    folder = quizzes_dir / course.slug
    found = load_quizzes(quizzes_dir, course.slug, {lesson.id for lesson in course.lessons},
                         {module.id for module in course.modules}, report) if folder.is_dir() else {}
    broken = {path.stem for path in folder.glob("*.toml")} - set(found) if folder.is_dir() else set()
    for module in course.modules:
        if module.quiz and module.quiz not in found and module.quiz not in broken:
            report.add(Path(course.path) / "modules", f"module '{module.id}' names quiz '{module.quiz}', but "
                       f"{folder / (module.quiz + '.toml')} does not exist", item=f"module {module.id}")
    if course.final_exam and course.final_exam not in found and course.final_exam not in broken:
        report.add(Path(course.path) / "course.toml", f"final_exam '{course.final_exam}' not found in {folder}")
    return found


def _load_tasks(courses: dict[str, Course], report: Report) -> dict[tuple[str, str], object]:
    from .tasks.definitions import load_tasks  # lazily, like the quizzes

    return {(slug, task_id): task for slug, course in courses.items()
            for task_id, task in load_tasks(course, report).items()}


def _check_questionnaire(course: Course, report: Report) -> None:
    """The needs questionnaire is validated against its course with the rest of the package."""
    from .guidelines.rules import load_for_course  # lazily, like the quizzes

    load_for_course(course, report)


def init_app(app: Flask) -> None:
    """Load content at start-up: a broken package stops the app with the file and the problem."""
    app.extensions["lms_catalog"] = load_catalog(*content_folders(app.config))


def get_catalog() -> Catalog:
    """The current app's content."""
    return current_app.extensions["lms_catalog"]
