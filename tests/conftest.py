"""Fixtures: app (fresh database per test, from a migrated template), client with CSRF, login helper."""
from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from lms import create_app
from lms.migrations import upgrade

HERE = Path(__file__).parent
TEST_COURSES = HERE / "content" / "courses"
TEST_QUIZZES = HERE / "content" / "quizzes"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|data-csrf="([^"]+)"')
# At least 32 characters: relay subprocesses run the app outside TESTING, where shorter keys are refused.
TEST_SECRET_KEY = "test-secret-key-of-the-test-suite-only"
# Set by `make test-postgres` (scripts/test-postgres.sh): a server URL without a database name.
PG_URL = os.environ.get("LMS_TEST_POSTGRES_URL")


class CSRFClient(FlaskClient):
    """A test client that adds a valid CSRF token to form posts unless told not to."""

    def csrf_token(self) -> str:
        """Fetch a page and read its CSRF token (the session keeps the matching secret)."""
        for path in ("/account", "/login"):
            response = self.get(path)
            if response.status_code == 200:
                match = CSRF_RE.search(response.get_data(as_text=True))
                if match:
                    return match.group(1) or match.group(2)
        raise AssertionError("no page with a CSRF token")

    def post(self, *args, csrf: bool = True, **kwargs):
        """POST with the CSRF token added to form data."""
        if csrf and "json" not in kwargs:
            data = dict(kwargs.pop("data", None) or {})
            data.setdefault("csrf_token", self.csrf_token())
            kwargs["data"] = data
        return super().post(*args, **kwargs)


@pytest.fixture(scope="session")
def template_database(tmp_path_factory):
    """A database migrated once per test session; each test starts from a copy."""
    if PG_URL:
        name = f"lms_tmpl_{uuid.uuid4().hex[:8]}"
        admin = create_engine(f"{PG_URL}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        upgrade(f"{PG_URL}/{name}")
        yield ("postgres", name, admin)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.sqlite3"
        upgrade(f"sqlite:///{path}")
        yield ("sqlite", path, None)


@pytest.fixture
def database_url(template_database, tmp_path):
    """A fresh database URL for one test."""
    kind, template, admin = template_database
    if kind == "sqlite":
        target = tmp_path / "lms.sqlite3"
        shutil.copy(template, target)
        yield f"sqlite:///{target}"
        return
    name = f"lms_t_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield f"{PG_URL}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def make_app(database_url: str, tmp_path: Path, **overrides):
    """Create an app for tests with the small test course unless told otherwise."""
    config = {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET_KEY,
        "DATABASE_URL": database_url,
        "BUNDLED_CONTENT": False,  # only the small test course, unless a test asks for the bundled one
        "COURSES_DIR": str(TEST_COURSES),
        "QUIZZES_DIR": str(TEST_QUIZZES),
        "BASE_IRI": "http://lms.test",
    }
    config.update(overrides)
    app = create_app(config)
    app.instance_path = str(tmp_path / "instance")
    app.test_client_class = CSRFClient
    return app


@pytest.fixture
def app(database_url, tmp_path):
    """The app on a fresh database with the test course."""
    app = make_app(database_url, tmp_path)
    yield app
    app.extensions["lms_db"][0].dispose()


@pytest.fixture
def client(app):
    """A test client that handles CSRF tokens."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner."""
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """A session outside requests; commits are the test's business."""
    session = app.extensions["lms_db"][1]()
    yield session
    session.close()


@pytest.fixture
def world(app, db):
    """Two organisations with an admin, a trainer and learners each (see tests/factories.py)."""
    from factories import build_world

    return build_world(db)


def login(client, email: str, password: str = "password-123"):
    """Sign in through the real form; returns the response."""
    return client.post("/login", data={"email": email, "password": password})


@pytest.fixture
def login_as(client, world):
    """Sign the client in as one of the world's users by key (e.g. 'learner_a')."""

    def _login(key: str):
        response = login(client, world[key].email)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _login
