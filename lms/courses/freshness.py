"""Content freshness: how old each dated law/open box is, and the content.lock that ties legal lessons to versions.

A box checked in month M is *due for review* once ``review_months`` whole months have passed since M, and *overdue*
(the check fails) once ``max_age_months`` have passed. The lock file records, for every legal module, its version
and a hash of its lessons: changing a legal lesson without bumping the module version (which starts
re-certification) fails the check.
"""
from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .content import Course, Lesson, Module

LOCK_NAME = "content.lock"
LOCK_HEADER = "# Written by `flask --app lms content lock`: version and lesson hash of every legal module.\n"


@dataclass(frozen=True)
class DatedBox:
    """A law/open box with where it lives and its age in whole months (None when it carries no date)."""

    course: Course
    module: Module
    lesson: Lesson
    kind: str
    title: str
    line: int
    checked: str | None
    age_months: int | None

    @property
    def where(self) -> str:
        """file:line of the box."""
        return f"{self.lesson.source}:{self.line}"


def months_between(checked: str, today: date) -> int:
    """Whole months from the checked month ('YYYY-MM') to today's month."""
    year, month = (int(part) for part in checked.split("-"))
    return (today.year * 12 + today.month) - (year * 12 + month)


def all_boxes(courses, today: date) -> list[DatedBox]:
    """Every law/open box of the given courses in course order."""
    found = []
    for course in courses:
        for module in course.modules:
            for lesson in module.lessons:
                for box in lesson.boxes:
                    age = months_between(box.checked, today) if box.checked else None
                    found.append(DatedBox(course, module, lesson, box.kind, box.title, box.line, box.checked, age))
    return found


def due_boxes(courses, today: date, review_months: int) -> list[DatedBox]:
    """Boxes due for review (dated ones at least ``review_months`` old, and undated ones), oldest first."""
    due = [box for box in all_boxes(courses, today) if box.age_months is None or box.age_months >= review_months]
    return sorted(due, key=lambda box: (box.checked or "", box.course.slug, box.lesson.position, box.line))


def lessons_hash(module: Module) -> str:
    """sha256 over the module's lesson ids and texts (line endings normalised)."""
    digest = hashlib.sha256()
    for lesson in module.lessons:
        text = Path(lesson.source).read_text(encoding="utf-8").replace("\r\n", "\n")
        digest.update(f"{lesson.id}\n{len(text)}\n".encode())
        digest.update(text.encode())
    return "sha256:" + digest.hexdigest()


def write_lock(course: Course) -> Path:
    """Rewrite courses/<slug>/content.lock from the current legal modules."""
    lines = [LOCK_HEADER, "schema_version = 1\n"]
    for module in course.modules:
        if module.legal:
            lines.append(f'\n[modules.{module.id}]\nversion = "{module.version}"\nhash = "{lessons_hash(module)}"\n')
    path = Path(course.path) / LOCK_NAME
    path.write_text("".join(lines), encoding="utf-8")
    return path


def check_lock(course: Course) -> list[str]:
    """Problems between the legal modules and content.lock (empty when they agree)."""
    legal = [module for module in course.modules if module.legal]
    path = Path(course.path) / LOCK_NAME
    if not legal:
        return []
    if not path.exists():
        return [f"{path}: missing; run `flask --app lms content lock` to record the legal modules"]
    try:
        locked = tomllib.loads(path.read_text(encoding="utf-8")).get("modules", {})
    except tomllib.TOMLDecodeError as exc:
        return [f"{path}: invalid TOML: {exc}"]
    problems = []
    for module in legal:
        entry = locked.get(module.id)
        if not isinstance(entry, dict):
            problems.append(f"{path}: legal module '{module.id}' is not recorded; run `flask --app lms content lock`")
        elif entry.get("version") != module.version:
            problems.append(f"{path}: module '{module.id}' is version {module.version} but the lock records "
                            f"{entry.get('version')}; after reviewing the change run `flask --app lms content lock`")
        elif entry.get("hash") != lessons_hash(module):
            problems.append(f"{path}: the lessons of legal module '{module.id}' changed but its version "
                            f"{module.version} did not; bump 'version' in its module.toml (this starts "
                            f"re-certification), then run `flask --app lms content lock`")
    return problems
