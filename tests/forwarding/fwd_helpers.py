"""Helpers for the forwarding tests: statements, the real store, targets, relays, ralph and subprocess settings."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import httpx
from conftest import TEST_SECRET_KEY
from flask import has_app_context

REPO = Path(__file__).resolve().parents[2]
RALPH_USER, RALPH_PASSWORD = "lms-relay", "ralph-" + uuid.uuid4().hex[:12]
COURSE_IRI = "https://lms.example/xapi/activities/course/mini"  # the test course "mini"
OTHER_IRI = "https://lms.example/xapi/activities/course/other"
AUTHORITY = {"objectType": "Agent", "name": "LMS", "account": {"homePage": "http://lms.test", "name": "lms"}}


CURRENT: dict = {}  # the running test's fwd_app, set by the fwd_app fixture


def app_ctx():
    """The fwd_app's application context unless one is active already."""
    return nullcontext() if has_app_context() else CURRENT["app"].app_context()


def statement(actor_name: str = "learner-1", verb: str = "experienced", activity: str | None = None,
              registration: str | None = None, grouping: str | None = None, **extra) -> dict:
    """A valid statement in the shape the app emits (lesson of the test course unless told otherwise)."""
    stmt = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": "http://lms.test", "name": actor_name}},
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": {"en-US": verb, "de-DE": verb}},
        "object": {"objectType": "Activity", "id": activity or f"{COURSE_IRI}/lesson/l{uuid.uuid4().hex[:6]}",
                   "definition": {"type": "http://adlnet.gov/expapi/activities/lesson",
                                  "name": {"de-DE": "Lektion Ä „Zitat“ 🚀", "en-US": "Lesson"}}},
        "context": {"platform": "Social Media LMS", "language": "de-DE"},
        "timestamp": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
    }
    if registration:
        stmt["context"]["registration"] = registration
    if grouping:
        stmt["context"]["contextActivities"] = {"grouping": [{"objectType": "Activity", "id": grouping}]}
    stmt.update(extra)
    return stmt


def store(db, org, statements: list[dict], user=None) -> list[str]:
    """Store through the real xAPI store (which sends statements_stored in the same session) and commit."""
    from lms.lrs.store import store_statements

    from lms.db import write_intent

    fresh(db)
    # Like a POST request: BEGIN IMMEDIATE, so this writer queues behind relay processes instead of failing.
    token = write_intent.set(True)
    try:
        with app_ctx():
            ids = store_statements(db, org.id, statements, authority=AUTHORITY, version="1.0.3",
                                   user_id=user.id if user is not None else None)
            db.commit()
    finally:
        write_intent.reset(token)
    return ids


def fresh(db) -> None:
    """End the session's transaction and forget loaded rows, so the next read sees other connections' commits."""
    db.commit()
    db.expire_all()


def raw_by_id(db, org) -> dict[str, str]:
    """statement id -> stored raw JSON text of an organisation."""
    from sqlalchemy import select

    from lms.lrs.models import Statement

    fresh(db)
    return dict(db.execute(select(Statement.statement_id, Statement.raw).where(Statement.org_id == org.id)).all())


def outbox(db, target=None, status: str | None = None) -> list:
    """Outbox items (of one target / status), oldest first, fresh from the database."""
    from sqlalchemy import select

    from lms.forwarding.models import OutboxItem

    fresh(db)
    query = select(OutboxItem).order_by(OutboxItem.id)
    if target is not None:
        query = query.where(OutboxItem.target_id == target.id)
    if status is not None:
        query = query.where(OutboxItem.status == status)
    return list(db.scalars(query))


def make_target(db, org, endpoint: str, username: str = "fake", password: str = "fake-secret",
                secret_key: str = TEST_SECRET_KEY, **kw):
    """A committed forwarding target with an encrypted password."""
    from lms.forwarding.crypto import encrypt_secret
    from lms.forwarding.models import ForwardTarget

    values = dict(name=kw.pop("name", f"target-{uuid.uuid4().hex[:6]}"), endpoint=endpoint, username=username,
                  secret_encrypted=encrypt_secret(password, secret_key), xapi_version="1.0.3", course_slugs=[],
                  verb_ids=[], active=True, batch_size=100, connect_timeout=2.0, read_timeout=5.0,
                  delivered_count=0, failure_streak=0)
    values.update(kw)
    target = ForwardTarget(org_id=org.id, **values)
    db.add(target)
    db.commit()
    return target


def run_relay(app, **kw) -> int:
    """One relay pass in this process; returns the number of statements delivered."""
    from lms.forwarding.relay import Relay

    return Relay(app, **kw).run_pass()


@dataclass
class Ralph:
    """A running ralph LRS."""

    endpoint: str
    username: str
    password: str
    directory: Path

    def statements(self) -> list[dict]:
        """Every statement ralph holds, following `more` links (GET /xAPI/statements)."""
        out, url = [], self.endpoint + "statements?limit=1000"
        base = self.endpoint.split("/xAPI/")[0]
        with httpx.Client(auth=(self.username, self.password), timeout=30, trust_env=False,
                          headers={"X-Experience-API-Version": "1.0.3"}) as client:
            for _ in range(10000):
                response = client.get(url)
                response.raise_for_status()
                page = response.json()
                out += page["statements"]
                if not page.get("more"):
                    return out
                url = base + page["more"] if page["more"].startswith("/") else page["more"]
        raise AssertionError("ralph paging did not end")


def ralph_script(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run scripts/ralph.sh with arguments."""
    return subprocess.run([str(REPO / "scripts" / "ralph.sh"), *args], capture_output=True, text=True,
                          timeout=timeout)


def relay_env(app, **extra) -> dict:
    """Environment for `flask --app lms xapi relay` subprocesses on the test's database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(LMS_DATABASE_URL=app.config["DATABASE_URL"], LMS_SECRET_KEY=app.config["SECRET_KEY"],
               LMS_BUNDLED_CONTENT=json.dumps(bool(app.config["BUNDLED_CONTENT"])),
               LMS_COURSES_DIR=json.dumps(app.config["COURSES_DIR"]), LMS_QUIZZES_DIR=json.dumps(app.config["QUIZZES_DIR"]),
               LMS_BASE_IRI=app.config["BASE_IRI"], LMS_FORWARDING_ALLOW_PRIVATE_NETWORKS="true",
               LMS_FORWARDING_BACKOFF_BASE="0.01", LMS_FORWARDING_BACKOFF_CAP="0.05", LMS_RELAY_IN_APP="false",
               FLASK_APP="lms", PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    env.update({k: str(v) for k, v in extra.items()})
    return env


def flask_cmd(*args: str) -> list[str]:
    """The flask CLI of the test interpreter's environment."""
    return [sys.executable, "-m", "flask", "--app", "lms", *args]


def same_statement(stored_raw: str, received: dict, ignore: tuple[str, ...] = ()) -> bool:
    """Whether a received statement equals the stored JSON, apart from the given top-level keys."""
    mine = json.loads(stored_raw)
    theirs = dict(received)
    for key in ignore:
        mine.pop(key, None)
        theirs.pop(key, None)
    return mine == theirs

