"""Hostile input everywhere: every route × method × role of the URL map with hostile path, query and form values.

No answer may be a 5xx, and a refused request (4xx) must leave every table as it was. CSRF-protected POSTs carry a
valid token, so the views themselves see the hostile values; the LRS routes are called with LRS credentials, hostile
JSON bodies (bare, and inside an otherwise valid statement or document request) and hostile parameters.
"""
from __future__ import annotations

import base64
import hashlib
import inspect
import json
import re
import shutil
import tempfile
import uuid
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from conftest import PG_URL, login, make_app
from lms import policy
from lms.db import Base

EMAILS = {"learner": "learner@alpha.example", "trainer": "trainer@alpha.example", "admin": "admin@alpha.example"}
SKIPPED = {"lms.auth.logout"}  # signing out would turn the rest of the run anonymous; it takes no input anyway
PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
COMMON_NAMES = ["page", "per_page", "since", "until", "next", "q", "sort", "dir", "code", "lang", "course", "step",
                "version", "status", "department", "learner", "email", "password", "name", "title", "item_id"]
SHARP_VALUES = [str(2**63), "0001-01-01", "9999-12-31", "9" * 5000, "٣", "²", "\ud800", "[" * 5000, "\r\n",
                "x" * 20000, ""]
HOSTILE_VALUES = [
    str(2**64), "-" + str(2**63), "１２", "0", "-1", " ", "a\r\nSet-Cookie: x=1", "\x00", "x\udfffy",
    "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00", "NaN", "1e400", "null", "[]", "{}", "%00",
    "../../etc/passwd", "//evil.example/", "javascript:alert(1)", '{"a":' * 5000, '{"mbox":"mailto:a@b.c"}',
    "PT" + "9" * 3000 + "S", "1.0.²", "2.0.0",
]
HOSTILE_TEXT = st.one_of(st.sampled_from(SHARP_VALUES), st.sampled_from(SHARP_VALUES), st.sampled_from(HOSTILE_VALUES),
                         st.text(max_size=40), st.integers(min_value=2**63 - 2, max_value=2**64).map(str))
VALID_PATH = {"slug": "mini", "quiz_id": "m1", "lesson_id": "b-one", "filename": "css/app.css"}
DEEP = ["[" * 100_000, '{"a":' * 100_000, "[" * 65 + "]" * 65]
STATEMENT = ('{"actor":{"mbox":"mailto:a@b.c"},"verb":{"id":"http://example.com/v"},'
             '"object":{"id":"http://example.com/a","definition":{"extensions":{"http://example.com/x":%s}}}}')
JSON_VALUES = ["1" * 5000, '"\\ud800"', '"x\\udc00"', "1e400", *DEEP]
SHARP_BODIES = [*DEEP[:2], *(STATEMENT % value for value in JSON_VALUES)]
JSON_BODY = st.one_of(
    st.sampled_from(SHARP_BODIES), st.sampled_from(SHARP_BODIES),
    st.sampled_from(["1" * 5000, '{"id":"\\ud800"}', "[1,2]", "{}", "", DEEP[2]]),
    st.sampled_from(JSON_VALUES).map(lambda value: '{"a":%s}' % value),
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                 lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                 max_leaves=10).map(json.dumps),
)
AGENT = json.dumps({"mbox": "mailto:lea@example.com"})
XAPI_QUERY = {  # what each LRS resource needs, so a hostile body or parameter reaches the parsing behind it
    "lms.xapi.statements": {"statementId": "5f0b3c2e-8d4a-4b7e-9c61-2a7d0e9f4b11"},
    "lms.xapi_documents.state": {"activityId": "http://example.com/a", "agent": AGENT, "stateId": "s"},
    "lms.xapi_documents.activity_profile": {"activityId": "http://example.com/a", "profileId": "p"},
    "lms.xapi_documents.agent_profile": {"agent": AGENT, "profileId": "p"},
    "lms.xapi_documents.activities": {"activityId": "http://example.com/a"},
    "lms.xapi_documents.agents": {"agent": AGENT},
}


def _rules():
    with tempfile.TemporaryDirectory() as folder:
        app = make_app("sqlite://", Path(folder))
        rules = [r for r in sorted(app.url_map.iter_rules(), key=lambda r: r.rule) if r.endpoint not in SKIPPED]
        views = {r.endpoint: app.view_functions[r.endpoint] for r in rules}
        app.extensions["lms_db"][0].dispose()
    return rules, views


RULES, VIEWS = _rules()
# Names a view reads: WTForms fields, request.args/form look-ups; any other short string literal is a weaker guess.
_FIELD = re.compile(r"""^\s*(\w+)\s*=\s*\w*Field\(|(?:args|form|values|files)\.get(?:list)?\(\s*["']([^"']+)["']""", re.M)
_LITERAL = re.compile(r"""["']([A-Za-z][\w-]{0,30})["']""")


def _names(endpoint: str) -> st.SearchStrategy:
    """Parameter and form field names for an endpoint, mostly those its package reads."""
    folder = Path(inspect.getmodule(VIEWS[endpoint]).__file__).parent
    sources = [path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.py"))]
    read = {a or b for source in sources for a, b in _FIELD.findall(source)} | set(XAPI_QUERY.get(endpoint, {}))
    literals = {name for source in sources for name in _LITERAL.findall(source)}
    return st.one_of(st.sampled_from(sorted(read | set(COMMON_NAMES))), st.sampled_from(sorted(read or literals)),
                     st.sampled_from(sorted(literals)))


NAMES = {rule.endpoint: _names(rule.endpoint) for rule in RULES}


def _roles(rule) -> tuple[str, ...]:
    """The roles worth fuzzing a route with: who gets past its access check (the access matrix covers the rest)."""
    access = policy.access_for(rule.endpoint)
    if access is None or access.lrs:
        return ("lrs",)
    if access.roles == policy.PUBLIC:
        return ("anonymous", "learner")
    # The learner has the data (enrolment, attempts, certificate); staff and admin pages need their roles.
    return (next(role for role in ("learner", "trainer", "admin") if role in access.roles),)


# Every route × method × role × hostile part (path, query or body) is a case of its own with EXAMPLES examples:
# about 1,000 requests, well under a minute.
# The LRS cases run first: an admin case may deactivate the LRS credential (id 1) the LRS cases use.
CASES = sorted(((rule, method, role, target) for rule in RULES for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
                for role in _roles(rule) for target in ("path", "query", "body") if target != "path" or rule.arguments),
               key=lambda case: case[2] != "lrs")
EXAMPLES = 3


@pytest.fixture(scope="module")
def world_app(template_database, tmp_path_factory):
    """One app over a world with real activity (a finished course, an LRS credential), signed-in clients per role."""
    from factories import build_world
    from lms.lrs.lrs_auth import create_credential
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


# Refused requests to rate-limited pages must count (brute-forcing unknown verification codes ends in 404s), so
# the shared rate-limit counters (lms/ratelimit.py) are the one table a 4xx may change.
COUNTER_TABLES = ("rate_limit_counters",)


def _snapshot(app) -> dict[str, str]:
    """A digest of every table's rows, by table name (the rate-limit counters left out)."""
    digests = {}
    with app.extensions["lms_db"][0].connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in COUNTER_TABLES:
                continue
            digest = hashlib.sha256()
            for row in conn.execute(select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode("utf-8", "surrogatepass"))
            digests[table.name] = digest.hexdigest()
    return digests


def _path(rule, values: dict[str, str]) -> str:
    return PARAM.sub(lambda m: quote(values[m.group(1)], safe="/", errors="surrogatepass"), rule.rule)


def _encode(pairs) -> str:
    return urlencode([(k, v.encode("utf-8", "surrogatepass")) for k, v in pairs])


def _valid(rule, arg: str) -> str:
    """A plausible value for a path argument: a known slug, an <any(...)> choice, else id 1."""
    options = re.match(r"\(\?:([^|)]+)", rule._converters[arg].regex)  # <any(a, b):x> has the regex (?:a|b)
    return options.group(1) if options else VALID_PATH.get(arg, "1")


def _request(data, rule, method: str, target: str, basic: str, token: str):
    """Draw one request: (url, body, headers); exactly one part of it carries the hostile values."""
    values = {arg: _valid(rule, arg) for arg in rule.arguments}
    if target == "path":
        hostile = data.draw(st.sampled_from(sorted(rule.arguments)), label="hostile argument")
        values[hostile] = data.draw(HOSTILE_TEXT, label=hostile)
    fields = st.lists(st.tuples(NAMES[rule.endpoint], HOSTILE_TEXT), min_size=1, max_size=6)
    query = [] if (rule.endpoint, method) == ("lms.xapi.statements", "POST") else \
        list(XAPI_QUERY.get(rule.endpoint, {}).items())
    if target == "query":
        query += data.draw(fields, label="query")
    url = _path(rule, values) + ("?" + _encode(query) if query else "")
    headers, body = {}, None
    if rule.endpoint.startswith("lms.xapi") and rule.rule.startswith("/xapi/"):
        versions = ["1.0.3", "2.0.0"] + (["1.0.²", "1.0.99999999"] if target == "query" else [])
        headers = {"Authorization": basic, "X-Experience-API-Version": data.draw(st.sampled_from(versions),
                                                                                 label="version"),
                   "If-None-Match": "*"}
        if method in ("POST", "PUT"):
            raw = data.draw(JSON_BODY, label="body") if target == "body" else "{}"
            body, headers["Content-Type"] = raw.encode("utf-8", "surrogatepass"), "application/json"
    elif method == "POST":
        body = _encode([("csrf_token", token), *(data.draw(fields, label="form") if target == "body" else [])])
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return url, body, headers


@pytest.mark.parametrize("rule,method,role,target", CASES, ids=lambda v: getattr(v, "rule", v))
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_hostile_input_no_5xx_and_refusals_change_nothing(world_app, rule, method, role, target, data):
    """Any route, method and role with hostile values: never a 5xx; a 4xx leaves the database unchanged."""
    app, clients, tokens, basic, state = world_app
    url, body, headers = _request(data, rule, method, target, basic, tokens[role])
    response = clients[role].open(url, method=method, data=body, headers=headers)
    status = response.status_code
    response.get_data()
    response.close()
    cell = f"{method} {url[:200]!r} as {role} ({target} hostile{', body ' + repr(body[:80]) if body else ''})"
    assert status < 500, f"{cell}: {status}"
    after = _snapshot(app)
    if 400 <= status < 500:
        changed = sorted(name for name, digest in after.items() if state["snapshot"].get(name) != digest)
        assert not changed, f"{cell}: {status}, but these tables changed: {', '.join(changed)}"
    state["snapshot"] = after
