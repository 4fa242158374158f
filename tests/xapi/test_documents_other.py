"""The About, Activities and Agents resources (Communication 2.4, 2.5, 2.8) and the blueprint wiring."""
from __future__ import annotations

import hashlib

from lms.lrs import documents_views
from xapi_documents_helpers import ACTIVITY, AGENT, add_statement, lrs  # noqa: F401

LEA_IFI = "mbox:mailto:lea@example.com"


def test_about_open_without_credentials(client):
    """About needs no credentials and no version header, and lists 1.0.3 and 2.0.0 (Communication 2.8)."""
    response = client.get("/xapi/about")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"version"}
    assert "1.0.3" in body["version"] and "2.0.0" in body["version"]
    assert response.headers["X-Experience-API-Version"] == "1.0.3"


def test_about_ignores_version_header(client):
    """About never rejects a request because of its version header."""
    response = client.get("/xapi/about", headers={"X-Experience-API-Version": "0.9"})
    assert response.status_code == 200


def test_about_unknown_parameter_400(client):
    """About takes no parameters; unknown ones are rejected (Communication 3.2)."""
    assert client.get("/xapi/about?x=1").status_code == 400


def test_activities_unknown_activity_bare_object(lrs):
    """An Activity the LRS knows nothing about is still returned as an Activity object (Communication 2.5)."""
    response = lrs().get("activities", {"activityId": ACTIVITY})
    assert response.status_code == 200
    assert response.get_json() == {"objectType": "Activity", "id": ACTIVITY}
    assert response.headers["ETag"] == f'"{hashlib.sha1(response.data).hexdigest()}"'


def test_activities_merges_definitions_from_statements(lrs, db, world):
    """The definition merges the organisation's statements, newest wins per property and language."""
    org = world["org_a"].id
    add_statement(db, org, AGENT, {"id": ACTIVITY, "definition": {
        "name": {"en-US": "Old", "de": "Kurs"}, "type": "http://adlnet.gov/expapi/activities/course",
        "extensions": {"http://ex.com/a": 1}}}, actor_ifi=LEA_IFI)
    add_statement(db, org, AGENT, {"id": ACTIVITY, "definition": {
        "name": {"en-US": "New"}, "description": {"en-US": "A course"},
        "extensions": {"http://ex.com/b": 2}}}, actor_ifi=LEA_IFI)
    add_statement(db, org, AGENT, {"objectType": "Activity", "id": ACTIVITY}, actor_ifi=LEA_IFI)
    response = lrs().get("activities", {"activityId": ACTIVITY})
    assert response.get_json() == {"objectType": "Activity", "id": ACTIVITY, "definition": {
        "name": {"en-US": "New", "de": "Kurs"}, "description": {"en-US": "A course"},
        "type": "http://adlnet.gov/expapi/activities/course",
        "extensions": {"http://ex.com/a": 1, "http://ex.com/b": 2}}}


def test_activities_definition_from_context_activities(lrs, db, world):
    """Definitions of an Activity used as a context activity count too."""
    add_statement(db, world["org_a"].id, AGENT, {"id": "http://example.com/lesson-1"}, actor_ifi=LEA_IFI,
                  context={"contextActivities": {"parent": [{"id": ACTIVITY, "definition": {"name": {"de": "K"}}}]}})
    body = lrs().get("activities", {"activityId": ACTIVITY}).get_json()
    assert body["definition"] == {"name": {"de": "K"}}


def test_activities_ignores_voided_and_other_orgs(lrs, db, world):
    """Voided statements and other organisations' statements do not shape the definition."""
    add_statement(db, world["org_b"].id, AGENT, {"id": ACTIVITY, "definition": {"name": {"en": "B"}}},
                  actor_ifi=LEA_IFI)
    add_statement(db, world["org_a"].id, AGENT, {"id": ACTIVITY, "definition": {"name": {"en": "void"}}},
                  actor_ifi=LEA_IFI, voided=True)
    assert lrs("org_a").get("activities", {"activityId": ACTIVITY}).get_json() == \
        {"objectType": "Activity", "id": ACTIVITY}
    assert lrs("org_b").get("activities", {"activityId": ACTIVITY}).get_json()["definition"] == {"name": {"en": "B"}}


def test_activities_parameters_invalid_400(lrs):
    """activityId is required, must be an IRI, and nothing else is accepted."""
    api = lrs()
    assert api.get("activities").status_code == 400
    assert api.get("activities", {"activityId": "no iri"}).status_code == 400
    assert api.get("activities", {"activityId": ACTIVITY, "activityid": ACTIVITY}).status_code == 400


def test_activities_requires_credentials_and_version(lrs):
    """The Activities Resource answers 401 without credentials and 400 without the version header."""
    api = lrs()
    assert api.get("activities", {"activityId": ACTIVITY}, auth=False).status_code == 401
    assert api.get("activities", {"activityId": ACTIVITY}, version=None).status_code == 400


def test_activities_head_and_post_not_allowed(lrs):
    """HEAD answers without a body; a plain POST is not a method of the resource (405)."""
    api = lrs()
    head = api.call("HEAD", "activities", {"activityId": ACTIVITY})
    assert head.status_code == 200 and head.data == b"" and head.headers["ETag"]
    assert api.post("activities", {"activityId": ACTIVITY}, {"a": 1}).status_code == 405


def test_agents_unknown_agent_person_of_request(lrs):
    """An unknown Agent still gets a Person object holding just the requested Agent's data (Communication 2.4)."""
    response = lrs().get("agents", {"agent": AGENT})
    assert response.status_code == 200
    assert response.get_json() == {"objectType": "Person", "name": ["Lea"], "mbox": ["mailto:lea@example.com"]}
    assert response.headers["ETag"]


def test_agents_collects_names_from_statements(lrs, db, world):
    """Names the Agent had in the organisation's statements are added; other organisations' are not."""
    add_statement(db, world["org_a"].id, {"mbox": "mailto:lea@example.com", "name": "Lea L."},
                  {"id": ACTIVITY}, actor_ifi=LEA_IFI)
    add_statement(db, world["org_b"].id, {"mbox": "mailto:lea@example.com", "name": "Secret B"},
                  {"id": ACTIVITY}, actor_ifi=LEA_IFI)
    body = lrs().get("agents", {"agent": {"mbox": "mailto:lea@example.com"}}).get_json()
    assert body == {"objectType": "Person", "name": ["Lea L."], "mbox": ["mailto:lea@example.com"]}


def test_agents_account_person(lrs):
    """Account Agents come back as an array of complete account objects."""
    agent = {"account": {"homePage": "http://lms.example", "name": "u-1"}}
    body = lrs().get("agents", {"agent": agent}).get_json()
    assert body == {"objectType": "Person", "account": [{"homePage": "http://lms.example", "name": "u-1"}]}


def test_agents_agent_parameter_invalid_400(lrs):
    """The agent parameter must be valid JSON for an Agent, not a Group, and is required."""
    api = lrs()
    assert api.get("agents").status_code == 400
    assert api.get("agents", {"agent": "{x"}).status_code == 400
    assert api.get("agents", {"agent": {"objectType": "Group", "mbox": "mailto:t@example.com"}}).status_code == 400
    assert api.get("agents", {"agent": {"name": "nobody"}}).status_code == 400


def test_agents_requires_credentials(lrs):
    """The Agents Resource answers 401 without credentials."""
    assert lrs().get("agents", {"agent": AGENT}, auth=False).status_code == 401


def test_documents_init_app_idempotent(app):
    """Calling init_app again does not register the blueprint twice with the app's LMS object."""
    documents_views.init_app(app)
    documents_views.init_app(app)
    assert app.extensions["lms"].blueprints.count(documents_views.bp) == 1
