"""The Activity Profile and Agent Profile Resources (Communication 2.6, 2.7) and their concurrency (3.1)."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from lms.lrs.document_models import XapiDocument
from xapi_documents_helpers import ACTIVITY, AGENT, OTHER_ACTIVITY, OTHER_AGENT, lrs  # noqa: F401

ACTIVITY_PROFILE = "activities/profile"
AGENT_PROFILE = "agents/profile"
# Each profile resource with its context parameters and a different context of the same kind.
RESOURCES = [
    pytest.param(ACTIVITY_PROFILE, {"activityId": ACTIVITY}, {"activityId": OTHER_ACTIVITY}, id="activity"),
    pytest.param(AGENT_PROFILE, {"agent": AGENT}, {"agent": OTHER_AGENT}, id="agent"),
]


def with_id(context: dict, profile_id: str | None = "p1", **extra) -> dict:
    """Context parameters plus profileId (omitted when None)."""
    values = dict(context)
    if profile_id is not None:
        values["profileId"] = profile_id
    values.update(extra)
    return values


@pytest.mark.parametrize("path,context,other", RESOURCES)
def test_profile_put_get_roundtrip(lrs, path, context, other):
    """PUT on a new profile answers 204; GET returns the bytes, the type and a quoted SHA-1 ETag."""
    api = lrs()
    assert api.create(path, with_id(context), b"<p/>", content_type="application/xml").status_code == 204
    got = api.get(path, with_id(context))
    assert got.status_code == 200
    assert got.data == b"<p/>" and got.mimetype == "application/xml"
    assert got.headers["ETag"] == f'"{hashlib.sha1(b"<p/>").hexdigest()}"'
    assert got.headers["Last-Modified"]
    assert api.get(path, with_id(other)).status_code == 404


@pytest.mark.parametrize("path,context,other", RESOURCES)
def test_profile_put_existing_without_preconditions_409(lrs, path, context, other):
    """A PUT without If-Match/If-None-Match onto an existing profile is a 409 explaining what to do."""
    api = lrs()
    api.create(path, with_id(context), {"a": 1})
    response = api.put(path, with_id(context), {"b": 2})
    assert response.status_code == 409
    assert "If-Match" in response.get_json()["error"]
    assert api.get(path, with_id(context)).get_json() == {"a": 1}


@pytest.mark.parametrize("path,context,other", RESOURCES)
def test_profile_put_if_match_current_etag_204(lrs, path, context, other):
    """A PUT with the current ETag replaces the profile."""
    api = lrs()
    api.create(path, with_id(context), {"a": 1})
    etag = api.get(path, with_id(context)).headers["ETag"]
    assert api.put(path, with_id(context), {"b": 2}, headers={"If-Match": etag}).status_code == 204
    assert api.get(path, with_id(context)).get_json() == {"b": 2}


@pytest.mark.parametrize("path,context,other", RESOURCES)
def test_profile_put_if_match_stale_etag_412(lrs, path, context, other):
    """A PUT with a stale ETag, a weak ETag or onto a missing profile fails with 412 and changes nothing."""
    api = lrs()
    api.create(path, with_id(context), {"a": 1})
    etag = api.get(path, with_id(context)).headers["ETag"]
    assert api.put(path, with_id(context), {"b": 2}, headers={"If-Match": '"' + "0" * 40 + '"'}).status_code == 412
    assert api.put(path, with_id(context), {"b": 2}, headers={"If-Match": "W/" + etag}).status_code == 412
    assert api.put(path, with_id(context, "missing"), {"b": 2}, headers={"If-Match": "*"}).status_code == 412
    assert api.get(path, with_id(context)).get_json() == {"a": 1}
    assert api.get(path, with_id(context, "missing")).status_code == 404


@pytest.mark.parametrize("path,context,other", RESOURCES)
def test_profile_put_if_none_match_star(lrs, path, context, other):
    """If-None-Match: * creates a new profile but fails with 412 when it exists."""
    api = lrs()
    assert api.put(path, with_id(context), {"a": 1}, headers={"If-None-Match": "*"}).status_code == 204
    assert api.put(path, with_id(context), {"b": 2}, headers={"If-None-Match": "*"}).status_code == 412
    assert api.get(path, with_id(context)).get_json() == {"a": 1}


@pytest.mark.parametrize("path,context,other", RESOURCES)
def test_profile_put_if_match_list_and_star(lrs, path, context, other):
    """If-Match may list several ETags or be '*' for any existing profile (RFC 2616 14.24)."""
    api = lrs()
    api.create(path, with_id(context), {"a": 1})
    etag = api.get(path, with_id(context)).headers["ETag"]
    assert api.put(path, with_id(context), {"b": 2}, headers={"If-Match": f'"abc", {etag}'}).status_code == 204
    assert api.put(path, with_id(context), {"c": 3}, headers={"If-Match": "*"}).status_code == 204
    assert api.get(path, with_id(context)).get_json() == {"c": 3}


@pytest.mark.parametrize("path,context,other", RESOURCES)
def test_profile_post_merges_without_preconditions(lrs, path, context, other):
    """POST needs no precondition header: a JSON object merges into the stored JSON object."""
    api = lrs()
    api.post(path, with_id(context), {"x": "foo", "y": "bar"})
    assert api.post(path, with_id(context), {"x": "bash", "z": "faz"}).status_code == 204
    assert api.get(path, with_id(context)).get_json() == {"x": "bash", "y": "bar", "z": "faz"}


@pytest.mark.parametrize("path,context,other", RESOURCES)
def test_profile_post_merge_non_json_400(lrs, path, context, other):
    """A merge where either document is not an application/json object is a 400 and changes nothing."""
    api = lrs()
    api.create(path, with_id(context), {"a": 1})
    assert api.post(path, with_id(context), b"text", content_type="text/plain").status_code == 400
    assert api.post(path, with_id(context), "[1]", content_type="application/json").status_code == 400
    api.create(path, with_id(context, "txt"), b"text", content_type="text/plain")
    assert api.post(path, with_id(context, "txt"), {"a": 1}).status_code == 400
    assert api.get(path, with_id(context)).get_json() == {"a": 1}
    assert api.get(path, with_id(context, "txt")).data == b"text"


@pytest.mark.parametrize("path,context,other", RESOURCES)
def test_profile_post_preconditions_412(lrs, path, context, other):
    """POST honours If-Match and If-None-Match: * with a 412 when they fail."""
    api = lrs()
    api.create(path, with_id(context), {"a": 1})
    assert api.post(path, with_id(context), {"b": 2}, headers={"If-Match": '"stale"'}).status_code == 412
    assert api.post(path, with_id(context), {"b": 2}, headers={"If-None-Match": "*"}).status_code == 412
    etag = api.get(path, with_id(context)).headers["ETag"]
    assert api.post(path, with_id(context), {"b": 2}, headers={"If-Match": etag}).status_code == 204
    assert api.get(path, with_id(context)).get_json() == {"a": 1, "b": 2}


@pytest.mark.parametrize("path,context,other", RESOURCES)
def test_profile_delete_preconditions(lrs, path, context, other):
    """DELETE with a stale If-Match is a 412; with the current ETag or without headers it deletes (204)."""
    api = lrs()
    api.create(path, with_id(context), {"a": 1})
    api.create(path, with_id(context, "p2"), {"a": 2})
    assert api.delete(path, with_id(context), headers={"If-Match": '"stale"'}).status_code == 412
    etag = api.get(path, with_id(context)).headers["ETag"]
    assert api.delete(path, with_id(context), headers={"If-Match": etag}).status_code == 204
    assert api.get(path, with_id(context)).status_code == 404
    assert api.delete(path, with_id(context, "p2")).status_code == 204
    assert api.get(path, with_id(context, "p2")).status_code == 404


@pytest.mark.parametrize("path,context,other", RESOURCES)
def test_profile_delete_requires_profile_id_400(lrs, path, context, other):
    """The profile resources have no multiple-document DELETE: profileId is required."""
    api = lrs()
    api.create(path, with_id(context), {"a": 1})
    assert api.delete(path, with_id(context, None)).status_code == 400
    assert api.get(path, with_id(context)).status_code == 200


@pytest.mark.parametrize("path,context,other", RESOURCES)
def test_profile_ids_list_and_since(lrs, db, path, context, other):
    """GET without profileId lists the context's ids; since keeps those updated strictly later."""
    api = lrs()
    api.create(path, with_id(context, "old"), {"v": 1})
    api.create(path, with_id(context, "new"), {"v": 2})
    api.create(path, with_id(other, "elsewhere"), {"v": 3})
    base = datetime(2024, 5, 1, tzinfo=timezone.utc)
    db.execute(update(XapiDocument).where(XapiDocument.doc_id == "old").values(updated=base))
    db.execute(update(XapiDocument).where(XapiDocument.doc_id == "new").values(updated=base + timedelta(hours=1)))
    db.commit()
    listed = api.get(path, with_id(context, None))
    assert listed.status_code == 200 and sorted(listed.get_json()) == ["new", "old"]
    assert listed.headers["ETag"] == f'"{hashlib.sha1(listed.data).hexdigest()}"'
    assert listed.headers["Last-Modified"] == "Wed, 01 May 2024 01:00:00 GMT"
    assert api.get(path, with_id(context, None, since="2024-05-01T00:00:00Z")).get_json() == ["new"]
    assert api.get(path, with_id(context, None, since="2024-05-01T01:00:00Z")).get_json() == []


@pytest.mark.parametrize("path,context,other", RESOURCES)
def test_profile_org_isolation(lrs, path, context, other):
    """Organisation B cannot read, list, overwrite or delete organisation A's profiles."""
    api_a, api_b = lrs("org_a"), lrs("org_b")
    api_a.create(path, with_id(context), {"owner": "a"})
    assert api_b.get(path, with_id(context)).status_code == 404
    assert api_b.get(path, with_id(context, None)).get_json() == []
    assert api_b.create(path, with_id(context), {"owner": "b"}).status_code == 204  # a new document for B
    assert api_b.delete(path, with_id(context)).status_code == 204
    assert api_a.get(path, with_id(context)).get_json() == {"owner": "a"}


@pytest.mark.parametrize("path,context,other", RESOURCES)
def test_profile_requires_credentials_and_version(lrs, path, context, other):
    """401 without credentials, 400 without the version header."""
    api = lrs()
    assert api.get(path, with_id(context), auth=False).status_code == 401
    assert api.get(path, with_id(context), version=None).status_code == 400
    assert api.get(path, with_id(context), version="0.95").status_code == 400


@pytest.mark.parametrize("path,context,other", RESOURCES)
def test_profile_unknown_parameter_400(lrs, path, context, other):
    """Parameters of other resources (stateId, registration) or in the wrong case are rejected."""
    api = lrs()
    assert api.get(path, with_id(context, stateId="x")).status_code == 400
    assert api.get(path, with_id(context, registration="8f87ccde-bb56-4c2e-ab83-44982ef22df0")).status_code == 400
    assert api.get(path, {**context, "profileID": "p1"}).status_code == 400


def test_profile_activity_missing_or_invalid_activity_id_400(lrs):
    """The Activity Profile Resource requires activityId as an IRI."""
    api = lrs()
    assert api.get(ACTIVITY_PROFILE, {"profileId": "p1"}).status_code == 400
    assert api.put(ACTIVITY_PROFILE, {"activityId": "no-iri", "profileId": "p1"}, {"a": 1}).status_code == 400


def test_profile_agent_group_or_invalid_agent_400(lrs):
    """The Agent Profile agent parameter must be an Agent: Groups, invalid JSON and missing IFIs are 400s."""
    api = lrs()
    group = {"objectType": "Group", "mbox": "mailto:team@example.com"}
    assert api.put(AGENT_PROFILE, {"agent": group, "profileId": "p1"}, {"a": 1}).status_code == 400
    assert api.get(AGENT_PROFILE, {"agent": "{oops", "profileId": "p1"}).status_code == 400
    assert api.get(AGENT_PROFILE, {"agent": json.dumps({"name": "x"}), "profileId": "p1"}).status_code == 400
    assert api.get(AGENT_PROFILE, {"profileId": "p1"}).status_code == 400


def test_profile_agent_account_identifies_document(lrs):
    """An account Agent is addressed by homePage and name; its display name does not matter."""
    api = lrs()
    agent = {"account": {"homePage": "http://lms.example", "name": "u-1"}, "name": "First"}
    api.create(AGENT_PROFILE, {"agent": agent, "profileId": "p"}, {"a": 1})
    renamed = {"objectType": "Agent", "account": {"homePage": "http://lms.example", "name": "u-1"}, "name": "Other"}
    assert api.get(AGENT_PROFILE, {"agent": renamed, "profileId": "p"}).get_json() == {"a": 1}
