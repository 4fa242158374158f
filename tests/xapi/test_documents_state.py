"""The State Resource (Communication 2.2, 2.3, 3.1): storage, merge, ids, since, registration, deletes."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import update

from lms.lrs.document_models import XapiDocument
from xapi_documents_helpers import ACTIVITY, AGENT, OTHER_ACTIVITY, OTHER_AGENT, REG_1, REG_2, lrs  # noqa: F401

STATE = "activities/state"


def params(state_id: str | None = "s1", **extra) -> dict:
    """State parameters for the standard activity and agent."""
    values = {"activityId": ACTIVITY, "agent": AGENT}
    if state_id is not None:
        values["stateId"] = state_id
    values.update(extra)
    return values


def test_state_put_get_roundtrip(lrs):
    """PUT answers 204; GET returns 200 with the bytes, Content-Type, quoted SHA-1 ETag and Last-Modified."""
    api = lrs()
    response = api.put(STATE, params(), b"hello \xc3\xa9", content_type="text/plain; charset=utf-8")
    assert response.status_code == 204
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    got = api.get(STATE, params())
    assert got.status_code == 200
    assert got.data == b"hello \xc3\xa9"
    assert got.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert got.headers["ETag"] == f'"{hashlib.sha1(b"hello " + bytes([0xc3, 0xa9])).hexdigest()}"'
    assert got.headers["Last-Modified"]
    assert got.headers["X-Experience-API-Version"] == "1.0.3"
    assert got.headers["Content-Security-Policy"].startswith("sandbox")


def test_state_get_missing_document_404(lrs):
    """A single-document GET for an unknown stateId is a 404 with the version header."""
    response = lrs().get(STATE, params("nope"))
    assert response.status_code == 404
    assert response.headers["X-Experience-API-Version"] == "1.0.3"


def test_state_head_returns_headers_only(lrs):
    """HEAD answers like GET without a body (Communication 1.1)."""
    api = lrs()
    api.put(STATE, params(), {"a": 1})
    response = api.call("HEAD", STATE, params())
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["ETag"] == api.get(STATE, params()).headers["ETag"]


def test_state_put_without_preconditions_overwrites(lrs):
    """The State Resource allows PUT without concurrency headers even when the document exists."""
    api = lrs()
    api.put(STATE, params(), {"a": 1})
    assert api.put(STATE, params(), {"b": 2}).status_code == 204
    assert api.get(STATE, params()).get_json() == {"b": 2}


def test_state_put_if_match_mismatch_412(lrs):
    """A PUT whose If-Match does not match the current ETag is a 412 and changes nothing."""
    api = lrs()
    api.put(STATE, params(), {"a": 1})
    response = api.put(STATE, params(), {"b": 2}, headers={"If-Match": '"' + "1" * 40 + '"'})
    assert response.status_code == 412
    assert api.get(STATE, params()).get_json() == {"a": 1}


def test_state_put_if_match_current_etag_204(lrs):
    """A PUT with the current ETag in If-Match replaces the document."""
    api = lrs()
    api.put(STATE, params(), {"a": 1})
    etag = api.get(STATE, params()).headers["ETag"]
    assert api.put(STATE, params(), {"b": 2}, headers={"If-Match": etag}).status_code == 204
    assert api.get(STATE, params()).get_json() == {"b": 2}


def test_state_put_if_none_match_star_existing_412(lrs):
    """If-None-Match: * fails with 412 when the document exists and succeeds when it does not."""
    api = lrs()
    assert api.put(STATE, params(), {"a": 1}, headers={"If-None-Match": "*"}).status_code == 204
    assert api.put(STATE, params(), {"b": 2}, headers={"If-None-Match": "*"}).status_code == 412
    assert api.get(STATE, params()).get_json() == {"a": 1}


def test_state_post_merges_json_objects(lrs):
    """POSTing a JSON object onto a JSON object document merges top-level properties (spec example)."""
    api = lrs()
    api.put(STATE, params(), {"x": "foo", "y": "bar"})
    assert api.post(STATE, params(), {"x": "bash", "z": "faz"}).status_code == 204
    assert api.get(STATE, params()).get_json() == {"x": "bash", "y": "bar", "z": "faz"}


def test_state_post_merge_replaces_nested_objects(lrs):
    """Only top-level properties merge: a posted nested object replaces the stored one entirely."""
    api = lrs()
    api.put(STATE, params(), {"n": {"a": 1, "b": 2}, "k": 1})
    api.post(STATE, params(), {"n": {"c": 3}})
    assert api.get(STATE, params()).get_json() == {"n": {"c": 3}, "k": 1}


def test_state_post_new_document_is_stored(lrs):
    """A POST for a document that does not exist stores it as given, whatever its type."""
    api = lrs()
    assert api.post(STATE, params(), b"plain", content_type="text/plain").status_code == 204
    got = api.get(STATE, params())
    assert got.data == b"plain" and got.mimetype == "text/plain"


def test_state_post_onto_non_json_document_400(lrs):
    """POSTing JSON onto a stored non-JSON document is a 400 and the document stays unchanged."""
    api = lrs()
    api.put(STATE, params(), b"plain", content_type="text/plain")
    assert api.post(STATE, params(), {"a": 1}).status_code == 400
    assert api.get(STATE, params()).data == b"plain"


def test_state_post_non_json_onto_json_document_400(lrs):
    """POSTing a non-JSON document onto a JSON document is a 400 and the document stays unchanged."""
    api = lrs()
    api.put(STATE, params(), {"a": 1})
    assert api.post(STATE, params(), b"plain", content_type="text/plain").status_code == 400
    assert api.get(STATE, params()).get_json() == {"a": 1}


def test_state_post_json_array_onto_object_400(lrs):
    """A posted JSON value that is not an object cannot be merged: 400, nothing changes."""
    api = lrs()
    api.put(STATE, params(), {"a": 1})
    assert api.post(STATE, params(), [1, 2]).status_code == 400
    assert api.get(STATE, params()).get_json() == {"a": 1}


def test_state_post_if_match_mismatch_412(lrs):
    """POST honours If-Match too: a stale ETag is a 412 and nothing merges."""
    api = lrs()
    api.put(STATE, params(), {"a": 1})
    assert api.post(STATE, params(), {"b": 2}, headers={"If-Match": '"stale"'}).status_code == 412
    assert api.get(STATE, params()).get_json() == {"a": 1}


def test_state_put_invalid_json_body_400(lrs):
    """A document declared application/json that is not JSON is a 400 (Communication 3.2)."""
    assert lrs().put(STATE, params(), b"{not json", content_type="application/json").status_code == 400


def test_state_registration_scopes_single_documents(lrs):
    """A state stored with a registration is a different document from one without or with another registration."""
    api = lrs()
    api.put(STATE, params(registration=REG_1), {"r": 1})
    assert api.get(STATE, params()).status_code == 404
    assert api.get(STATE, params(registration=REG_2)).status_code == 404
    assert api.get(STATE, params(registration=REG_1.upper())).get_json() == {"r": 1}


def test_state_ids_list_by_context(lrs):
    """GET without stateId returns the array of ids; a registration narrows it, without one all registrations count."""
    api = lrs()
    api.put(STATE, params("a"), {"v": 1})
    api.put(STATE, params("b", registration=REG_1), {"v": 2})
    api.put(STATE, params("a", registration=REG_1), {"v": 3})
    api.put(STATE, {"activityId": OTHER_ACTIVITY, "agent": AGENT, "stateId": "c"}, {"v": 4})
    api.put(STATE, {"activityId": ACTIVITY, "agent": OTHER_AGENT, "stateId": "d"}, {"v": 5})
    response = api.get(STATE, params(None))
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert sorted(response.get_json()) == ["a", "b"]
    assert sorted(api.get(STATE, params(None, registration=REG_1)).get_json()) == ["a", "b"]
    assert api.get(STATE, params(None, registration=REG_2)).get_json() == []


def test_state_ids_list_headers(lrs):
    """The id list carries a quoted SHA-1 ETag of the body and Last-Modified of the newest document."""
    api = lrs()
    api.put(STATE, params("a"), {"v": 1})
    response = api.get(STATE, params(None))
    assert response.headers["ETag"] == f'"{hashlib.sha1(response.data).hexdigest()}"'
    assert response.headers["Last-Modified"]


def test_state_ids_since_filter_is_exclusive(lrs, db):
    """since limits the ids to documents updated strictly after the timestamp."""
    api = lrs()
    for state_id in ("old", "edge", "new"):
        api.put(STATE, params(state_id), {"v": state_id})
    base = datetime(2024, 1, 1, 12, 0, tzinfo=timezone.utc)
    for state_id, offset in (("old", -60), ("edge", 0), ("new", 60)):
        db.execute(update(XapiDocument).where(XapiDocument.doc_id == state_id)
                   .values(updated=base + timedelta(seconds=offset)))
    db.commit()
    assert api.get(STATE, params(None, since="2024-01-01T12:00:00Z")).get_json() == ["new"]
    assert sorted(api.get(STATE, params(None, since="2024-01-01T13:59:00+02:00")).get_json()) == ["edge", "new"]


def test_state_ids_since_with_state_id_400(lrs):
    """since belongs to the multiple-document GET; with stateId it is rejected."""
    assert lrs().get(STATE, params(since="2024-01-01T00:00:00Z")).status_code == 400


def test_state_delete_single_document(lrs):
    """DELETE with stateId removes only that document and answers 204."""
    api = lrs()
    api.put(STATE, params("a"), {"v": 1})
    api.put(STATE, params("b"), {"v": 2})
    assert api.delete(STATE, params("a")).status_code == 204
    assert api.get(STATE, params("a")).status_code == 404
    assert api.get(STATE, params("b")).status_code == 200


def test_state_delete_without_state_id_deletes_context(lrs):
    """DELETE without stateId deletes every state of the Activity and Agent, in all registrations, nothing else."""
    api = lrs()
    api.put(STATE, params("a"), {"v": 1})
    api.put(STATE, params("b", registration=REG_1), {"v": 2})
    api.put(STATE, {"activityId": OTHER_ACTIVITY, "agent": AGENT, "stateId": "c"}, {"v": 3})
    api.put(STATE, {"activityId": ACTIVITY, "agent": OTHER_AGENT, "stateId": "d"}, {"v": 4})
    assert api.delete(STATE, params(None)).status_code == 204
    assert api.get(STATE, params(None)).get_json() == []
    assert api.get(STATE, {"activityId": OTHER_ACTIVITY, "agent": AGENT, "stateId": "c"}).status_code == 200
    assert api.get(STATE, {"activityId": ACTIVITY, "agent": OTHER_AGENT, "stateId": "d"}).status_code == 200


def test_state_delete_with_registration_only_that_registration(lrs):
    """DELETE without stateId but with a registration deletes only that registration's states."""
    api = lrs()
    api.put(STATE, params("a"), {"v": 1})
    api.put(STATE, params("b", registration=REG_1), {"v": 2})
    assert api.delete(STATE, params(None, registration=REG_1)).status_code == 204
    assert api.get(STATE, params(None)).get_json() == ["a"]


def test_state_agent_mbox_domain_case_is_same_agent(lrs):
    """The e-mail domain is case-insensitive, so both spellings address the same state."""
    api = lrs()
    api.put(STATE, params(), {"v": 1})
    other = {"mbox": "mailto:lea@EXAMPLE.com"}
    assert api.get(STATE, {"activityId": ACTIVITY, "agent": other, "stateId": "s1"}).get_json() == {"v": 1}


def test_state_agent_param_invalid_400(lrs):
    """The agent parameter must be JSON, an Agent (not a Group) with exactly one IFI."""
    api = lrs()
    group = {"objectType": "Group", "mbox": "mailto:team@example.com"}
    for agent in ("{not json", json.dumps({"name": "no ifi"}), json.dumps(group),
                  json.dumps({"mbox": "mailto:a@b.c", "openid": "http://x.example/a"})):
        response = api.get(STATE, {"activityId": ACTIVITY, "agent": agent, "stateId": "s1"})
        assert response.status_code == 400, agent


def test_state_parameters_invalid_400(lrs):
    """Missing or malformed activityId, registration, since and stateId are 400s."""
    api = lrs()
    assert api.get(STATE, {"agent": AGENT, "stateId": "s1"}).status_code == 400
    assert api.get(STATE, params(activityId="not an iri")).status_code == 400
    assert api.get(STATE, params(registration="not-a-uuid")).status_code == 400
    assert api.get(STATE, params(None, since="yesterday")).status_code == 400
    assert api.put(STATE, params(None), {"a": 1}).status_code == 400
    assert api.get(STATE, params("")).status_code == 400
    assert api.put(STATE, params("x" * 256), {"a": 1}).status_code == 400
    assert api.post(STATE, params(None), {"a": 1}).status_code == 400


def test_state_parameters_unknown_or_miscased_400(lrs):
    """Unknown parameters and parameters that differ only in case are rejected (Communication 3.2)."""
    api = lrs()
    assert api.get(STATE, params(foo="bar")).status_code == 400
    miscased = {"activityId": ACTIVITY, "agent": AGENT, "StateId": "s1"}
    response = api.get(STATE, miscased)
    assert response.status_code == 400
    assert "stateId" in response.get_json()["error"]


def test_state_requires_credentials_401(lrs):
    """Without (or with wrong) Basic credentials the State Resource answers 401."""
    api = lrs()
    assert api.get(STATE, params(), auth=False).status_code == 401
    assert api.get(STATE, params(), headers={"Authorization": "Basic Zm9vOmJhcg=="}).status_code == 401


def test_state_requires_version_header_400(lrs):
    """A request without the X-Experience-API-Version header is a 400."""
    assert lrs().put(STATE, params(), {"a": 1}, version=None).status_code == 400


def test_state_read_scope_cannot_write_403(lrs):
    """A read-only credential may GET but not PUT or DELETE."""
    api = lrs(scope="read")
    assert api.get(STATE, params(None)).status_code == 200
    assert api.put(STATE, params(), {"a": 1}).status_code == 403
    assert api.delete(STATE, params(None)).status_code == 403


def test_state_body_over_limit_413(app, lrs):
    """A document larger than XAPI_MAX_BODY is a 413 and is not stored."""
    app.config["XAPI_MAX_BODY"] = 100
    api = lrs()
    assert api.put(STATE, params(), b"x" * 101, content_type="text/plain").status_code == 413
    assert api.get(STATE, params()).status_code == 404
    assert api.put(STATE, params(), b"x" * 100, content_type="text/plain").status_code == 204


def test_state_org_isolation(lrs):
    """Organisation B never sees, lists, merges into or deletes organisation A's states."""
    api_a, api_b = lrs("org_a"), lrs("org_b")
    api_a.put(STATE, params(), {"secret": "a"})
    assert api_b.get(STATE, params()).status_code == 404
    assert api_b.get(STATE, params(None)).get_json() == []
    api_b.post(STATE, params(), {"b": 1})
    assert api_b.get(STATE, params()).get_json() == {"b": 1}
    assert api_b.delete(STATE, params(None)).status_code == 204
    assert api_a.get(STATE, params()).get_json() == {"secret": "a"}


def test_state_alternate_request_syntax_put_and_get(lrs):
    """POST ?method=PUT / ?method=GET with form fields works like the plain requests (Communication 1.3)."""
    api = lrs()
    form = {"activityId": ACTIVITY, "agent": json.dumps(AGENT), "stateId": "alt", "Authorization": api.auth,
            "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json", "content": '{"a": 1}'}
    response = api.client.post("/xapi/activities/state?method=PUT", data=form, csrf=False,
                               content_type="application/x-www-form-urlencoded")
    assert response.status_code == 204
    del form["content"], form["Content-Type"]
    got = api.client.post("/xapi/activities/state?method=GET", data=form, csrf=False,
                          content_type="application/x-www-form-urlencoded")
    assert got.status_code == 200 and got.get_json() == {"a": 1}
