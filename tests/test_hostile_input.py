"""Hostile input everywhere: every route × method × role of the URL map with hostile path, query and form values.

No answer may be a 5xx, and a refused request (4xx) must leave every table as it was. CSRF-protected POSTs carry a
valid token, so the views themselves see the hostile values; the LRS routes are also called with LRS credentials
and hostile JSON bodies.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import uuid
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from conftest import PG_URL, login, make_app
from lms.db import Base

ROLES = ("anonymous", "learner", "trainer", "admin", "lrs")  # "lrs": HTTP Basic with an LRS credential
EMAILS = {"learner": "learner@alpha.example", "trainer": "trainer@alpha.example", "admin": "admin@alpha.example"}
# Signing out would turn the rest of the run anonymous; it takes no input anyway.
SKIPPED = {"lms.auth.logout"}
PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
NAMES = ["page", "per_page", "since", "until", "next", "q", "sort", "dir", "code", "lang", "course", "step",
         "version", "status", "department", "learner", "statementId", "voidedStatementId", "agent", "activityId",
         "stateId", "profileId", "registration", "format", "limit", "ascending", "attachments", "related_agents",
         "verb", "activity", "more", "email", "password", "name", "title", "text", "seconds", "item_id", "decide",
         "decision-s1", "q-q1", "q-s1", "endpoint", "username", "secret", "batch_size", "connect_timeout",
         "read_timeout", "role", "locale", "language", "scope", "background", "method", "content", "credential",
         "X-Experience-API-Version", "Content-Type", "If-Match", "If-None-Match", "Authorization"]

HOSTILE_VALUES = [
    str(2**63), "٣", "9" * 5000, "²", "\ud800", "0001-01-01", "9999-12-31", "[" * 5000, "\r\n", "x" * 20000, "",
    str(2**64), "-" + str(2**63), "１２", "0", "-1", " ", "a\r\nSet-Cookie: x=1", "\x00", "x\udfffy",
    "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00", "NaN", "1e400", "null", "[]", "{}", "%00",
    "../../etc/passwd", "//evil.example/", "javascript:alert(1)", '{"a":' * 5000, '{"mbox":"mailto:a@b.c"}',
    "PT" + "9" * 3000 + "S", "1.0.²", "2.0.0",
]
HOSTILE_TEXT = st.one_of(st.sampled_from(HOSTILE_VALUES), st.text(max_size=40),
                         st.integers(min_value=-(2**70), max_value=2**70).map(str))
# Plausible path values, so that hostile queries and forms also reach the views behind valid URLs.
VALID_PATH = st.sampled_from(["1", "2", "mini", "m1", "m2", "final", "b-one", "s1", "css/app.css", "retry",
                              "activate", "deactivate"])
JSON_BODY = st.one_of(
    st.sampled_from(["[" * 100_000, '{"a":' * 100_000, "1" * 5000, '{"id":"\\ud800"}', "[1,2]", "{}", "",
                     '{"actor":{"mbox":"mailto:a@b.c"},"verb":{"id":"http://x/v"},"object":{"id":"http://x/'
                     '\\udc00"}}']),
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                 lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                 max_leaves=10).map(json.dumps),
)
FIELDS = st.lists(st.tuples(st.sampled_from(NAMES), HOSTILE_TEXT), min_size=1, max_size=4)


def _rules():
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        app = make_app("sqlite://", Path(folder))
        rules = [r for r in sorted(app.url_map.iter_rules(), key=lambda r: r.rule) if r.endpoint not in SKIPPED]
        app.extensions["lms_db"][0].dispose()
    return rules


RULES = _rules()
# Every route × method × role is a case of its own (the LRS routes: with and without LRS credentials), each with
# EXAMPLES hostile examples: a few hundred requests, well under a minute.
CASES = [(rule, method, role) for rule in RULES for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
         for role in (("lrs", "anonymous") if rule.rule.startswith("/xapi/") else ROLES[:4])]
EXAMPLES = 2


@pytest.fixture(scope="module")
def world_app(template_database, tmp_path_factory):
    """One app over a world with real activity (a finished course, an LRS credential), signed-in clients per role."""
    from factories import build_world
    from lms.xapi.lrs_auth import create_credential
    from tests_quiz_helpers import complete_course

    kind, template, admin = template_database
    folder = tmp_path_factory.mktemp("hostile")
    if kind == "sqlite":
        shutil.copy(template, folder / "db.sqlite3")
        url, name = f"sqlite:///{folder / 'db.sqlite3'}", None
    else:
        name = f"lms_hostile_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        url = f"{PG_URL}/{name}"
    app = make_app(url, folder)
    db = app.extensions["lms_db"][1]()
    world = build_world(db)
    complete_course(app, _signed_in(app, EMAILS["learner"]), db)
    db.rollback()
    credential, secret = create_credential(db, world["org_a"].id, "fuzz")
    db.commit()
    db.close()
    clients = {role: _signed_in(app, email) for role, email in EMAILS.items()}
    clients["anonymous"] = clients["lrs"] = app.test_client()
    tokens = {role: client.csrf_token() for role, client in clients.items()}
    basic = "Basic " + base64.b64encode(f"{credential.key}:{secret}".encode()).decode()
    yield app, clients, tokens, basic, {"snapshot": _snapshot(app)}
    app.extensions["lms_db"][0].dispose()
    if name:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _signed_in(app, email: str):
    client = app.test_client()
    login(client, email)
    return client


def _snapshot(app) -> str:
    """A digest of every row of every table."""
    digest = hashlib.sha256()
    with app.extensions["lms_db"][0].connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _path(rule, values: list[str]) -> str:
    it = iter(values)
    return PARAM.sub(lambda m: quote(next(it), safe="", errors="surrogatepass"), rule.rule)


def _query(pairs) -> str:
    return urlencode([(k, v.encode("utf-8", "surrogatepass")) for k, v in pairs])


@pytest.mark.parametrize("rule,method,role", CASES, ids=lambda v: getattr(v, "rule", v))
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_hostile_input_no_5xx_and_refusals_change_nothing(world_app, rule, method, role, data):
    """Any route, method and role with hostile values: never a 5xx; a 4xx leaves the database unchanged."""
    app, clients, tokens, basic, state = world_app
    # Which part is hostile: the path (ids, slugs), the query, or the form/body; the others stay plausible.
    target = data.draw(st.sampled_from(["path", "query", "body"]), label="target")
    args = PARAM.findall(rule.rule)
    path = _path(rule, [data.draw(HOSTILE_TEXT if target == "path" else VALID_PATH, label=a) for a in args])
    query = data.draw(FIELDS, label="query") if target == "query" else []
    url = path + ("?" + _query(query) if query else "")
    headers = {}
    if rule.rule.startswith("/xapi/"):
        headers["X-Experience-API-Version"] = data.draw(st.sampled_from(["1.0.3", "2.0.0", "1.0.²"]), label="v")
        if role == "lrs":
            headers["Authorization"] = basic
    client = clients[role]
    if method in ("POST", "PUT") and rule.rule.startswith("/xapi/"):
        body = data.draw(JSON_BODY, label="body") if target == "body" else "{}"
        response = client.open(url, method=method, data=body.encode("utf-8", "surrogatepass"),
                               headers={**headers, "Content-Type": "application/json"})
    elif method == "POST":
        form = data.draw(FIELDS, label="form") if target == "body" else []
        response = client.open(url, method=method, data=_query([("csrf_token", tokens[role]), *form]),
                               headers=headers, content_type="application/x-www-form-urlencoded")
    else:
        response = client.open(url, method=method, headers=headers)
    status = response.status_code
    response.get_data()
    response.close()
    cell = f"{method} {url[:200]!r} as {role} ({target} hostile): {status}"
    assert status < 500, cell
    after = _snapshot(app)
    if 400 <= status < 500:
        assert after == state["snapshot"], f"{cell}, but the database changed"
    state["snapshot"] = after
