"""Access-control matrix generated from the URL map and checked against the policy table in lms/policy.py.

Every route × method × anonymous/learner/trainer/admin × own/other organisation. A route missing from the table
fails; every cross-organisation cell must answer 403 or 404; no cell may answer 5xx. The views hold no access code:
what is tested here is the before_request step (lms/access.py) that enforces the table, and the last tests prove
that on routes whose views do nothing themselves, and that an endpoint missing from the table is refused.
"""
from __future__ import annotations

import base64
import json
import shutil
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import select, text

from conftest import PG_URL, TEST_SECRET_KEY, login, make_app
from lms import policy

ACTORS = {"learner": "learner@alpha.example", "trainer": "trainer@alpha.example", "admin": "admin@alpha.example"}
OTHER_LEARNER = "learner2@alpha.example"  # same organisation and role as the owner of "self" objects
# Department-limited trainers of organisation A: the owner of the URLs' objects (learner@alpha, Marketing) is
# inside the first one's department and outside the second one's (Vertrieb, where learner2@alpha is).
TEAM_LEADS = {"inside": "lead.marketing@alpha.example", "outside": "lead.vertrieb@alpha.example"}
LEARNER_OBJECTS = {"user", "certificate", "enrolment", "submission", "attempt"}
REFUSED = (403, 404)
XAPI_HEADERS = {"X-Experience-API-Version": "1.0.3"}
FIXED_VALUES = {"slug": "mini", "lesson_id": "b-one", "quiz_id": "m1", "filename": "css/app.css",
                "task_id": "probe"}
ACTION_VALUES = {"lms.forwarding.toggle": "deactivate", "lms.forwarding.dead_action": "retry"}
# What organisation B's LRS client stored; organisation A's credentials must never reach it (see LRS_OTHER).
SECRET = "Beta Geheim"
B_AGENT = {"objectType": "Agent", "mbox": "mailto:ben@beta.example", "name": SECRET}
B_ACTIVITY = "http://beta.example/activities/secret"
B_STATEMENT = "5f0b3c2e-8d4a-4b7e-9c61-2a7d0e9f4b11"
B_DOCUMENTS = {
    "lms.xapi_documents.state": ("activities/state", {"activityId": B_ACTIVITY, "agent": B_AGENT, "stateId": "beta"}),
    "lms.xapi_documents.activity_profile": ("activities/profile", {"activityId": B_ACTIVITY, "profileId": "beta"}),
    "lms.xapi_documents.agent_profile": ("agents/profile", {"agent": B_AGENT, "profileId": "beta"}),
}
OWNER_ARGS = {"user_id": "user", "attempt_id": "attempt", "certificate_id": "certificate", "target_id": "target",
              "credential_id": "credential", "enrolment_id": "enrolment", "number": "guideline_version",
              "provider_id": "identity_provider", "submission_id": "submission", "platform_id": "lti_platform",
              "lms_id": "cmi5_lms", "package_id": "scorm_package"}


def _rules():
    """The app's URL rules (collected once, at import, to parametrize the tests)."""
    with tempfile.TemporaryDirectory() as folder:
        app = make_app("sqlite://", Path(folder))
        rules = sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint)
        app.extensions["lms_db"][0].dispose()
    return rules


RULES = _rules()


def test_access_matrix_every_route_is_in_the_policy_table():
    """A new route without a policy entry fails here; so does an entry whose route is gone."""
    endpoints = {rule.endpoint for rule in RULES}
    assert sorted(endpoints - set(policy.POLICY)) == [], "routes missing from lms/policy.py"
    assert sorted(set(policy.POLICY) - endpoints) == [], "lms/policy.py lists endpoints that no longer exist"


def test_access_matrix_every_object_argument_has_an_owner_kind():
    """A URL that names an organisation-owned object must say which kind, so the matrix checks other orgs."""
    for rule in RULES:
        access = policy.access_for(rule.endpoint)
        owned = [arg for arg in rule.arguments if arg in OWNER_ARGS]
        if owned and access is not None:
            assert access.owner == OWNER_ARGS[owned[0]], rule.endpoint
        unknown = set(rule.arguments) - set(OWNER_ARGS) - set(FIXED_VALUES) - {"code", "action"}
        assert not unknown, f"{rule.endpoint}: the matrix does not know how to fill {unknown}"
        if access is not None and access.lrs and access.owner:
            assert rule.endpoint in LRS_OTHER, f"{rule.endpoint}: no cross-organisation LRS cells"


def _lrs_query(params: dict) -> str:
    return "?" + urlencode({k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()})


def _lrs_store_other(client, auth: dict) -> None:
    """Organisation B's LRS client stores a statement and one document per Document Resource."""
    statement = {"id": B_STATEMENT, "actor": B_AGENT,
                 "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
                 "object": {"objectType": "Activity", "id": B_ACTIVITY,
                            "definition": {"name": {"en-US": SECRET}}}}
    response = client.post("/xapi/statements", json=statement, headers=auth)
    assert response.status_code == 200, response.get_data(as_text=True)
    for path, params in B_DOCUMENTS.values():
        response = client.post(f"/xapi/{path}{_lrs_query(params)}", json={"secret": SECRET}, headers=auth)
        assert response.status_code == 204, response.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------- the prepared world


@pytest.fixture(scope="session")
def prepared(template_database, tmp_path_factory):
    """Both organisations with real activity, prepared once per worker: finished courses (attempts, certificates),
    forwarding targets, LRS credentials, published guideline versions (A: 1, B: 1 and 2) and task hand-ins."""
    from factories import build_world
    from tests_quiz_helpers import complete_course

    kind, template, admin = template_database
    folder = tmp_path_factory.mktemp("matrix")
    if kind == "sqlite":
        path = folder / "prepared.sqlite3"
        shutil.copy(template, path)
        url = f"sqlite:///{path}"
    else:
        name = f"lms_matrix_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        url = f"{PG_URL}/{name}"
    app = make_app(url, folder)
    db = app.extensions["lms_db"][1]()
    world = build_world(db)
    _add_team_leads(db, world)
    ids = {}
    for email in ("learner@alpha.example", "learner@beta.example"):
        client = app.test_client()
        login(client, email)
        complete_course(app, client, db)
    for email in ("trainer@alpha.example", "admin@alpha.example", OTHER_LEARNER):  # staff may learn, too
        client = app.test_client()
        login(client, email)
        client.post("/courses/mini/start")
    with app.app_context():
        from lms.certificates.models import Certificate
        from lms.courses.models import Enrolment
        from lms.forwarding.crypto import encrypt_secret
        from lms.forwarding.models import ForwardTarget
        from lms.guidelines import services as guidelines
        from lms.cmi5.models import Cmi5Lms
        from lms.lti.models import LtiPlatform
        from lms.scorm.models import ScormPackage
        from lms.quizzes.models import QuizAttempt
        from lms.sso.models import IdentityProvider
        from lms.tasks import services as tasks
        from lms.lrs.lrs_auth import create_credential

        db.rollback()
        secrets = {}
        for side, org, learner, admin_user, versions in (
                ("own", world["org_a"], world["learner_a"], world["admin_a"], 1),
                ("other", world["org_b"], world["learner_b"], world["admin_b"], 2)):
            target = ForwardTarget(org_id=org.id, name=f"LRS {side}", endpoint="https://lrs.example.com/xapi/",
                                   username="u", secret_encrypted=encrypt_secret("s", TEST_SECRET_KEY),
                                   xapi_version="1.0.3", course_slugs=[], verb_ids=[], active=True, batch_size=100,
                                   connect_timeout=2.0, read_timeout=5.0, delivered_count=0, failure_streak=0)
            db.add(target)
            provider = IdentityProvider(org_id=org.id, kind="saml", name=f"IdP {side}", enabled=False,
                                        issuer=f"https://idp.{side}.example/", domains=[f"{side}.example"])
            db.add(provider)
            credential, secret = create_credential(db, org.id, f"client {side}")
            lti_platform = LtiPlatform(org_id=org.id, name=f"LMS {side}", issuer=f"https://lms-{side}.example",
                                       client_id="c", auth_login_url=f"https://lms-{side}.example/auth",
                                       auth_token_url=f"https://lms-{side}.example/token",
                                       jwks_url=f"https://lms-{side}.example/jwks", deployment_ids=["d"])
            db.add(lti_platform)
            cmi5_lms = Cmi5Lms(org_id=org.id, name=f"cmi5 {side}", endpoint=f"https://lms-{side}.example/xapi/")
            db.add(cmi5_lms)
            scorm_package = ScormPackage(id=f"pkg{side}", org_id=org.id, course_slug="mini", version="1.2",
                                         revoked=False)
            db.add(scorm_package)
            admin_obj = db.get(type(admin_user), admin_user.id)
            for n in range(versions):
                guidelines.publish_version(db, admin_obj, f"Richtlinie {n + 1}", "Text der Richtlinie.")
            db.flush()
            enrolment = db.scalar(select(Enrolment).where(Enrolment.user_id == learner.id))
            certificate = db.scalar(select(Certificate).where(Certificate.user_id == learner.id))
            attempt = db.scalar(select(QuizAttempt).where(QuizAttempt.user_id == learner.id,
                                                          QuizAttempt.quiz_id == "m1"))
            course = app.extensions["lms_catalog"].courses["mini"]
            submission = tasks.submit(db, enrolment.user, course, enrolment, app.extensions["lms_catalog"].task(
                "mini", "probe"), {"ziel": "Ein Ziel"}, tasks.Upload("ziel.pdf", b"%PDF-1.4\n%%EOF\n"))
            ids[side] = {"user": learner.id, "attempt": attempt.id, "certificate": certificate.id,
                         "target": target.id, "credential": credential.id, "enrolment": enrolment.id,
                         "guideline_version": versions, "code": certificate.code,
                         "identity_provider": provider.id, "submission": submission.id, "lti_platform": lti_platform.id,
                         "cmi5_lms": cmi5_lms.id, "scorm_package": scorm_package.id}
            secrets[side] = (credential.key, secret)
        db.commit()
    _lrs_store_other(app.test_client(), _basic(*secrets["other"]))
    db.close()
    app.extensions["lms_db"][0].dispose()
    yield {"kind": kind, "source": path if kind == "sqlite" else name, "admin": admin, "ids": ids,
           "lrs": secrets["own"], "lrs_other": secrets["other"]}
    if kind != "sqlite":
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _add_team_leads(db, world) -> None:
    """Two trainers of organisation A limited to one department each (see TEAM_LEADS)."""
    from factories import create_user
    from lms.auth.scope import set_trainer_departments

    for (side, email), learner in zip(TEAM_LEADS.items(), (world["learner_a"], world["learner_a2"])):
        lead = create_user(db, world["org_a"], "trainer", email, f"Leitung {side}")
        set_trainer_departments(db, lead, [learner.department_id])
    db.commit()


@pytest.fixture
def matrix_app(prepared, tmp_path):
    """A fresh copy of the prepared world, served by a new app."""
    if prepared["kind"] == "sqlite":
        target = tmp_path / "cell.sqlite3"
        shutil.copy(prepared["source"], target)
        url, cleanup = f"sqlite:///{target}", None
    else:
        name = f"lms_cell_{uuid.uuid4().hex[:8]}"
        with prepared["admin"].connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{prepared["source"]}"'))
        url, cleanup = f"{PG_URL}/{name}", name
    app = make_app(url, tmp_path)
    yield app
    app.extensions["lms_db"][0].dispose()
    if cleanup:
        with prepared["admin"].connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{cleanup}" WITH (FORCE)'))


# ---------------------------------------------------------------------------------------------- the cells


def _basic(key: str, secret: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode(), **XAPI_HEADERS}


def _lrs_read_refused(path: str, params: dict):
    """Reading B's object with A's credentials: 404, as if it did not exist."""
    def check(client, own, other):
        response = client.get(f"/xapi/{path}{_lrs_query(params)}", headers=own)
        assert response.status_code == 404, f"GET {path} of organisation B with A's credentials"
    return check


def _lrs_document(endpoint: str):
    """B's document: A's GET is a 404, A's DELETE of the same key leaves B's document alone."""
    path, params = B_DOCUMENTS[endpoint]

    def check(client, own, other):
        _lrs_read_refused(path, params)(client, own, other)
        client.delete(f"/xapi/{path}{_lrs_query(params)}", headers=own)
        response = client.get(f"/xapi/{path}{_lrs_query(params)}", headers=other)
        assert response.status_code == 200 and SECRET in response.get_data(as_text=True), \
            f"DELETE {path} with A's credentials removed organisation B's document"
    return check


def _lrs_no_leak(path: str, params: dict):
    """Resources that answer every query (Activities, Agents, statement lists): nothing of B's in the answer."""
    def check(client, own, other):
        response = client.get(f"/xapi/{path}{_lrs_query(params)}", headers=own)
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and SECRET not in body and B_STATEMENT not in body, \
            f"GET {path} with A's credentials shows organisation B's data"
    return check


def _lrs_statements(client, own, other):
    _lrs_read_refused("statements", {"statementId": B_STATEMENT})(client, own, other)
    _lrs_no_leak("statements", {})(client, own, other)
    _lrs_no_leak("statements", {"agent": B_AGENT})(client, own, other)


# The LRS "other organisation" cells: A's credentials against what B's client stored (the URL names no object;
# the query does). Activities and Agents must answer any id with 200 (Communication 2.4/2.5), so B's data must
# simply not appear.
LRS_OTHER = {
    "lms.xapi.statements": _lrs_statements,
    **{endpoint: _lrs_document(endpoint) for endpoint in B_DOCUMENTS},
    "lms.xapi_documents.activities": _lrs_no_leak("activities", {"activityId": B_ACTIVITY}),
    "lms.xapi_documents.agents": _lrs_no_leak("agents", {"agent": {"mbox": B_AGENT["mbox"]}}),
}


def _url(app, rule, ids: dict, side: str) -> str:
    values = {}
    for arg in rule.arguments:
        if arg in FIXED_VALUES:
            values[arg] = FIXED_VALUES[arg]
        elif arg == "action":
            values[arg] = ACTION_VALUES[rule.endpoint]
        elif arg == "code":
            values[arg] = ids["own"]["code"]
        else:
            values[arg] = ids[side][OWNER_ARGS[arg]]
    return app.url_map.bind("localhost").build(rule.endpoint, values, method=None)


def _call(client, method: str, url: str, headers=None):
    """One request with an empty body (CSRF token added to POSTs); streamed bodies are read and closed."""
    if method == "POST":
        response = client.post(url, data={}, headers=headers)
    else:
        response = client.open(url, method=method, headers=headers)
    response.get_data()
    response.close()
    return response


def _allowed(response, cell: str, access: policy.Access | None = None) -> None:
    status = response.status_code
    refused = {401, 403} | (set() if access and access.may_be_absent else {404})
    assert status < 500 and status not in refused, f"{cell}: expected access, got {status}"
    if not (access and access.ends_at_login):
        assert "/login" not in response.headers.get("Location", ""), f"{cell}: sent to the login page"


def _refused(response, cell: str, status: int | None = None) -> None:
    expected = (status,) if status else REFUSED
    assert response.status_code in expected, f"{cell}: expected {'/'.join(map(str, expected))}, " \
                                             f"got {response.status_code}"


def _role(actor: str) -> str:
    """The session role of an actor ("owner" is the learner whose objects the URLs name)."""
    return "learner" if actor in ("owner", "learner") else actor


def _may_act(access: policy.Access, actor: str) -> bool:
    """Whether this signed-in actor may call the route on its own organisation's object."""
    if _role(actor) not in access.roles:
        return False
    if access.scope == "self":
        return actor == "owner"
    if access.scope == "self_or_staff":
        return actor in ("owner", "trainer", "admin")
    return True


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: f"{rule.endpoint}")
def test_access_matrix(rule, matrix_app, prepared):
    """Every cell of one route: other organisation first (refused), then refused roles, anonymous, allowed."""
    access = policy.access_for(rule.endpoint)
    assert access is not None, f"{rule.endpoint} is not in lms/policy.py"
    app, ids = matrix_app, prepared["ids"]
    methods = sorted(rule.methods - {"HEAD", "OPTIONS"})

    if access.lrs:
        basic = _basic(*prepared["lrs"])
        for method in methods:
            url = _url(app, rule, ids, "own")
            for actor, email in [("anonymous", None), *ACTORS.items()]:
                client = app.test_client()
                if email:
                    login(client, email)
                response = _call(client, method, url, XAPI_HEADERS)
                assert response.status_code == 401, f"{method} {url} as {actor} without LRS credentials"
            _allowed(_call(app.test_client(), method, url, basic), f"{method} {url} with LRS credentials")
        if access.owner:
            LRS_OTHER[rule.endpoint](app.test_client(), basic, _basic(*prepared["lrs_other"]))
        return
    login_path = urlsplit(app.url_map.bind("localhost").build("lms.auth.login")).path

    clients = {"anonymous": app.test_client()}
    for actor, email in ACTORS.items():
        clients[actor] = app.test_client()
        login(clients[actor], email)
    # The owner of "self" objects is the learner; a second learner of the same organisation must be refused.
    clients["owner"] = clients["learner"]
    if access.scope in ("self", "self_or_staff"):
        clients["learner"] = app.test_client()
        login(clients["learner"], OTHER_LEARNER)
    actors = ["owner", "trainer", "admin"] + (["learner"] if access.scope != "org" else [])

    for method in methods:
        # Order matters: refused cells change nothing, so the allowed ones (which may delete or deactivate) come last.
        cells = [(actor, "other") for actor in actors] if access.owner else []
        cells += [(actor, "own") for actor in actors if not _may_act(access, actor)]
        cells.append(("anonymous", "own"))
        cells += [(actor, "own") for actor in actors if _may_act(access, actor)]
        for actor, side in cells:
            url = _url(app, rule, ids, side)
            cell = f"{method} {url} as {actor} ({side} organisation)"
            response = _call(clients[actor], method, url)
            assert response.status_code < 500, f"{cell}: {response.status_code}"
            if actor == "anonymous":
                if access.roles == policy.PUBLIC:
                    _allowed(response, cell)
                else:
                    location = urlsplit(response.headers.get("Location", "")).path
                    assert response.status_code == 302 and location == login_path, \
                        f"{cell}: expected a redirect to the login page, got {response.status_code} {location}"
            elif access.roles == policy.PUBLIC:
                _allowed(response, cell)
            elif side == "other":
                _refused(response, cell)
            elif not _may_act(access, actor):
                _refused(response, cell, access.denied)
            else:
                _allowed(response, cell, access)


DEPARTMENT_RULES = [rule for rule in RULES if (access := policy.access_for(rule.endpoint)) is not None
                    and not access.lrs and access.owner in LEARNER_OBJECTS and _may_act(access, "trainer")]


@pytest.mark.parametrize("rule", DEPARTMENT_RULES, ids=lambda rule: f"{rule.endpoint}")
def test_access_matrix_department_scope(rule, matrix_app, prepared):
    """A trainer limited to other departments gets 404 for a learner's object; one limited to the learner's
    department is allowed like an organisation-wide trainer."""
    access = policy.access_for(rule.endpoint)
    app, ids = matrix_app, prepared["ids"]
    clients = {}
    for side, email in TEAM_LEADS.items():
        clients[side] = app.test_client()
        login(clients[side], email)
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
        url = _url(app, rule, ids, "own")
        _refused(_call(clients["outside"], method, url), f"{method} {url} as a trainer of another department", 404)
        _allowed(_call(clients["inside"], method, url), f"{method} {url} as a trainer of the learner's department",
                 access)


def test_access_matrix_department_scope_quiz_analysis(matrix_app):
    """The question analysis counts only the trainer's department: the lead of the learner's department sees the
    finished attempts, the lead of the other department (whose learner only started) sees none."""
    pages = {}
    for side, email in TEAM_LEADS.items():
        client = matrix_app.test_client()
        login(client, email)
        response = client.get("/reports/quizzes/m1?course=mini")
        assert response.status_code == 200
        pages[side] = response.get_data(as_text=True)
    assert "Noch keine abgegebenen Versuche." in pages["outside"]
    assert "Noch keine abgegebenen Versuche." not in pages["inside"]


# ---------------------------------------------------------------------------------------------- the enforcing step


def _with_probe_routes(app):
    """Routes under the LMS blueprint whose views have no access code at all: only lms/access.py guards them."""
    from flask import Blueprint, g

    probe = Blueprint("probe", __name__)

    @probe.route("/probe/targets/<int:target_id>", methods=["GET", "POST"])
    def target(target_id: int):
        return f"target {g.target.name}"

    @probe.route("/probe/unlisted")
    def unlisted():
        return "served"

    app.register_blueprint(probe, name_prefix="lms", url_prefix=app.config["URL_PREFIX"] or None)
    return app


def test_access_matrix_step_guards_a_view_without_access_code(matrix_app, prepared, monkeypatch):
    """A route listed in the policy table is enforced by the before_request step alone: anonymous callers go to the
    login page, other roles get the table's status, another organisation's object is a 404, the own one reaches the
    view through g."""
    monkeypatch.setitem(policy.POLICY, "lms.probe.target", policy.Access(policy.ADMINS, owner="target"))
    app, ids = _with_probe_routes(matrix_app), prepared["ids"]
    own, other = (f"/probe/targets/{ids[side]['target']}" for side in ("own", "other"))
    anonymous = app.test_client().get(own)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    for actor in ("learner", "trainer"):
        client = app.test_client()
        login(client, ACTORS[actor])
        assert client.get(own).status_code == 403, actor
    admin = app.test_client()
    login(admin, ACTORS["admin"])
    assert admin.get(other).status_code == 404
    assert admin.post(other, data={}).status_code == 404
    response = admin.get(own)
    assert response.status_code == 200 and response.get_data(as_text=True) == "target LRS own"


def test_access_matrix_endpoint_missing_from_the_table_is_refused(matrix_app):
    """Deny by default: a route the policy table does not list is refused for everyone, never served."""
    app = _with_probe_routes(matrix_app)
    assert policy.access_for("lms.probe.unlisted") is None
    for actor, email in [("anonymous", None), *ACTORS.items()]:
        client = app.test_client()
        if email:
            login(client, email)
        response = client.get("/probe/unlisted")
        assert response.status_code == 403 and "served" not in response.get_data(as_text=True), actor
