"""The LRS switches on X-Experience-API-Version (1.0.3 vs 2.0.0) and the conformance rules fixed for issue 13."""
from __future__ import annotations

import base64
import json
import uuid
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from lms.lrs.document_models import XapiDocument
from lms.lrs.models import Statement
from lms.lrs.lrs_auth import create_credential
from xapi_documents_helpers import ACTIVITY, AGENT, lrs  # noqa: F401

STATE = "activities/state"
PROFILES = [("activities/profile", {"activityId": ACTIVITY, "profileId": "p1"}),
            ("agents/profile", {"agent": AGENT, "profileId": "p1"})]
STATE_PARAMS = {"activityId": ACTIVITY, "agent": AGENT, "stateId": "s1"}


class _LRS:
    """A statements client with one credential and a default version header."""

    def __init__(self, client, auth: str, version: str):
        self.client, self.base = client, {"Authorization": auth, "X-Experience-API-Version": version}

    def headers(self, **extra) -> dict:
        """Auth and version headers plus extras (None removes a header)."""
        return {k: v for k, v in {**self.base, **extra}.items() if v is not None}

    def post(self, body, **headers):
        """POST JSON to /xapi/statements."""
        return self.client.post("/xapi/statements", data=json.dumps(body), content_type="application/json",
                                headers=self.headers(**headers), csrf=False)

    def get(self, params: dict | None = None, **headers):
        """GET /xapi/statements."""
        return self.client.get("/xapi/statements?" + urlencode(params or {}), headers=self.headers(**headers))


def make_lrs(app, db, org, version: str = "1.0.3") -> _LRS:
    """A committed credential of `org` and a client for it."""
    credential, secret = create_credential(db, org.id, "client")
    db.commit()
    return _LRS(app.test_client(), "Basic " + base64.b64encode(f"{credential.key}:{secret}".encode()).decode(),
                version)


def statement(**overrides) -> dict:
    """A minimal valid statement."""
    return {"actor": {"objectType": "Agent", "mbox": "mailto:lea@example.com", "name": "Lea"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
            "object": {"objectType": "Activity", "id": "http://example.com/activities/one"}, **overrides}


def _form(fields: dict) -> str:
    return urlencode({k: json.dumps(v) if isinstance(v, dict) else v for k, v in fields.items()})


# --- format=ids, empty definitions -------------------------------------------------------------------------

def test_lrs_format_ids_activity_is_id_only_also_in_substatement(app, db, world):
    """format=ids gives an Activity as {"id": …} alone, in the statement and inside a SubStatement."""
    api = make_lrs(app, db, world["org_a"])
    sub = {"objectType": "SubStatement", "actor": {"mbox": "mailto:sub@example.com"},
           "verb": {"id": "http://example.com/verbs/did"},
           "object": {"objectType": "Activity", "id": "http://example.com/activities/inner"}}
    ids = api.post([statement(id=str(uuid.uuid4())), statement(id=str(uuid.uuid4()), object=sub)]).get_json()
    got = {s["id"]: s for s in api.get({"format": "ids"}).get_json()["statements"]}
    assert got[ids[0]]["object"] == {"id": "http://example.com/activities/one"}
    assert got[ids[1]]["object"]["object"] == {"id": "http://example.com/activities/inner"}


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_lrs_empty_activity_definition_accepted(app, db, world, version):
    """An Activity with "definition": {} is valid, as the object and inside a SubStatement; stored as sent."""
    api = make_lrs(app, db, world["org_a"], version=version)
    activity = {"objectType": "Activity", "id": "http://example.com/activities/empty", "definition": {}}
    sub = {"objectType": "SubStatement", "actor": {"mbox": "mailto:sub@example.com"},
           "verb": {"id": "http://example.com/verbs/did"}, "object": activity}
    for body in (statement(object=activity), statement(object=sub)):
        response = api.post(body)
        assert response.status_code == 200, response.get_data(as_text=True)
    raws = db.scalars(select(Statement.raw)).all()
    assert all('"definition":{}' in raw for raw in raws)


# --- Alternate Request Syntax ------------------------------------------------------------------------------

def test_lrs_alternate_syntax_form_version_takes_precedence(app, db, world):
    """1.0.3: a form field X-Experience-API-Version=0.8 replaces the 1.0.3 header, so the request is a 400."""
    api = make_lrs(app, db, world["org_a"])
    sid = str(uuid.uuid4())
    body = _form({"statementId": sid, "X-Experience-API-Version": "0.8", "content": json.dumps(statement())})
    response = api.client.post("/xapi/statements?method=PUT", data=body, csrf=False,
                               content_type="application/x-www-form-urlencoded", headers=api.headers())
    assert response.status_code == 400
    assert db.scalar(select(Statement.seq)) is None
    body = _form({"statementId": sid, "X-Experience-API-Version": "1.0.3", "content": json.dumps(statement())})
    response = api.client.post("/xapi/statements?method=PUT", data=body, csrf=False,
                               content_type="application/x-www-form-urlencoded",
                               headers=api.headers(**{"X-Experience-API-Version": "0.8"}))
    assert response.status_code == 204


@pytest.mark.parametrize("form_version", [None, "2.0.0"])
def test_lrs_alternate_syntax_refused_in_2_0(app, db, world, form_version):
    """2.0.0 has no Alternate Request Syntax: ?method=… is a 4xx (GET too) and stores nothing."""
    api = make_lrs(app, db, world["org_a"], version="2.0.0")
    fields = {"statementId": str(uuid.uuid4()), "content": json.dumps(statement())}
    if form_version:
        fields["X-Experience-API-Version"] = form_version
    for method in ("PUT", "GET"):
        response = api.client.post(f"/xapi/statements?method={method}", data=_form(fields), csrf=False,
                                    content_type="application/x-www-form-urlencoded", headers=api.headers())
        assert 400 <= response.status_code < 500
        assert response.headers["X-Experience-API-Version"] == "2.0.0"
    assert db.scalar(select(Statement.seq)) is None


# --- concurrency: profiles (1.0.3) and State (2.0.0) ---------------------------------------------------------

@pytest.mark.parametrize("path,params", PROFILES)
def test_lrs_profile_put_new_without_precondition_400_in_1_0_3(lrs, db, path, params):
    """1.0.3: a profile PUT without If-Match/If-None-Match is a 400 even for a new document; 2.0.0 creates it."""
    api = lrs()
    response = api.put(path, params, {"a": 1})
    assert response.status_code == 400 and "If-None-Match" in response.get_json()["error"]
    assert db.scalar(select(XapiDocument.id)) is None
    assert api.put(path, params, {"a": 1}, version="2.0.0").status_code == 204
    assert api.put(path, params, {"a": 2}, version="2.0.0").status_code == 409


def test_lrs_state_put_existing_without_precondition_409_in_2_0(lrs):
    """2.0.0: a State PUT without either header on an existing document is a 409 that explains and changes nothing;
    1.0.3 keeps State free of concurrency headers."""
    api = lrs()
    assert api.put(STATE, STATE_PARAMS, {"a": 1}, version="2.0.0").status_code == 204
    response = api.put(STATE, STATE_PARAMS, {"b": 2}, version="2.0.0")
    assert response.status_code == 409 and "If-Match" in response.get_json()["error"]
    assert response.headers["X-Experience-API-Version"] == "2.0.0"
    assert api.get(STATE, STATE_PARAMS, version="2.0.0").get_json() == {"a": 1}
    etag = api.get(STATE, STATE_PARAMS).headers["ETag"]
    assert api.put(STATE, STATE_PARAMS, {"c": 3}, version="2.0.0", headers={"If-Match": etag}).status_code == 204
    assert api.put(STATE, STATE_PARAMS, {"d": 4}).status_code == 204  # 1.0.3


@pytest.mark.parametrize("body", [[1, 2], "text", 3])
def test_lrs_state_post_non_object_json_400_without_document(lrs, db, body):
    """POSTing JSON that is not an object is a 400 even when no document exists yet (Communication 2.2)."""
    api = lrs()
    assert api.post(STATE, STATE_PARAMS, json.dumps(body), content_type="application/json").status_code == 400
    assert db.scalar(select(XapiDocument.id)) is None


# --- the version header on every answer ----------------------------------------------------------------------

def test_lrs_response_version_follows_request(app, db, world, lrs):
    """2.0.0 requests are answered with 2.0.0 (errors included), 1.0.x with 1.0.3."""
    api = make_lrs(app, db, world["org_a"], version="2.0.0")
    assert api.post(statement()).headers["X-Experience-API-Version"] == "2.0.0"
    assert api.get().headers["X-Experience-API-Version"] == "2.0.0"
    assert api.get({"nope": "1"}).headers["X-Experience-API-Version"] == "2.0.0"
    missing_auth = api.client.get("/xapi/statements", headers={"X-Experience-API-Version": "2.0.0"})
    assert missing_auth.status_code == 401 and missing_auth.headers["X-Experience-API-Version"] == "2.0.0"
    assert api.client.get("/xapi/about", headers={"X-Experience-API-Version": "2.0.0"}) \
        .headers["X-Experience-API-Version"] == "2.0.0"
    docs = lrs()
    assert docs.get(STATE, STATE_PARAMS, version="2.0.0").headers["X-Experience-API-Version"] == "2.0.0"
    assert docs.get(STATE, STATE_PARAMS, version="1.0.1").headers["X-Experience-API-Version"] == "1.0.3"
    assert api.get(**{"X-Experience-API-Version": "1.0.3"}).headers["X-Experience-API-Version"] == "1.0.3"


def test_lrs_missing_version_header_answered_in_configured_version(app, db, world):
    """Without a (supported) version header the 400 names XAPI_DEFAULT_VERSION: 1.0.3 unless configured."""
    api = make_lrs(app, db, world["org_a"])
    response = api.get(**{"X-Experience-API-Version": None})
    assert response.status_code == 400 and response.headers["X-Experience-API-Version"] == "1.0.3"
    app.config["XAPI_DEFAULT_VERSION"] = "2.0.0"
    response = api.post(statement(), **{"X-Experience-API-Version": "1.0.²"})
    assert response.status_code == 400 and response.headers["X-Experience-API-Version"] == "2.0.0"


# --- authority -------------------------------------------------------------------------------------------------

def test_lrs_authority_home_page_from_base_iri_not_host(app, db, world):
    """The stored authority's account.homePage is BASE_IRI, whatever Host header the client sends."""
    api = make_lrs(app, db, world["org_a"])
    api.client.post("/xapi/statements", data=json.dumps(statement()), content_type="application/json",
                    headers={**api.headers(), "Host": "evil.example"}, csrf=False)
    stored = json.loads(db.scalar(select(Statement.raw)))
    assert stored["authority"]["account"]["homePage"] == "http://lms.test"
