"""Rule tests for lms.lrs.validation: every malformed case is rejected, valid statements pass."""
from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import sys
import uuid
from pathlib import Path

import pytest
import tincan

sys.path.insert(0, str(Path(__file__).resolve().parent))
import malformed_cases as mc  # noqa: E402

from lms.lrs.agents import parse_agent_param  # noqa: E402
from lms.lrs.validation import (  # noqa: E402
    StatementError,
    check_request_version,
    is_duration,
    is_iri,
    is_language_tag,
    is_uuid,
    parse_json,
    parse_timestamp,
    validate_statement,
    validate_statements,
)

EX = mc.EX


def test_the_table_is_large_and_distinct() -> None:
    assert len(mc.CASES) >= 300
    assert len({c.id for c in mc.CASES}) == len(mc.CASES)
    assert len({json.dumps(c.build(), sort_keys=True) + c.version for c in mc.CASES}) == len(mc.CASES)


@pytest.mark.parametrize("name", sorted(mc.BASES))
def test_bases_are_valid(name: str) -> None:
    validate_statement(copy.deepcopy(mc.BASES[name]), mc.BASE_VERSIONS.get(name, "1.0.3"))


@pytest.mark.parametrize("case", mc.CASES, ids=[c.id for c in mc.CASES])
def test_malformed_statement_is_rejected(case: mc.Case) -> None:
    stmt = case.build()
    with pytest.raises(StatementError) as info:
        validate_statement(stmt, case.version)
    assert str(info.value).startswith(case.path), str(info.value)
    assert "(" in str(info.value) and str(info.value).endswith(")"), "message names the rule"


def test_validation_does_not_mutate() -> None:
    stmt = copy.deepcopy(mc.FULL)
    del stmt["object"]["objectType"]
    before = copy.deepcopy(stmt)
    validate_statement(stmt)
    assert stmt == before


# --- valid statements ------------------------------------------------------------------

def _simple(**extra) -> dict:
    return {"actor": {"mbox": "mailto:xapi@adlnet.gov"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/created", "display": {"en-US": "created"}},
            "object": {"id": "http://example.adlnet.gov/xapi/example/activity"}, **extra}


def _tincan_statements() -> list[tuple[str, dict]]:
    agent = tincan.Agent(name="Tin Can", mbox="mailto:tincan@example.com")
    verb = tincan.Verb(id="http://adlnet.gov/expapi/verbs/experienced",
                       display=tincan.LanguageMap({"en-US": "experienced"}))
    activity = tincan.Activity(id=f"{EX}/tincan", definition=tincan.ActivityDefinition(
        name=tincan.LanguageMap({"en-US": "Tin Can"}), description=tincan.LanguageMap({"en-US": "d"}),
        type="http://adlnet.gov/expapi/activities/course", more_info="http://example.com/more"))
    interaction = tincan.Activity(id=f"{EX}/tincan/q", definition=tincan.ActivityDefinition(
        type="http://adlnet.gov/expapi/activities/cmi.interaction", interaction_type="likert",
        correct_responses_pattern=["3"],
        scale=tincan.InteractionComponentList([
            tincan.InteractionComponent(id=str(i), description=tincan.LanguageMap({"en-US": f"level {i}"}))
            for i in range(1, 6)])))
    result = tincan.Result(score=tincan.Score(scaled=0.8, raw=8, min=0, max=10), success=True, completion=True,
                           duration=dt.timedelta(minutes=5, seconds=3), response="3")
    context = tincan.Context(
        registration=uuid.uuid4(), instructor=tincan.Agent(mbox="mailto:teacher@example.com"),
        team=tincan.Group(member=[tincan.Agent(mbox="mailto:a@example.com")]),
        context_activities=tincan.ContextActivities(
            parent=tincan.ActivityList([tincan.Activity(id=f"{EX}/course")]),
            category=tincan.ActivityList([tincan.Activity(id=f"{EX}/profile")])),
        revision="2", platform="LMS", language="de-DE",
        statement=tincan.StatementRef(id=uuid.uuid4()))
    now = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)
    built = {
        "tincan-simple": tincan.Statement(actor=agent, verb=verb, object=activity),
        "tincan-full": tincan.Statement(id=uuid.uuid4(), actor=agent, verb=verb, object=interaction,
                                        result=result, context=context, timestamp=now),
        "tincan-substatement": tincan.Statement(actor=agent, verb=verb, object=tincan.SubStatement(
            actor=agent, verb=verb, object=activity, timestamp=now)),
        "tincan-statementref": tincan.Statement(actor=agent, verb=verb,
                                                object=tincan.StatementRef(id=uuid.uuid4())),
        "tincan-group-actor": tincan.Statement(
            actor=tincan.Group(name="g", member=[agent, tincan.Agent(openid="http://openid.example.com/x")]),
            verb=verb, object=activity),
        "tincan-account-agent": tincan.Statement(
            actor=tincan.Agent(account=tincan.AgentAccount(home_page="http://lms.example.com", name="42")),
            verb=verb, object=activity),
        "tincan-attachment": tincan.Statement(actor=agent, verb=verb, object=activity, attachments=[
            tincan.Attachment(usage_type="http://adlnet.gov/expapi/attachments/signature",
                              display=tincan.LanguageMap({"en-US": "signature"}),
                              content_type="application/octet-stream", length=10,
                              sha2=hashlib.sha256(b"0123456789").hexdigest())]),
    }
    out = []
    for name, stmt in built.items():
        out.append((f"{name}-to_json", json.loads(stmt.to_json())))
        out.append((f"{name}-as_version", stmt.as_version("1.0.3")))
    return out


def _interaction(kind: str) -> dict:
    return {"actor": mc.AGENT, "verb": mc.VERB, "object": mc.interaction_activity(kind)}


def _with(base: dict, path: str, value) -> dict:
    stmt = copy.deepcopy(base)
    mc.set_(path, value)(stmt)
    return stmt


VALID: list[tuple[str, dict, str]] = [
    ("spec-minimal", _simple(), "1.0.3"),
    ("spec-minimal-with-id", _simple(id="12345678-1234-5678-1234-567812345678"), "1.0.3"),
    *[(f"interaction-{kind}", _interaction(kind), "1.0.3") for kind in mc.INTERACTIONS],
    ("interaction-empty-crp", _with(_interaction("choice"), "object.definition.correctResponsesPattern", []),
     "1.0.3"),
    ("interaction-no-components", _with(_interaction("matching"), "object.definition",
                                        {"interactionType": "matching"}), "1.0.3"),
    ("full", mc.FULL, "1.0.3"),
    ("substatement", mc.SUBSTATEMENT, "1.0.3"),
    ("statementref", mc.STATEMENT_REF, "1.0.3"),
    ("voiding", _simple(verb={"id": mc.VOIDED, "display": {"en-US": "voided"}},
                        object={"objectType": "StatementRef", "id": mc.UUID3}), "1.0.3"),
    ("agent-object", mc.AGENT_OBJECT, "1.0.3"),
    ("identified-group-actor", mc.GROUP_ACTOR, "1.0.3"),
    ("anonymous-group-actor", _simple(actor=mc.ANON_GROUP), "1.0.3"),
    ("group-object", _simple(object=mc.ID_GROUP), "1.0.3"),
    ("identified-group-no-members", _simple(actor={"objectType": "Group", "mbox": "mailto:g@example.com"}),
     "1.0.3"),
    ("identified-group-empty-members",
     _simple(actor={"objectType": "Group", "openid": "http://openid.example.org/g", "member": []}), "1.0.3"),
    ("sha1sum-uppercase", _simple(actor={"mbox_sha1sum": "CD9B00A5611F94EAA7B1661EDAB976068E364975"}), "1.0.3"),
    ("openid-agent", _simple(actor={"openid": "http://openid.example.org/12345"}), "1.0.3"),
    ("account-agent", _simple(actor={"account": {"homePage": "http://www.example.com", "name": "1625378"}}),
     "1.0.3"),
    ("oauth-authority", mc.OAUTH, "1.0.3"),
    ("attachments-signature", _simple(attachments=[
        {**mc.ATTACHMENT, "usageType": "http://adlnet.gov/expapi/attachments/signature",
         "contentType": "application/octet-stream"}, mc.ATTACHMENT]), "1.0.3"),
    ("attachment-sha512-no-fileurl", _simple(attachments=[
        {k: v for k, v in mc.ATTACHMENT.items() if k != "fileUrl"} | {"sha2": "A" * 128, "length": 0}]), "1.0.3"),
    ("context-single-activities", _simple(context={"contextActivities": {
        "parent": {"id": f"{EX}/p"}, "grouping": {"objectType": "Activity", "id": f"{EX}/g"},
        "other": []}}), "1.0.3"),
    ("context-group-instructor", _simple(context={"instructor": mc.ANON_GROUP, "team": mc.ID_GROUP}), "1.0.3"),
    ("extensions-null-empty", _simple(
        object={"id": f"{EX}/a", "definition": {"extensions": {f"{EX}/x": None, f"{EX}/y": {}, f"{EX}/z": ""}}},
        result={"extensions": {}}, context={"extensions": {f"{EX}/x": None}}), "1.0.3"),
    ("empty-language-maps", _simple(verb={"id": f"{EX}/v", "display": {}}, object={"id": f"{EX}/a", "definition": {
        "name": {}, "description": {}}}), "1.0.3"),
    ("version-1.0", _simple(version="1.0"), "1.0.3"),
    ("version-1.0.9", _simple(version="1.0.9"), "1.0.3"),
    ("timestamp-no-zone", _simple(timestamp="2013-05-18T05:32:34.804", stored="2013-05-18T05:32:34"), "1.0.3"),
    ("timestamp-offsets", _simple(timestamp="2013-05-18T05:32:34.804+05:30", stored="2013-05-18T05:32:34-0700"),
     "1.0.3"),
    ("timestamp-basic-format", _simple(timestamp="20130518T053234Z", stored="20130518T053234,5+01"), "1.0.3"),
    ("timestamp-future-and-leap", _simple(timestamp="2099-12-31T23:59:60Z"), "1.0.3"),
    ("timestamp-plus-zero", _simple(timestamp="2008-09-15T15:53:00.601+00:00"), "1.0.3"),
    ("durations", _simple(result={"duration": "PT16559.14S"}), "1.0.3"),
    ("duration-weeks", _simple(result={"duration": "P4W"}), "1.0.3"),
    ("duration-full", _simple(result={"duration": "P3Y1M29DT4H35M59.14S"}), "1.0.3"),
    ("language-tags", _simple(verb={"id": f"{EX}/v", "display": {
        "zh-Hant": "a", "sr-Latn-RS": "b", "de-DE-1996": "c", "x-private": "d", "i-klingon": "e",
        "cmn": "f", "es-419": "g", "en-a-bbb-x-a-ccc": "h", "EN-us": "i"}},
        context={"language": "zh-Hans-CN"}), "1.0.3"),
    ("uppercase-uuids", _simple(id=str(uuid.uuid4()).upper(), context={"registration": str(uuid.uuid4()).upper()}),
     "1.0.3"),
    ("non-rfc4122-variant-uuid", _simple(id="00000000-0000-0000-0000-000000000000"), "1.0.3"),
    ("score-edges", _simple(result={"score": {"scaled": -1, "raw": 5, "min": 5, "max": 5}}), "1.0.3"),
    ("score-raw-only", _simple(result={"score": {"raw": -12345.678}}), "1.0.3"),
    ("unicode-iris", _simple(verb={"id": "http://example.com/فعل/خواندن"},
                             object={"id": "urn:isbn:0451450523"}), "1.0.3"),
    ("revision-platform-activity", _simple(context={"revision": "", "platform": "web"}), "1.0.3"),
    ("substatement-with-attachments", _with(mc.SUBSTATEMENT, "object.attachments", [mc.ATTACHMENT]), "1.0.3"),
    ("substatement-statementref", _with(_with(mc.SUBSTATEMENT, "object.object", {
        "objectType": "StatementRef", "id": mc.UUID1}), "object.context", {"registration": mc.UUID2}), "1.0.3"),
    ("v2-context-agents", mc.CONTEXT_AGENTS, "2.0.0"),
    ("v2-context-agents-minimal", _simple(version="2.0.0", context={
        "contextAgents": [{"objectType": "contextAgent", "agent": {"mbox": "mailto:x@example.com"}}],
        "contextGroups": [{"objectType": "contextGroup", "group": mc.ID_GROUP}]}), "2.0.0"),
    ("v1-statement-under-v2", mc.FULL, "2.0.0"),
    *[(name, stmt, "1.0.3") for name, stmt in _tincan_statements()],
]


def test_enough_valid_statements() -> None:
    assert len(VALID) >= 40


@pytest.mark.parametrize("name, stmt, version", VALID, ids=[v[0] for v in VALID])
def test_valid_statement_passes(name: str, stmt: dict, version: str) -> None:
    validate_statement(copy.deepcopy(stmt), version)


# --- batches -------------------------------------------------------------------------------

def test_validate_statements_single_and_list() -> None:
    single = _simple()
    assert validate_statements(single) == [single]
    batch = [_simple(id=str(uuid.uuid4())), _simple()]
    assert validate_statements(batch) is batch


def test_validate_statements_rejects_empty_and_non_statements() -> None:
    with pytest.raises(StatementError, match="empty"):
        validate_statements([])
    with pytest.raises(StatementError):
        validate_statements("not json")
    with pytest.raises(StatementError, match=r"^\[1\]"):
        validate_statements([_simple(), 5])


def test_validate_statements_rejects_duplicate_ids_case_insensitively() -> None:
    sid = str(uuid.uuid4())
    with pytest.raises(StatementError, match=r"^\[1\]\.id: duplicates .*\[0\]"):
        validate_statements([_simple(id=sid), _simple(id=sid.upper())])


def test_validate_statements_reports_index_of_bad_statement() -> None:
    bad = _simple(actor={"mbox": "nope"})
    with pytest.raises(StatementError, match=r"^\[2\]\.actor\.mbox"):
        validate_statements([_simple(), _simple(), bad])


def test_request_version() -> None:
    assert check_request_version("1.0.3") is False
    assert check_request_version("1.0") is False
    assert check_request_version("2.0.0") is True
    for bad in ("0.9", "1.1.0", "", "2.1.0"):
        with pytest.raises(StatementError):
            check_request_version(bad)
    with pytest.raises(StatementError):
        validate_statement(_simple(), "0.95")


# --- JSON and primitives -------------------------------------------------------------------

def test_parse_json_rejects_duplicate_properties_and_nan() -> None:
    assert parse_json('{"a": 1}') == {"a": 1}
    with pytest.raises(StatementError, match="more than once"):
        parse_json('{"actor": {"mbox": "mailto:a@b.c", "mbox": "mailto:d@e.f"}}')
    with pytest.raises(StatementError):
        parse_json('{"result": {"score": {"raw": NaN}}}')
    with pytest.raises(StatementError):
        parse_json("{not json")


@pytest.mark.parametrize("tag", ["en", "en-US", "zh-Hant", "sr-Latn-RS", "de-DE-1996", "x-foo", "i-klingon",
                                 "cmn", "ase", "es-419", "zh-min-nan", "en-GB-oed", "sl-rozaj-biske"])
def test_language_tags_valid(tag: str) -> None:
    assert is_language_tag(tag)


@pytest.mark.parametrize("tag", [*mc.BAD_LANG_TAGS.values(), "en--US", "-en", "en-US-", "123", "ü", None, 5])
def test_language_tags_invalid(tag) -> None:
    assert not is_language_tag(tag)


@pytest.mark.parametrize("value", ["http://a.com", "https://a.com/x?y=1#z", "urn:uuid:1", "mailto:x@y",
                                   "http://[::1]:8080/", "tag:example.com,2024:x"])
def test_iris_valid(value: str) -> None:
    assert is_iri(value)


@pytest.mark.parametrize("value", list(mc.BAD_IRIS.values()) + ["http://a.com/#a#b", "http://a.com/[x]"])
def test_iris_invalid(value) -> None:
    assert not is_iri(value)


def test_uuid_forms() -> None:
    assert is_uuid("8F87CCDE-BB56-4C2E-AB83-44982EF22DF0")
    assert not any(is_uuid(v) for v in mc.BAD_UUIDS.values())


def test_durations() -> None:
    assert all(is_duration(d) for d in ("PT1H0M0.1S", "P3Y", "P4W", "PT0S", "P1D", "PT1,5S", "PT01M30S"))
    assert not any(is_duration(d) for d in mc.BAD_DURATIONS.values())


def test_parse_timestamp_normalizes_to_utc() -> None:
    assert parse_timestamp("2013-05-18T05:32:34.804+02:00") == dt.datetime(
        2013, 5, 18, 3, 32, 34, 804000, tzinfo=dt.timezone.utc)
    assert parse_timestamp("2013-05-18T05:32:34").tzinfo == dt.timezone.utc
    assert parse_timestamp("2013-05-18T24:00:00Z") == dt.datetime(2013, 5, 19, tzinfo=dt.timezone.utc)
    for bad in mc.BAD_TIMESTAMPS.values():
        with pytest.raises(StatementError):
            parse_timestamp(bad)


# --- agent parameter ------------------------------------------------------------------------

def test_parse_agent_param_accepts_agents_and_identified_groups() -> None:
    assert parse_agent_param('{"mbox": "mailto:a@example.com"}') == {"mbox": "mailto:a@example.com"}
    group = {"objectType": "Group", "account": {"homePage": "http://x.com", "name": "g"}}
    assert parse_agent_param(json.dumps(group)) == group


@pytest.mark.parametrize("text", [
    "not json", "[]", '"mailto:a@example.com"', "{}", '{"mbox": "a@example.com"}',
    '{"mbox": "mailto:a@example.com", "openid": "http://o.example.com"}',
    '{"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}]}',
    '{"objectType": "Person", "mbox": ["mailto:a@example.com"]}',
    '{"mbox": "mailto:a@example.com", "mbox": "mailto:b@example.com"}',
])
def test_parse_agent_param_rejects(text: str) -> None:
    with pytest.raises(StatementError):
        parse_agent_param(text)


def test_parse_agent_param_agent_only() -> None:
    with pytest.raises(StatementError):
        parse_agent_param('{"objectType": "Group", "mbox": "mailto:g@example.com"}', allow_group=False)
