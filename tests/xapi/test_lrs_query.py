"""LRS GET /xapi/statements: every filter, StatementRef matching, ordering, `more` paging and formats."""
from __future__ import annotations

import base64
import json
import time
import uuid
from urllib.parse import urlencode

import pytest

from lms.lrs.lrs_auth import create_credential

VERB = "http://adlnet.gov/expapi/verbs/experienced"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
ACT = "http://example.com/activities/"
LEA = {"objectType": "Agent", "mbox": "mailto:lea@example.com"}
BEN = {"objectType": "Agent", "mbox": "mailto:ben@example.com"}


def statement(actor=None, verb=VERB, activity="one", **overrides) -> dict:
    """A valid statement for actor/verb/activity; keyword arguments replace top-level properties."""
    data = {"actor": actor or LEA, "verb": {"id": verb, "display": {"en-US": "did", "de-DE": "tat"}},
            "object": {"objectType": "Activity", "id": ACT + activity,
                       "definition": {"name": {"en-US": "One", "en-GB": "One (GB)", "de-DE": "Eins"}}}}
    data.update(overrides)
    return data


class LRS:
    """A test client bound to one LRS credential."""

    def __init__(self, client, key: str, secret: str):
        self.client = client
        self.base = {"Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode(),
                     "X-Experience-API-Version": "1.0.3"}

    def post(self, body) -> list[str]:
        """POST statements and return their ids."""
        response = self.client.post("/xapi/statements", data=json.dumps(body), content_type="application/json",
                                    headers=self.base, csrf=False)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def get(self, params: dict | None = None, **headers):
        """GET /xapi/statements with query parameters (dicts are sent as JSON)."""
        params = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in (params or {}).items()}
        return self.client.get("/xapi/statements?" + urlencode(params), headers={**self.base, **headers})

    def ids(self, params: dict | None = None) -> list[str]:
        """Ids of the statements a query returns (first page)."""
        response = self.get(params)
        assert response.status_code == 200, response.get_data(as_text=True)
        return [s["id"] for s in response.get_json()["statements"]]


@pytest.fixture
def lrs(app, db, world):
    """A read/write LRS client of organisation A."""
    credential, secret = create_credential(db, world["org_a"].id, "client")
    db.commit()
    return LRS(app.test_client(), credential.key, secret)


def test_lrs_query_no_filter_newest_first(lrs):
    """Without filters all statements come back, most recently stored first."""
    ids = lrs.post([statement(), statement()]) + lrs.post(statement())
    assert lrs.ids() == list(reversed(ids))


def test_lrs_query_empty_result_200(lrs):
    """A query without matches answers 200 with an empty statements array and an empty more."""
    body = lrs.get({"verb": "http://example.com/none"}).get_json()
    assert body == {"statements": [], "more": ""}


def test_lrs_query_agent_filter_actor_and_object(lrs):
    """agent matches the actor or an Agent object, not other mentions."""
    mine = lrs.post(statement())[0]
    about_me = lrs.post(statement(actor=BEN, object=dict(LEA)))[0]
    lrs.post(statement(actor=BEN, context={"instructor": LEA}))
    assert set(lrs.ids({"agent": {"mbox": "mailto:lea@example.com"}})) == {mine, about_me}


def test_lrs_query_agent_filter_group_member(lrs):
    """A Group actor whose member is the agent matches the agent filter."""
    group = {"objectType": "Group", "name": "Team", "member": [LEA, BEN]}
    sid = lrs.post(statement(actor=group))[0]
    assert lrs.ids({"agent": BEN}) == [sid]


def test_lrs_query_agent_filter_invalid_400(lrs):
    """An agent parameter that is not an Agent JSON with one IFI is a 400."""
    assert lrs.get({"agent": "mailto:lea@example.com"}).status_code == 400
    assert lrs.get({"agent": {"name": "no ifi"}}).status_code == 400


def test_lrs_query_related_agents_filter(lrs):
    """related_agents widens agent to authority, instructor, team and SubStatement agents."""
    teacher = {"objectType": "Agent", "mbox": "mailto:teach@example.com"}
    as_instructor = lrs.post(statement(actor=BEN, context={"instructor": teacher}))[0]
    sub = {"objectType": "SubStatement", "actor": teacher, "verb": {"id": VERB},
           "object": {"objectType": "Activity", "id": ACT + "sub"}}
    in_sub = lrs.post(statement(actor=BEN, object=sub))[0]
    assert lrs.ids({"agent": teacher}) == []
    assert set(lrs.ids({"agent": teacher, "related_agents": "true"})) == {as_instructor, in_sub}


def test_lrs_query_verb_filter(lrs):
    """verb returns only statements with that verb id."""
    passed = lrs.post(statement(verb=PASSED))[0]
    lrs.post(statement())
    assert lrs.ids({"verb": PASSED}) == [passed]


def test_lrs_query_agent_and_verb_filter(lrs):
    """agent and verb combine with AND."""
    hit = lrs.post(statement(verb=PASSED))[0]
    lrs.post([statement(), statement(actor=BEN, verb=PASSED)])
    assert lrs.ids({"agent": LEA, "verb": PASSED}) == [hit]


def test_lrs_query_activity_filter(lrs):
    """activity matches the object only unless related_activities is true."""
    direct = lrs.post(statement(activity="target"))[0]
    parent = lrs.post(statement(activity="other", context={"contextActivities": {"parent": {"id": ACT + "target"}}}))[0]
    assert lrs.ids({"activity": ACT + "target"}) == [direct]
    assert set(lrs.ids({"activity": ACT + "target", "related_activities": "true"})) == {direct, parent}


def test_lrs_query_related_activities_substatement(lrs):
    """related_activities also matches a SubStatement's activity."""
    sub = {"objectType": "SubStatement", "actor": BEN, "verb": {"id": VERB},
           "object": {"objectType": "Activity", "id": ACT + "deep"}}
    sid = lrs.post(statement(object=sub))[0]
    assert lrs.ids({"activity": ACT + "deep", "related_activities": "true"}) == [sid]


def test_lrs_query_registration_filter(lrs):
    """registration returns statements with that context registration (case-insensitive UUID)."""
    registration = str(uuid.uuid4())
    hit = lrs.post(statement(context={"registration": registration}))[0]
    lrs.post(statement(context={"registration": str(uuid.uuid4())}))
    assert lrs.ids({"registration": registration.upper()}) == [hit]
    assert lrs.get({"registration": "nope"}).status_code == 400


def test_lrs_query_since_until_filters(lrs):
    """since is exclusive, until inclusive, both on the stored time."""
    first = lrs.post(statement())[0]
    stored = lrs.get({"statementId": first}).get_json()["stored"]
    time.sleep(0.01)
    second = lrs.post(statement())[0]
    assert lrs.ids({"since": stored}) == [second]
    assert lrs.ids({"until": stored}) == [first]
    assert lrs.get({"since": "yesterday"}).status_code == 400


@pytest.mark.parametrize("budget", [1, 20_000])
def test_lrs_query_time_window_same_answer_by_either_index(lrs, monkeypatch, budget):
    """A since/until window read by stored time (budget 1) or by a seq walk gives the same pages in order."""
    monkeypatch.setattr("lms.lrs.query.WINDOW_BUDGET", budget)
    ids = [lrs.post(statement())[0] for _ in range(3)]
    window = {"since": "2000-01-01T00:00:00Z", "until": "2999-01-01T00:00:00Z"}
    assert lrs.ids(window) == ids[::-1]
    assert lrs.ids({**window, "ascending": "true"}) == ids
    first = lrs.get({**window, "limit": 2}).get_json()
    more = first["more"]
    second = lrs.client.get(more[more.index("/xapi/"):], headers=lrs.base).get_json()
    assert [s["id"] for s in first["statements"] + second["statements"]] == ids[::-1]


def test_lrs_query_ascending_order(lrs):
    """ascending=true returns the oldest statement first."""
    ids = lrs.post([statement(), statement(), statement()])
    assert lrs.ids({"ascending": "true"}) == ids
    assert lrs.get({"ascending": "yes"}).status_code == 400


def test_lrs_query_limit_and_more_paging(lrs):
    """limit pages the result; following more URLs returns every statement once, in order."""
    ids = lrs.post([statement() for _ in range(7)])
    seen, url = [], None
    first = lrs.get({"limit": 3}).get_json()
    seen += [s["id"] for s in first["statements"]]
    url = first["more"]
    while url:
        assert url.startswith("/xapi/statements?")
        page = lrs.client.get(url, headers=lrs.base).get_json()
        seen += [s["id"] for s in page["statements"]]
        url = page["more"]
    assert seen == list(reversed(ids))


def test_lrs_query_more_stable_when_new_statements_arrive(lrs):
    """Statements stored after the first page do not shift later pages."""
    ids = lrs.post([statement() for _ in range(4)])
    page = lrs.get({"limit": 2, "ascending": "true"}).get_json()
    lrs.post(statement())
    rest = lrs.client.get(page["more"], headers=lrs.base).get_json()
    assert [s["id"] for s in page["statements"] + rest["statements"]] == ids
    assert rest["more"] == ""


def test_lrs_query_more_keeps_filters_and_rejects_tampering(lrs):
    """The more URL keeps the filters; a forged token or extra parameter is a 400."""
    lrs.post([statement(verb=PASSED) for _ in range(3)] + [statement()])
    page = lrs.get({"verb": PASSED, "limit": 2}).get_json()
    rest = lrs.client.get(page["more"], headers=lrs.base).get_json()
    assert len(rest["statements"]) == 1 and rest["statements"][0]["verb"]["id"] == PASSED
    assert lrs.get({"more": "forged"}).status_code == 400
    assert lrs.client.get(page["more"] + "&limit=1", headers=lrs.base).status_code == 400


def test_lrs_query_more_token_bound_to_org(app, db, world, lrs):
    """A more token issued to organisation A is refused for organisation B."""
    lrs.post([statement(), statement()])
    token = lrs.get({"limit": 1}).get_json()["more"]
    credential, secret = create_credential(db, world["org_b"].id, "b")
    db.commit()
    other = LRS(app.test_client(), credential.key, secret)
    assert other.client.get(token, headers=other.base).status_code == 400


def test_lrs_query_limit_zero_means_server_max(app, lrs):
    """limit=0 returns up to the server maximum."""
    app.config["XAPI_MAX_LIMIT"] = 3
    lrs.post([statement() for _ in range(5)])
    body = lrs.get({"limit": 0}).get_json()
    assert len(body["statements"]) == 3 and body["more"]
    assert lrs.get({"limit": -1}).status_code == 400


def test_lrs_query_statement_ref_targets_match(lrs):
    """A statement referring to a matching statement matches the filter too (recursively)."""
    base = lrs.post(statement(verb=PASSED))[0]
    ref = lrs.post(statement(actor=BEN, object={"objectType": "StatementRef", "id": base}))[0]
    ref2 = lrs.post(statement(actor=BEN, object={"objectType": "StatementRef", "id": ref}))[0]
    lrs.post(statement(actor=BEN))
    assert lrs.ids({"verb": PASSED}) == [ref2, ref, base]
    assert lrs.ids({"agent": LEA}) == [ref2, ref, base]


def test_lrs_query_voided_target_returns_referrers_only(lrs):
    """A voided statement is hidden but statements targeting it (the voiding one too) still match."""
    target = lrs.post(statement(verb=PASSED))[0]
    voiding = lrs.post(statement(verb=VOIDED, object={"objectType": "StatementRef", "id": target}))[0]
    ref = lrs.post(statement(verb=PASSED, object={"objectType": "StatementRef", "id": target}))[0]
    assert lrs.ids({"verb": PASSED}) == [ref, voiding]
    assert lrs.ids({"verb": PASSED, "limit": 1}) == [ref]


def test_lrs_query_statement_ref_time_bounds_apply_to_referrer(lrs):
    """since/until are applied to the referring statement, not to its target."""
    target = lrs.post(statement(verb=PASSED))[0]
    stored = lrs.get({"statementId": target}).get_json()["stored"]
    time.sleep(0.01)
    ref = lrs.post(statement(actor=BEN, object={"objectType": "StatementRef", "id": target}))[0]
    assert lrs.ids({"verb": PASSED, "since": stored}) == [ref]
    assert lrs.ids({"verb": PASSED, "until": stored}) == [target]


def test_lrs_format_ids(lrs):
    """format=ids reduces agents, verbs and activities to their identifiers."""
    sid = lrs.post(statement(actor=dict(LEA, name="Lea")))[0]
    got = lrs.get({"statementId": sid, "format": "ids"}).get_json()
    assert got["actor"] == LEA and got["verb"] == {"id": VERB}
    assert got["object"] == {"id": ACT + "one"}


def test_lrs_format_exact_returns_as_stored(lrs):
    """format=exact (the default) returns the statement as received plus LRS properties."""
    sent = statement(actor=dict(LEA, name="Lea"))
    sid = lrs.post(sent)[0]
    got = lrs.get({"statementId": sid}).get_json()
    for key in ("actor", "verb", "object"):
        assert got[key] == sent[key]
    listed = lrs.get({"format": "exact"}).get_json()["statements"][0]
    assert listed == got


def test_lrs_format_canonical_one_language(lrs):
    """format=canonical keeps one language per map, chosen by Accept-Language."""
    sid = lrs.post(statement())[0]
    got = lrs.get({"statementId": sid, "format": "canonical"}, **{"Accept-Language": "en-GB"}).get_json()
    assert got["object"]["definition"]["name"] == {"en-GB": "One (GB)"}
    assert list(got["verb"]["display"]) == ["en-US"]
    plain = lrs.get({"statementId": sid}, **{"Accept-Language": "en-GB"}).get_json()
    assert len(plain["object"]["definition"]["name"]) == 3


def test_lrs_format_invalid_400(lrs):
    """An unknown format value is a 400."""
    assert lrs.get({"format": "full"}).status_code == 400


def test_lrs_format_context_activities_always_arrays(lrs):
    """A single context activity object is returned as an array."""
    sid = lrs.post(statement(context={"contextActivities": {"parent": {"id": ACT + "p"}}}))[0]
    got = lrs.get({"statementId": sid}).get_json()
    assert got["context"]["contextActivities"]["parent"] == [{"id": ACT + "p"}]
