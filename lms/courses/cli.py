"""CLI: validate every course package and quiz (runs without a database)."""
from __future__ import annotations

import os
from pathlib import Path

import click
from flask.cli import AppGroup

from ..config import DEFAULTS

content_cli = AppGroup("content", help="Course content.")


@content_cli.command("check", with_appcontext=False)
@click.option("--courses-dir", type=click.Path(path_type=Path), default=None)
@click.option("--quizzes-dir", type=click.Path(path_type=Path), default=None)
def content_check(courses_dir: Path | None, quizzes_dir: Path | None):
    """Load and validate all course packages and quizzes; exit 1 naming the broken file."""
    from ..catalog import load_catalog
    from .content import ContentError

    courses_dir = courses_dir or Path(os.environ.get("LMS_COURSES_DIR", DEFAULTS["COURSES_DIR"]))
    quizzes_dir = quizzes_dir or Path(os.environ.get("LMS_QUIZZES_DIR", DEFAULTS["QUIZZES_DIR"]))
    try:
        catalog = load_catalog(courses_dir, quizzes_dir)
    except ContentError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(1) from None
    for course in catalog.courses.values():
        lessons = course.lessons
        quizzes = catalog.course_quizzes(course.slug)
        questions = sum(len(getattr(q, "questions", ())) for q in quizzes.values())
        click.echo(f"ok: {course.slug}: {len(course.modules)} modules, {len(lessons)} lessons, "
                   f"{sum(lesson.minutes for lesson in lessons)} minutes, {len(quizzes)} quizzes, "
                   f"{questions} questions")
