"""Fixtures for practical tasks: an app whose test course requires the tasks of module "basics"."""
from __future__ import annotations

import shutil

import pytest

from conftest import TEST_COURSES, TEST_QUIZZES, make_app


@pytest.fixture
def required_app(database_url, tmp_path):
    """The test course with `tasks_required = ["basics"]` in course.toml."""
    courses = tmp_path / "courses"
    shutil.copytree(TEST_COURSES, courses)
    manifest = courses / "mini" / "course.toml"
    manifest.write_text(manifest.read_text() + '\ntasks_required = ["basics"]\n')
    app = make_app(database_url, tmp_path, COURSES_DIR=str(courses), QUIZZES_DIR=str(TEST_QUIZZES))
    yield app
    app.extensions["lms_db"][0].dispose()
