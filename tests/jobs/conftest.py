"""The jobs tests use the real SMTP server of the mail tests and a course whose certificates expire."""
from __future__ import annotations

import shutil
from datetime import datetime, timezone

import pytest

from conftest import TEST_COURSES, make_app
from lms import clock as clockmod
from mail.conftest import smtp_server  # noqa: F401 - a fixture, shared with the mail tests


@pytest.fixture
def cycle_app(database_url, tmp_path, smtp_server):  # noqa: F811
    """The app with a one-year certificate validity, sending to the test SMTP server, on a frozen clock."""
    target = tmp_path / "courses"
    shutil.copytree(TEST_COURSES, target)
    course_toml = target / "mini" / "course.toml"
    text = course_toml.read_text(encoding="utf-8")
    course_toml.write_text(text.replace('final_exam = "final"', 'final_exam = "final"\ncertificate_valid_days = 365'),
                           encoding="utf-8")
    _, port = smtp_server
    app = make_app(database_url, tmp_path, COURSES_DIR=str(target), MAIL_SMTP_HOST="127.0.0.1", MAIL_SMTP_PORT=port,
                   MAIL_SMTP_SECURITY="none", MAIL_SENDER="LMS <lms@lms.test>")
    app.clock = clockmod.FrozenClock(datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc))
    clockmod.install(app, app.clock)
    yield app
    app.extensions["lms_db"][0].dispose()


@pytest.fixture
def cycle_db(cycle_app):
    """A session on the cycle app's database."""
    session = cycle_app.extensions["lms_db"][1]()
    yield session
    session.close()


@pytest.fixture
def cycle_world(cycle_app, cycle_db):
    """The two organisations of tests/factories.py."""
    from factories import build_world

    return build_world(cycle_db)
