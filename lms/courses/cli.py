"""CLI: validate every course package and quiz (runs without a database); content freshness and the lock file."""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup

from ..config import DEFAULTS

content_cli = AppGroup("content", help="Course content.")


def _setting(name: str) -> int:
    return int(os.environ.get(f"LMS_{name}", DEFAULTS[name]))


def _load(courses_dir: Path | None, quizzes_dir: Path | None):
    """The catalog (of the given folders, or else of the bundled content plus LMS_COURSES_DIR / LMS_QUIZZES_DIR),
    or exit 1 after printing every problem of every content file (and the guideline steps)."""
    from ..catalog import bundled_folders, env_content_folders, load_catalog
    from .schema import Report

    if courses_dir or quizzes_dir:
        bundled_courses, bundled_quizzes = bundled_folders()
        folders = (courses_dir or bundled_courses, quizzes_dir or bundled_quizzes)
    else:
        folders = env_content_folders()
    report = Report()
    catalog = load_catalog(*folders, report)
    _check_guideline_steps(report)
    for error in report.errors:
        click.echo(f"error: {error.describe()}", err=True)
    if report.errors:
        click.echo(f"{len(report.errors)} content error(s)", err=True)
        raise SystemExit(1)
    return catalog


def _check_guideline_steps(report) -> None:
    from ..guidelines.steps import STEPS_FILE, parse_steps

    data = report.source(STEPS_FILE).toml()
    if data is not None:
        parse_steps(data, STEPS_FILE, report)


@content_cli.command("check", with_appcontext=False)
@click.option("--courses-dir", type=click.Path(path_type=Path), default=None,
              help="Only this courses folder (default: the bundled course plus LMS_COURSES_DIR).")
@click.option("--quizzes-dir", type=click.Path(path_type=Path), default=None,
              help="Only this quizzes folder (default: the bundled quizzes plus LMS_QUIZZES_DIR).")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Date to measure content age against (default: today).")
def content_check(courses_dir: Path | None, quizzes_dir: Path | None, today):
    """Validate all course packages and quizzes, the freshness of dated boxes and content.lock; exit 1 on errors."""
    from . import freshness

    catalog = _load(courses_dir, quizzes_dir)
    today = today.date() if today else date.today()
    review, limit = _setting("CONTENT_REVIEW_MONTHS"), _setting("CONTENT_MAX_AGE_MONTHS")
    errors = []
    for course in catalog.courses.values():
        lessons = course.lessons
        quizzes = catalog.course_quizzes(course.slug)
        questions = sum(len(getattr(q, "questions", ())) for q in quizzes.values())
        tasks = catalog.course_tasks(course.slug)
        click.echo(f"ok: {course.slug}: {len(course.modules)} modules, {len(lessons)} lessons, "
                   f"{sum(lesson.minutes for lesson in lessons)} minutes, {len(quizzes)} quizzes, "
                   f"{questions} questions, {len(tasks)} tasks")
        boxes = freshness.all_boxes([course], today)
        undated = [box for box in boxes if box.checked is None]
        if undated:
            click.echo(f"note: {course.slug}: {len(undated)} law/open boxes without checked= "
                       f"(freshness = {'true' if course.freshness else 'false'} in course.toml)")
        for box in boxes:
            if box.age_months is not None and box.age_months >= limit:
                errors.append(f"{box.where}: '{box.title}' was checked {box.checked}, {box.age_months} months ago "
                              f"(limit {limit}); review it and update checked=")
            elif box.age_months is not None and box.age_months >= review:
                click.echo(f"warning: {box.where}: '{box.title}' was checked {box.checked}, {box.age_months} months "
                           f"ago; due for review (after {review} months)")
        errors.extend(freshness.check_lock(course))
    for problem in errors:
        click.echo(f"error: {problem}", err=True)
    if errors:
        raise SystemExit(1)


@content_cli.command("lock", with_appcontext=False)
@click.option("--courses-dir", type=click.Path(path_type=Path), default=None,
              help="Only this courses folder (default: the bundled course plus LMS_COURSES_DIR).")
@click.option("--quizzes-dir", type=click.Path(path_type=Path), default=None,
              help="Only this quizzes folder (default: the bundled quizzes plus LMS_QUIZZES_DIR).")
def content_lock(courses_dir: Path | None, quizzes_dir: Path | None):
    """Rewrite each course's content.lock (version and lesson hash of every legal module)."""
    from . import freshness

    catalog = _load(courses_dir, quizzes_dir)
    for course in catalog.courses.values():
        path = freshness.write_lock(course)
        click.echo(f"wrote {path}")
