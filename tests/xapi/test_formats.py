"""Tests for statement formats (ids/exact/canonical), Accept-Language handling and agent helpers."""
from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import malformed_cases as mc  # noqa: E402

from lms.lrs.agents import agent_ifi, group_member_ifis, person_object  # noqa: E402
from lms.lrs.formats import format_statement, parse_accept_language, pick_language  # noqa: E402
from lms.lrs.validation import StatementError, validate_statement  # noqa: E402

EX = mc.EX


def _stmt() -> dict:
    stmt = copy.deepcopy(mc.FULL)
    stmt["verb"]["display"] = {"en-US": "answered", "en-GB": "answered (GB)", "de": "beantwortet"}
    stmt["context"]["contextActivities"]["parent"] = {
        "id": f"{EX}/activities/quiz",
        "definition": {"name": {"fr": "quiz", "de": "Quiz"}, "description": {"fr": "un quiz"}}}
    stmt["context"]["instructor"] = copy.deepcopy(mc.ID_GROUP)
    stmt["attachments"][0]["display"] = {"en-US": "A test attachment", "de": "Ein Anhang"}
    return stmt


# --- Accept-Language ------------------------------------------------------------------------

@pytest.mark.parametrize("header, expected", [
    ("da, en-gb;q=0.8, en;q=0.7", ["da", "en-gb", "en"]),
    ("en;q=0.7, de;q=0.9, fr", ["fr", "de", "en"]),
    ("en;q=0.5, de;q=0.5", ["en", "de"]),
    ("en;q=0, de", ["de"]),
    ("en;q=abc, de;q=1.5, fr;q=1", ["fr"]),
    ("*;q=0.1, es", ["es", "*"]),
    ("  en-US  ,  , ;q=1, ??", ["en-US"]),
    ("", []),
    (None, []),
])
def test_parse_accept_language(header, expected) -> None:
    assert parse_accept_language(header) == expected


MAP = {"en-US": "a", "en-GB": "b", "de": "c"}


@pytest.mark.parametrize("lang_map, languages, expected", [
    (MAP, ["de"], "de"),
    (MAP, ["EN-gb"], "en-GB"),
    (MAP, ["en"], "en-US"),
    ({"en": "d", "de": "c"}, ["en-AU"], "en"),
    (MAP, ["fr", "de"], "de"),
    (MAP, ["*"], "en-US"),
    (MAP, ["ja"], "en-US"),
    (MAP, [], "en-US"),
])
def test_pick_language(lang_map, languages, expected) -> None:
    assert pick_language(lang_map, languages) == expected


def test_pick_language_empty_map() -> None:
    assert pick_language({}, ["en"]) is None


# --- exact ----------------------------------------------------------------------------------

def test_exact_is_a_deep_copy_with_context_activities_as_arrays() -> None:
    stmt = _stmt()
    before = copy.deepcopy(stmt)
    out = format_statement(stmt, "exact", [])
    assert stmt == before, "input must not be mutated"
    assert out["context"]["contextActivities"]["parent"] == [before["context"]["contextActivities"]["parent"]]
    out["context"]["contextActivities"]["parent"] = before["context"]["contextActivities"]["parent"]
    assert out == before
    out["actor"]["name"] = "changed"
    assert stmt["actor"]["name"] == "Ada"


def test_exact_normalizes_substatement_context_activities() -> None:
    out = format_statement(mc.SUBSTATEMENT, "exact", [])
    assert isinstance(out["object"]["context"]["contextActivities"]["parent"], list)


def test_unknown_format_is_rejected() -> None:
    with pytest.raises(StatementError, match="format"):
        format_statement(_stmt(), "full", [])


# --- ids --------------------------------------------------------------------------------------

def test_ids_reduces_agents_verbs_and_activities() -> None:
    stmt = _stmt()
    out = format_statement(stmt, "ids", ["de"])
    assert out["actor"] == {"objectType": "Agent", "mbox": "mailto:ada@example.com"}
    assert out["verb"] == {"id": stmt["verb"]["id"]}
    assert out["object"] == {"id": stmt["object"]["id"]}
    assert out["authority"] == stmt["authority"]
    ctx = out["context"]
    assert ctx["instructor"] == {"objectType": "Group", "account": mc.ID_GROUP["account"]}
    assert ctx["team"] == {"objectType": "Group", "member": [
        {"mbox": "mailto:bob@example.com"}, {"openid": "http://openid.example.org/carol"}]}
    assert ctx["contextActivities"]["parent"] == [{"id": f"{EX}/activities/quiz"}]
    assert ctx["contextActivities"]["grouping"] == [{"id": f"{EX}/activities/course"}]
    assert ctx["statement"] == stmt["context"]["statement"]
    assert out["result"] == stmt["result"]
    assert out["attachments"] == stmt["attachments"]
    validate_statement(out)


def test_ids_handles_substatements_and_agent_objects() -> None:
    out = format_statement(mc.SUBSTATEMENT, "ids", [])
    sub = out["object"]
    assert sub["objectType"] == "SubStatement"
    assert sub["actor"] == {"objectType": "Agent", "mbox": "mailto:ada@example.com"}
    assert sub["verb"] == {"id": f"{EX}/verbs/visited"}
    assert sub["object"] == {"id": f"{EX}/website"}
    assert sub["context"]["instructor"] == {"objectType": "Group", "account": mc.ID_GROUP["account"]}
    agent_out = format_statement(mc.AGENT_OBJECT, "ids", [])
    assert agent_out["object"] == {"objectType": "Agent", "mbox": "mailto:ada@example.com"}
    ref_out = format_statement(mc.STATEMENT_REF, "ids", [])
    assert ref_out["object"] == mc.STATEMENT_REF["object"]


def test_ids_reduces_2_0_context_agents() -> None:
    out = format_statement(mc.CONTEXT_AGENTS, "ids", [])
    assert out["context"]["contextAgents"][0]["agent"] == {"mbox": "mailto:coach@example.com"}
    assert out["context"]["contextGroups"][0]["group"]["member"][0] == {"mbox": "mailto:bob@example.com"}
    assert "name" not in out["context"]["contextGroups"][0]["group"]
    validate_statement(out, "2.0.0")


# --- canonical --------------------------------------------------------------------------------

def test_canonical_keeps_one_language_per_map() -> None:
    stmt = _stmt()
    out = format_statement(stmt, "canonical", ["de", "en"])
    assert out["verb"]["display"] == {"de": "beantwortet"}
    definition = out["object"]["definition"]
    assert definition["name"] == {"de-DE": "Frage 1"}
    assert definition["description"] == {"en-US": "The first question"}
    assert all(len(c["description"]) == 1 for c in definition["choices"])
    parent = out["context"]["contextActivities"]["parent"][0]
    assert parent["definition"] == {"name": {"de": "Quiz"}, "description": {"fr": "un quiz"}}
    assert out["attachments"][0]["display"] == {"de": "Ein Anhang"}
    assert out["actor"] == stmt["actor"], "agents are returned as in exact"
    assert out["context"]["instructor"] == stmt["context"]["instructor"]
    assert out["object"]["definition"]["extensions"] == stmt["object"]["definition"]["extensions"]
    validate_statement(out)


def test_canonical_without_languages_picks_first_entry() -> None:
    out = format_statement(_stmt(), "canonical", [])
    assert out["verb"]["display"] == {"en-US": "answered"}


def test_canonical_uses_lrs_definitions() -> None:
    stmt = _stmt()
    canonical = {"name": {"en-US": "Question One (canonical)", "de": "Frage Eins"}, "type": f"{EX}/types/q"}
    out = format_statement(stmt, "canonical", ["en"], definitions={stmt["object"]["id"]: canonical})
    assert out["object"]["definition"] == {"name": {"en-US": "Question One (canonical)"}, "type": f"{EX}/types/q"}
    assert canonical["name"]["de"] == "Frage Eins", "definitions are not mutated"


def test_canonical_reduces_substatement_maps() -> None:
    out = format_statement(mc.SUBSTATEMENT, "canonical", ["de"])
    assert out["object"]["verb"]["display"] == {"en-US": "will visit"}
    assert out["object"]["object"]["definition"]["name"] == {"en-US": "Some Awesome Website"}


# --- agents -----------------------------------------------------------------------------------

@pytest.mark.parametrize("agent, key", [
    ({"mbox": "mailto:Ada.Lovelace@Example.COM"}, "mbox:mailto:Ada.Lovelace@example.com"),
    ({"objectType": "Agent", "name": "x", "mbox_sha1sum": "CD9B00A5611F94EAA7B1661EDAB976068E364975"},
     "mbox_sha1sum:cd9b00a5611f94eaa7b1661edab976068e364975"),
    ({"openid": "http://openid.example.org/12345"}, "openid:http://openid.example.org/12345"),
    ({"account": {"name": "a|b", "homePage": "http://www.example.com"}}, "account:http://www.example.com|a|b"),
    (mc.ID_GROUP, "account:http://lms.example.com|class-1"),
])
def test_agent_ifi(agent: dict, key: str) -> None:
    assert agent_ifi(agent) == key


@pytest.mark.parametrize("agent", [
    {}, {"name": "x"}, mc.ANON_GROUP, {"mbox": "mailto:a@example.com", "openid": "http://o.example.com"},
    "mailto:a@example.com", {"account": {"name": "x"}},
])
def test_agent_ifi_needs_exactly_one_ifi(agent) -> None:
    with pytest.raises(StatementError):
        agent_ifi(agent)


def test_group_member_ifis() -> None:
    assert group_member_ifis(mc.ANON_GROUP) == ["mbox:mailto:bob@example.com",
                                                "openid:http://openid.example.org/carol"]
    assert group_member_ifis(mc.ID_GROUP) == ["mbox:mailto:bob@example.com"]
    assert group_member_ifis(mc.AGENT) == []
    assert group_member_ifis({"objectType": "Group", "mbox": "mailto:g@example.com"}) == []
    duplicated = {"objectType": "Group", "member": [{"mbox": "mailto:a@x.com"}, {"mbox": "mailto:a@X.com"}]}
    assert group_member_ifis(duplicated) == ["mbox:mailto:a@x.com"]


def test_person_object() -> None:
    person = person_object([
        {"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.com"},
        {"name": "Ada", "account": {"homePage": "http://lms.example.com", "name": "ada"}},
        {"name": "Ada L.", "mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e364975"},
        {"openid": "http://openid.example.org/ada"},
        {"mbox": "mailto:ada@example.com"},
    ])
    assert person == {
        "objectType": "Person",
        "name": ["Ada", "Ada L."],
        "mbox": ["mailto:ada@example.com"],
        "mbox_sha1sum": ["cd9b00a5611f94eaa7b1661edab976068e364975"],
        "openid": ["http://openid.example.org/ada"],
        "account": [{"homePage": "http://lms.example.com", "name": "ada"}],
    }
    assert person_object([]) == {"objectType": "Person"}
    assert person_object([{"mbox": "mailto:x@example.com"}]) == {"objectType": "Person",
                                                                  "mbox": ["mailto:x@example.com"]}
