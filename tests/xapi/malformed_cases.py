"""Data table of malformed xAPI Statements, each a single mutation of a valid base Statement.

Every entry is a Case(id, description, section, base, mutate, path, version): build() deep-copies
BASES[base] and applies mutate; the result MUST be rejected, and the error message is expected
to start with `path` (the JSON path of the offending property). Cases come from two sources:
hand-written rule tables per object type, and a systematic walk over the full bases (null,
wrong type, unknown property and wrong-case property name at every node).
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator

UUID1 = "f1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8"
UUID2 = "8f87ccde-bb56-4c2e-ab83-44982ef22df0"
UUID3 = "e05aa883-acaf-40ad-bf54-02c8ce485fb0"
SHA256 = "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
EX = "http://example.com"

AGENT = {"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.com"}
AGENT2 = {"mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e364975"}
ANON_GROUP = {"objectType": "Group", "name": "Team", "member": [
    {"mbox": "mailto:bob@example.com"}, {"openid": "http://openid.example.org/carol"}]}
ID_GROUP = {"objectType": "Group", "name": "Class 1",
            "account": {"homePage": "http://lms.example.com", "name": "class-1"},
            "member": [{"mbox": "mailto:bob@example.com"}]}
VERB = {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered", "de": "beantwortet"}}
ATTACHMENT = {
    "usageType": "http://example.com/attachment-usage/test",
    "display": {"en-US": "A test attachment"},
    "description": {"en-US": "A test attachment (description)"},
    "contentType": "text/plain; charset=ascii",
    "length": 27,
    "sha2": SHA256,
    "fileUrl": "http://over.there.com/file.txt",
}


def _component(cid: str) -> dict:
    return {"id": cid, "description": {"en-US": f"Item {cid}"}}


INTERACTIONS = {
    "true-false": {"correctResponsesPattern": ["true"]},
    "choice": {"correctResponsesPattern": ["a[,]b"], "choices": [_component("a"), _component("b")]},
    "fill-in": {"correctResponsesPattern": ["{case_matters=false}Bob's your uncle"]},
    "long-fill-in": {"correctResponsesPattern": ["{lang=en}It was a dark and stormy night"]},
    "matching": {"correctResponsesPattern": ["1[.]x[,]2[.]y"],
                 "source": [_component("1"), _component("2")], "target": [_component("x"), _component("y")]},
    "performance": {"correctResponsesPattern": ["s1[.]a[,]s2[.]10[:]20"],
                    "steps": [_component("s1"), _component("s2")]},
    "sequencing": {"correctResponsesPattern": ["a[,]b[,]c"],
                   "choices": [_component("a"), _component("b"), _component("c")]},
    "likert": {"correctResponsesPattern": ["l3"], "scale": [_component("l1"), _component("l2"), _component("l3")]},
    "numeric": {"correctResponsesPattern": ["4[:]"]},
    "other": {"correctResponsesPattern": ["(35.937432,-86.868896)"]},
}


def interaction_activity(kind: str) -> dict:
    """A valid cmi.interaction Activity of the given interactionType."""
    return {"objectType": "Activity", "id": f"{EX}/activities/{kind}", "definition": {
        "name": {"en-US": f"A {kind} question"},
        "description": {"en-US": "Answer it"},
        "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
        "interactionType": kind,
        **copy.deepcopy(INTERACTIONS[kind]),
    }}


FULL = {
    "id": UUID1,
    "actor": copy.deepcopy(AGENT),
    "verb": copy.deepcopy(VERB),
    "object": {
        "objectType": "Activity",
        "id": f"{EX}/activities/q1",
        "definition": {
            "name": {"en-US": "Question 1", "de-DE": "Frage 1"},
            "description": {"en-US": "The first question"},
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "moreInfo": "https://example.com/q1",
            "interactionType": "choice",
            "correctResponsesPattern": ["a[,]b"],
            "choices": [_component("a"), _component("b")],
            "extensions": {f"{EX}/ext/difficulty": {"level": 3}},
        },
    },
    "result": {
        "score": {"scaled": 0.5, "raw": 50, "min": 0, "max": 100},
        "success": True,
        "completion": True,
        "response": "a[,]b",
        "duration": "PT1M30.5S",
        "extensions": {f"{EX}/ext/attempt": 2},
    },
    "context": {
        "registration": UUID2,
        "instructor": {"objectType": "Agent", "mbox": "mailto:teacher@example.com"},
        "team": copy.deepcopy(ANON_GROUP),
        "contextActivities": {
            "parent": [{"id": f"{EX}/activities/quiz"}],
            "grouping": [{"objectType": "Activity", "id": f"{EX}/activities/course"}],
            "category": [{"id": f"{EX}/profiles/lms"}],
            "other": [{"id": f"{EX}/activities/textbook"}],
        },
        "revision": "r1",
        "platform": "web",
        "language": "en-US",
        "statement": {"objectType": "StatementRef", "id": UUID3},
        "extensions": {f"{EX}/ext/room": "B12"},
    },
    "timestamp": "2024-05-01T12:00:00.123Z",
    "stored": "2024-05-01T12:00:01.000+00:00",
    "authority": {"objectType": "Agent", "account": {"homePage": "http://lrs.example.com", "name": "lms"}},
    "version": "1.0.0",
    "attachments": [copy.deepcopy(ATTACHMENT)],
}

SUBSTATEMENT = {
    "id": UUID3,
    "actor": copy.deepcopy(AGENT),
    "verb": {"id": f"{EX}/verbs/planned", "display": {"en-US": "planned"}},
    "object": {
        "objectType": "SubStatement",
        "actor": copy.deepcopy(AGENT),
        "verb": {"id": f"{EX}/verbs/visited", "display": {"en-US": "will visit"}},
        "object": {"objectType": "Activity", "id": f"{EX}/website",
                   "definition": {"name": {"en-US": "Some Awesome Website"}}},
        "result": {"score": {"raw": 3}, "success": False, "duration": "P3Y"},
        "context": {"registration": UUID2, "instructor": copy.deepcopy(ID_GROUP), "platform": "web",
                    "contextActivities": {"parent": {"id": f"{EX}/activities/plan"}}},
        "timestamp": "2099-01-01T00:00:00Z",
    },
}

STATEMENT_REF = {
    "actor": {"objectType": "Agent", "mbox": "mailto:test@example.com"},
    "verb": {"id": f"{EX}/commented", "display": {"en-US": "commented"}},
    "object": {"objectType": "StatementRef", "id": UUID2},
    "result": {"response": "Wow, nice work!"},
    "context": {"registration": UUID1},
}

AGENT_OBJECT = {
    "actor": copy.deepcopy(AGENT),
    "verb": {"id": f"{EX}/verbs/mentored"},
    "object": copy.deepcopy(AGENT),
    "context": {"contextActivities": {"grouping": [{"id": f"{EX}/activities/algebra1"}]}},
}

GROUP_ACTOR = {
    "actor": copy.deepcopy(ID_GROUP),
    "verb": {"id": f"{EX}/verbs/attended"},
    "object": {"id": f"{EX}/activities/meeting"},
}

OAUTH = {
    "actor": copy.deepcopy(AGENT),
    "verb": {"id": f"{EX}/verbs/attended"},
    "object": {"id": f"{EX}/activities/meeting"},
    "authority": {"objectType": "Group", "member": [
        {"account": {"homePage": "http://example.com/xAPI/OAuth/Token", "name": "oauth_consumer_x75db"}},
        {"mbox": "mailto:bob@example.com"}]},
}

CONTEXT_AGENTS = {
    "id": UUID1,
    "actor": copy.deepcopy(AGENT),
    "verb": {"id": f"{EX}/verbs/attended"},
    "object": {"id": f"{EX}/activities/meeting"},
    "context": {
        "contextAgents": [{"objectType": "contextAgent", "agent": {"mbox": "mailto:coach@example.com"},
                           "relevantTypes": [f"{EX}/types/coach"]}],
        "contextGroups": [{"objectType": "contextGroup", "group": copy.deepcopy(ANON_GROUP),
                           "relevantTypes": [f"{EX}/types/cohort"]}],
    },
    "version": "2.0.0",
}

BASES: dict[str, dict] = {
    "full": FULL,
    "substatement": SUBSTATEMENT,
    "statementref": STATEMENT_REF,
    "agent_object": AGENT_OBJECT,
    "group_actor": GROUP_ACTOR,
    "oauth": OAUTH,
    "context_agents": CONTEXT_AGENTS,
    **{f"interaction_{kind}": {"actor": copy.deepcopy(AGENT), "verb": copy.deepcopy(VERB),
                               "object": interaction_activity(kind)} for kind in INTERACTIONS},
}
BASE_VERSIONS = {"context_agents": "2.0.0"}


@dataclass(frozen=True)
class Case:
    """One malformed statement: base + mutation, the spec section it covers, the expected error path."""

    id: str
    description: str
    section: str
    base: str
    mutate: Callable[[dict], None]
    path: str
    version: str = "1.0.3"

    def build(self) -> dict:
        """Return the malformed statement."""
        stmt = copy.deepcopy(BASES[self.base])
        self.mutate(stmt)
        return stmt


# --- path helpers -------------------------------------------------------------------------

_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _tokens(path: str) -> list[str | int]:
    return [name if name else int(index) for name, index in _TOKEN.findall(path)]


def get_path(stmt: Any, path: str) -> Any:
    """Return the value at a dotted/indexed path such as 'context.contextActivities.parent[0].id'."""
    node = stmt
    for token in _tokens(path):
        node = node[token]
    return node


def _parent(stmt: Any, path: str) -> tuple[Any, str | int]:
    tokens = _tokens(path)
    return get_path_tokens(stmt, tokens[:-1]), tokens[-1]


def get_path_tokens(stmt: Any, tokens: list[str | int]) -> Any:
    """Return the value reached by following path tokens."""
    node = stmt
    for token in tokens:
        node = node[token]
    return node


def set_(path: str, value: Any) -> Callable[[dict], None]:
    """Mutation: set the value at path (a deep copy of value)."""
    def mutate(stmt: dict) -> None:
        parent, key = _parent(stmt, path)
        parent[key] = copy.deepcopy(value)
    return mutate


def del_(path: str) -> Callable[[dict], None]:
    """Mutation: delete the property at path."""
    def mutate(stmt: dict) -> None:
        parent, key = _parent(stmt, path)
        del parent[key]
    return mutate


def rename_(path: str, new_key: str) -> Callable[[dict], None]:
    """Mutation: rename the property at path to new_key, keeping its value."""
    def mutate(stmt: dict) -> None:
        parent, key = _parent(stmt, path)
        parent[new_key] = parent.pop(key)
    return mutate


def update_(path: str, **changes: Any) -> Callable[[dict], None]:
    """Mutation: merge keyword changes into the object at path."""
    def mutate(stmt: dict) -> None:
        get_path(stmt, path).update(copy.deepcopy(changes))
    return mutate


def chain(*mutations: Callable[[dict], None]) -> Callable[[dict], None]:
    """Mutation: apply several mutations in order (still one logical defect)."""
    def mutate(stmt: dict) -> None:
        for mutation in mutations:
            mutation(stmt)
    return mutate


def _add(cases: list[Case], cid: str, description: str, section: str, base: str,
         mutate: Callable[[dict], None], path: str, version: str | None = None) -> None:
    cases.append(Case(cid, description, section, base, mutate, path,
                      version or BASE_VERSIONS.get(base, "1.0.3")))


# --- shared invalid values ----------------------------------------------------------------

BAD_IRIS = {
    "no-scheme": "should error",
    "bad-scheme": "ab=c://should.fail.com",
    "empty": "",
    "relative": "/activities/1",
    "space": "http://example.com/a b",
    "http-no-host": "http://",
    "bad-escape": "http://example.com/%zz",
    "number": 12345,
    "object": {"key": "value"},
}
BAD_UUIDS = {
    "too-many-digits": "AA97B177-9383-4934-8543-0F91A7A028368",
    "non-hex": "MA97B177-9383-4934-8543-0F91A7A02836",
    "no-dashes": "aa97b17793834934854301f91a7a02836",
    "braced": "{aa97b177-9383-4934-8543-0f91a7a02836}",
    "urn": "urn:uuid:aa97b177-9383-4934-8543-0f91a7a02836",
    "empty": "",
    "number": 12345,
    "object": {"key": "should fail"},
}
BAD_LANG_TAGS = {
    "nine-letters": "something",
    "alnum-nine": "a12345678",
    "dup-singleton": "zh-z-aaa-z-bbb-c-ccc",
    "underscore": "en_US",
    "trailing-dash": "en-",
    "empty": "",
    "dup-variant": "de-1996-1996",
    "one-letter": "e",
}
BAD_TIMESTAMPS = {
    "string": "should fail",
    "us-date": "01/011/2015",
    "minus-00": "2008-09-15T15:53:00.601-00",
    "minus-0000": "2008-09-15T15:53:00.601-0000",
    "minus-00-00": "2008-09-15T15:53:00.601-00:00",
    "month-13": "2013-13-01T00:00:00Z",
    "feb-30": "2013-02-30T00:00:00Z",
    "date-only": "2013-05-18",
    "hour-25": "2013-05-18T25:00:00Z",
    "space-separator": "2013-05-18 05:32:34Z",
    "offset-25h": "2013-05-18T05:32:34+25:00",
    "number": 1368855154,
}
BAD_DURATIONS = {
    "letter": "PA1H0M0S", "weeks-and-days": "P4W1D", "string": "should fail", "number": 12345,
    "object": {"key": "invalid"}, "bare-P": "P", "bare-PT": "PT", "fraction-not-last": "P1.5DT1H",
    "no-P": "1H", "negative": "-PT1H", "trailing-T": "P1DT",
}


# --- rule tables ----------------------------------------------------------------------------

AGENT_SLOTS = {
    "actor": ("full", "actor"),
    "authority": ("full", "authority"),
    "instructor": ("full", "context.instructor"),
    "object-agent": ("agent_object", "object"),
    "sub-actor": ("substatement", "object.actor"),
    "team-member": ("full", "context.team.member[0]"),
    "group-member": ("group_actor", "actor.member[0]"),
}

# (name, description, agent mutation, path suffix relative to the slot; "" = the slot itself)
AGENT_DEFECTS: list[tuple[str, str, Callable[[dict], None], str]] = [
    ("no-ifi", "Agent without any IFI", del_("mbox"), ""),
    ("two-ifis", "Agent with two IFIs", update_("", mbox_sha1sum=AGENT2["mbox_sha1sum"]), ""),
    ("mbox-no-scheme", "mbox without mailto:", set_("mbox", "ada@example.com"), ".mbox"),
    ("mbox-http", "mbox is an http IRI", set_("mbox", "http://should.fail.com"), ".mbox"),
    ("mbox-no-at", "mbox without e-mail address", set_("mbox", "mailto:should.fail.com"), ".mbox"),
    ("mbox-empty", "mbox empty string", set_("mbox", ""), ".mbox"),
    ("mbox-number", "mbox is a number", set_("mbox", 123), ".mbox"),
    ("mbox-space", "mbox with whitespace", set_("mbox", "mailto:a b@example.com"), ".mbox"),
    ("mbox-upper-scheme", "mbox scheme not lowercase 'mailto:'", set_("mbox", "MAILTO:a@example.com"), ".mbox"),
    ("mbox-null", "mbox null", set_("mbox", None), ".mbox"),
    ("sha1-short", "mbox_sha1sum 39 hex digits",
     chain(del_("mbox"), set_("mbox_sha1sum", AGENT2["mbox_sha1sum"][:-1])), ".mbox_sha1sum"),
    ("sha1-nonhex", "mbox_sha1sum not hex",
     chain(del_("mbox"), set_("mbox_sha1sum", "z" * 40)), ".mbox_sha1sum"),
    ("sha1-object", "mbox_sha1sum is an object",
     chain(del_("mbox"), set_("mbox_sha1sum", {"key": "value"})), ".mbox_sha1sum"),
    ("openid-not-uri", "openid without scheme", chain(del_("mbox"), set_("openid", "not a uri")), ".openid"),
    ("openid-number", "openid is a number", chain(del_("mbox"), set_("openid", 42)), ".openid"),
    ("account-no-homepage", "account without homePage",
     chain(del_("mbox"), set_("account", {"name": "x"})), ".account.homePage"),
    ("account-no-name", "account without name",
     chain(del_("mbox"), set_("account", {"homePage": "http://example.com"})), ".account.name"),
    ("account-bad-homepage", "account homePage not an IRL",
     chain(del_("mbox"), set_("account", {"homePage": "ab=c://should.fail.com", "name": "x"})),
     ".account.homePage"),
    ("account-name-object", "account name is an object",
     chain(del_("mbox"), set_("account", {"homePage": "http://example.com", "name": {"key": "value"}})),
     ".account.name"),
    ("account-extra-key", "account with an unknown property",
     chain(del_("mbox"), set_("account", {"homePage": "http://example.com", "name": "x", "id": 1})),
     ".account.id"),
    ("account-wrong-case", "account with homepage (wrong case)",
     chain(del_("mbox"), set_("account", {"homepage": "http://example.com", "name": "x"})),
     ".account.homepage"),
    ("account-string", "account is a string", chain(del_("mbox"), set_("account", "x")), ".account"),
    ("name-number", "name is a number", set_("name", 123), ".name"),
    ("name-object", "name is an object", set_("name", {"key": "value"}), ".name"),
    ("name-null", "name is null", set_("name", None), ".name"),
    ("objecttype-lowercase", "objectType 'agent' (wrong case)", set_("objectType", "agent"), ".objectType"),
    ("objecttype-person", "objectType 'Person'", set_("objectType", "Person"), ".objectType"),
    ("objecttype-number", "objectType is a number", set_("objectType", 123), ".objectType"),
    ("unknown-property", "Agent with an unknown property", update_("", age=42), ".age"),
    ("mbox-wrong-case-key", "property 'Mbox' instead of 'mbox'", rename_("mbox", "Mbox"), ".Mbox"),
    ("member-on-agent", "Agent with a member list",
     update_("", member=[{"mbox": "mailto:x@example.com"}]), ".member"),
]


def _agent_cases(cases: list[Case]) -> None:
    for slot_name, (base, slot) in AGENT_SLOTS.items():
        for name, description, defect, suffix in AGENT_DEFECTS:
            def mutate(stmt: dict, slot=slot, defect=defect) -> None:
                agent = copy.deepcopy(AGENT)
                defect(_Root(agent))
                set_(slot, agent)(stmt)
            _add(cases, f"agent-{slot_name}-{name}", f"{slot}: {description}", "Data 2.4.2", base, mutate,
                 slot + suffix)
    _add(cases, "agent-object-no-objecttype", "Agent as object without objectType", "Data 2.4.4.2",
         "agent_object", del_("object.objectType"), "object.objectType")


class _Root(dict):
    """Adapter so that path mutations with an empty path ('') act on the wrapped dict itself."""

    def __init__(self, target: dict) -> None:
        super().__init__()
        self.target = target

    def __getitem__(self, key: Any) -> Any:
        return self.target[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self.target[key] = value

    def __delitem__(self, key: Any) -> None:
        del self.target[key]

    def pop(self, key: Any, *default: Any) -> Any:
        """Pop from the wrapped dict."""
        return self.target.pop(key, *default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Update the wrapped dict."""
        self.target.update(*args, **kwargs)


GROUP_SLOTS = {
    "actor": ("group_actor", "actor"),
    "team": ("full", "context.team"),
    "instructor": ("full", "context.instructor"),
    "object": ("agent_object", "object"),
    "sub-actor": ("substatement", "object.actor"),
}

GROUP_DEFECTS: list[tuple[str, str, dict, str]] = [
    ("anon-no-member", "Anonymous Group without member", {"objectType": "Group", "name": "G"}, ".member"),
    ("anon-empty-member", "Anonymous Group with an empty member list",
     {"objectType": "Group", "member": []}, ".member"),
    ("two-ifis", "Identified Group with two IFIs",
     {"objectType": "Group", "mbox": "mailto:g@example.com", "openid": "http://openid.example.org/g"}, ""),
    ("member-not-array", "member is an object",
     {"objectType": "Group", "member": {"mbox": "mailto:a@example.com"}}, ".member"),
    ("member-is-group", "Group member is a Group",
     {"objectType": "Group", "member": [copy.deepcopy(ANON_GROUP)]}, ".member[0]"),
    ("identified-member-is-group", "Identified Group member is a Group",
     {"objectType": "Group", "mbox": "mailto:g@example.com",
      "member": [{"objectType": "Group", "mbox": "mailto:h@example.com"}]}, ".member[0]"),
    ("member-no-ifi", "Group member without IFI", {"objectType": "Group", "member": [{"name": "x"}]},
     ".member[0]"),
    ("member-null", "Group member null", {"objectType": "Group", "member": [None]}, ".member[0]"),
    ("member-string", "Group member is a string", {"objectType": "Group", "member": ["mailto:a@example.com"]},
     ".member[0]"),
    ("no-objecttype", "Group without objectType (read as an Agent)",
     {"member": [{"mbox": "mailto:a@example.com"}]}, ""),
    ("objecttype-lowercase", "objectType 'group' (wrong case)",
     {"objectType": "group", "member": [{"mbox": "mailto:a@example.com"}]}, ""),
    ("bad-mbox", "Identified Group with an invalid mbox", {"objectType": "Group", "mbox": "mailto:nope"},
     ".mbox"),
    ("name-number", "Group name is a number",
     {"objectType": "Group", "name": 7, "member": [{"mbox": "mailto:a@example.com"}]}, ".name"),
    ("unknown-property", "Group with an unknown property",
     {"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}], "size": 1}, ".size"),
]


def _group_cases(cases: list[Case]) -> None:
    for slot_name, (base, slot) in GROUP_SLOTS.items():
        for name, description, group, suffix in GROUP_DEFECTS:
            _add(cases, f"group-{slot_name}-{name}", f"{slot}: {description}", "Data 2.4.2.2", base,
                 set_(slot, group), slot + suffix)
    _add(cases, "team-is-agent", "context.team is an Agent", "Data 2.4.6", "full",
         set_("context.team", {"objectType": "Agent", "mbox": "mailto:a@example.com"}), "context.team")
    _add(cases, "team-no-objecttype", "context.team lacks objectType Group", "Data 2.4.6", "full",
         del_("context.team.objectType"), "context.team")
    for name, members in (("one", 1), ("three", 3), ("none", 0)):
        group = {"objectType": "Group", "member": [{"mbox": f"mailto:m{i}@example.com"} for i in range(members)]}
        if members == 0:
            group["mbox"] = "mailto:oauth@example.com"
        _add(cases, f"authority-group-{name}-members", f"authority Group with {members} members",
             "Data 2.4.9", "oauth", set_("authority", group), "authority")
    for key, value in (("mbox", "mailto:bob@example.com"), ("mbox_sha1sum", AGENT2["mbox_sha1sum"]),
                       ("openid", "http://openid.example.org/12345"),
                       ("account", {"homePage": "http://www.example.com", "name": "xAPI account name"})):
        _add(cases, f"authority-identified-group-{key}", f"authority Group identified by {key}", "Data 2.4.9",
             "oauth", update_("authority", **{key: value}), f"authority.{key}")
    _add(cases, "authority-group-member-group", "authority Group containing a Group", "Data 2.4.9", "oauth",
         set_("authority.member[1]", copy.deepcopy(ANON_GROUP)), "authority.member[1]")
    _add(cases, "authority-string", "authority is a string", "Data 2.4.9", "oauth",
         set_("authority", "mailto:bob@example.com"), "authority")


VERB_SLOTS = {"verb": ("full", "verb"), "sub-verb": ("substatement", "object.verb")}
VERB_DEFECTS: list[tuple[str, str, Callable[[dict], None], str]] = [
    ("no-id", "Verb without id", del_("id"), ".id"),
    *[(f"id-{k}", f"Verb id invalid ({k})", set_("id", v), ".id") for k, v in BAD_IRIS.items()],
    ("display-string", "display is a string", set_("display", "should error"), ".display"),
    ("display-array", "display is an array", set_("display", ["answered"]), ".display"),
    *[(f"display-tag-{k}", f"display key invalid ({k})", set_("display", {v: "x"}), ".display")
      for k, v in BAD_LANG_TAGS.items()],
    ("display-value-number", "display value is a number", set_("display", {"en-US": 1}), ".display.en-US"),
    ("display-value-null", "display value is null", set_("display", {"en-US": None}), ".display.en-US"),
    ("display-value-object", "display value is an object", set_("display", {"en": {"t": "x"}}), ".display.en"),
    ("display-wrong-case-key", "Display instead of display", rename_("display", "Display"), ".Display"),
    ("unknown-property", "Verb with name", update_("", name="answered"), ".name"),
]


def _verb_cases(cases: list[Case]) -> None:
    for slot_name, (base, slot) in VERB_SLOTS.items():
        for name, description, defect, suffix in VERB_DEFECTS:
            def mutate(stmt: dict, slot=slot, defect=defect) -> None:
                defect(_Root(get_path(stmt, slot)))
            _add(cases, f"{slot_name}-{name}", f"{slot}: {description}", "Data 2.4.3", base, mutate, slot + suffix)
        for name, value in (("string", "http://example.com/v"), ("array", [VERB]), ("number", 1)):
            _add(cases, f"{slot_name}-is-{name}", f"{slot} is a {name}", "Data 2.4.3", base,
                 set_(slot, value), slot)


ACTIVITY_SLOTS = {
    "object": ("full", "object"),
    "sub-object": ("substatement", "object.object"),
    "parent": ("full", "context.contextActivities.parent[0]"),
    "single-parent": ("substatement", "object.context.contextActivities.parent"),
}
ACTIVITY_DEFECTS: list[tuple[str, str, Callable[[dict], None], str]] = [
    ("no-id", "Activity without id", del_("id"), ".id"),
    *[(f"id-{k}", f"Activity id invalid ({k})", set_("id", v), ".id") for k, v in BAD_IRIS.items()],
    ("definition-string", "definition is a string", set_("definition", "should error"), ".definition"),
    ("definition-unknown", "definition with unknown property", set_("definition", {"title": "x"}),
     ".definition.title"),
    ("name-string", "definition.name is a string", set_("definition", {"name": "should error"}),
     ".definition.name"),
    ("name-bad-tag", "definition.name with invalid tag", set_("definition", {"name": {"something": "x"}}),
     ".definition.name"),
    ("description-bad-tag", "definition.description with invalid tag",
     set_("definition", {"description": {"a12345678": "x"}}), ".definition.description"),
    ("description-number", "definition.description value number",
     set_("definition", {"description": {"en": 5}}), ".definition.description.en"),
    ("type-not-iri", "definition.type not an IRI", set_("definition", {"type": "meeting"}), ".definition.type"),
    ("moreinfo-not-irl", "definition.moreInfo not an IRL", set_("definition", {"moreInfo": "www.example.com"}),
     ".definition.moreInfo"),
    ("extensions-array", "definition.extensions is an array", set_("definition", {"extensions": []}),
     ".definition.extensions"),
    ("extension-key-not-iri", "extension key not an IRI", set_("definition", {"extensions": {"color": "red"}}),
     ".definition.extensions.color"),
    ("interactiontype-unknown", "interactionType not in the list",
     set_("definition", {"interactionType": "essay"}), ".definition.interactionType"),
    ("interactiontype-number", "interactionType is a number",
     set_("definition", {"interactionType": 3}), ".definition.interactionType"),
    ("crp-without-type", "correctResponsesPattern without interactionType",
     set_("definition", {"correctResponsesPattern": ["a"]}), ".definition.correctResponsesPattern"),
    ("crp-string", "correctResponsesPattern is a string",
     set_("definition", {"interactionType": "fill-in", "correctResponsesPattern": "a"}),
     ".definition.correctResponsesPattern"),
    ("crp-number-item", "correctResponsesPattern contains a number",
     set_("definition", {"interactionType": "numeric", "correctResponsesPattern": [4]}),
     ".definition.correctResponsesPattern[0]"),
    ("choices-without-type", "choices without interactionType",
     set_("definition", {"choices": [_component("a")]}), ".definition.choices"),
    ("objecttype-lowercase", "objectType 'activity' (wrong case)", set_("objectType", "activity"),
     ".objectType"),
    ("unknown-property", "Activity with an unknown property", update_("", name={"en": "x"}), ".name"),
]


def _activity_cases(cases: list[Case]) -> None:
    for slot_name, (base, slot) in ACTIVITY_SLOTS.items():
        for name, description, defect, suffix in ACTIVITY_DEFECTS:
            def mutate(stmt: dict, slot=slot, defect=defect) -> None:
                defect(_Root(get_path(stmt, slot)))
            _add(cases, f"activity-{slot_name}-{name}", f"{slot}: {description}", "Data 2.4.4.1", base, mutate,
                 slot + suffix)


def _interaction_cases(cases: list[Case]) -> None:
    from_lists = ("choices", "scale", "source", "target", "steps")
    allowed = {"choice": ("choices",), "sequencing": ("choices",), "likert": ("scale",),
               "matching": ("source", "target"), "performance": ("steps",)}
    for kind in INTERACTIONS:
        base = f"interaction_{kind}"
        definition = "object.definition"
        for key in from_lists:
            if key not in allowed.get(kind, ()):
                _add(cases, f"interaction-{kind}-has-{key}", f"{kind} interaction with a {key} list",
                     "Data 2.4.4.1 Interaction Components", base,
                     set_(f"{definition}.{key}", [_component("z")]), f"{definition}.{key}")
        wrong = kind.upper() if kind != kind.upper() else kind.lower()
        _add(cases, f"interaction-{kind}-wrong-case", f"interactionType {wrong!r}", "Data 2.2", base,
             set_(f"{definition}.interactionType", wrong), f"{definition}.interactionType")
    for kind, keys in allowed.items():
        if kind == "sequencing":
            continue
        for key in keys:
            base = f"interaction_{kind}"
            lst = f"object.definition.{key}"
            component_defects = [
                ("duplicate-ids", "duplicate component ids", set_(f"{lst}[1].id", get_path(
                    BASES[base], f"{lst}[0].id")), f"{lst}[1].id"),
                ("no-id", "component without id", del_(f"{lst}[0].id"), f"{lst}[0].id"),
                ("id-number", "component id is a number", set_(f"{lst}[0].id", 1), f"{lst}[0].id"),
                ("id-object", "component id is an object", set_(f"{lst}[0].id", {"test": "value"}), f"{lst}[0].id"),
                ("unknown-property", "component with an unknown property", update_(f"{lst}[0]", label="x"),
                 f"{lst}[0].label"),
                ("description-bad-tag", "component description invalid tag",
                 set_(f"{lst}[0].description", {"something": "x"}), f"{lst}[0].description"),
                ("description-string", "component description is a string",
                 set_(f"{lst}[0].description", "should error"), f"{lst}[0].description"),
                ("list-object", "component list is an object", set_(lst, _component("a")), lst),
                ("component-null", "component is null", set_(f"{lst}[0]", None), f"{lst}[0]"),
                ("component-string", "component is a string", set_(f"{lst}[0]", "a"), f"{lst}[0]"),
            ]
            for name, description, mutate, path in component_defects:
                _add(cases, f"component-{kind}-{key}-{name}", f"{key}: {description}",
                     "Data 2.4.4.1 Interaction Components", base, mutate, path)


def _statement_ref_cases(cases: list[Case]) -> None:
    slots = {"object": ("statementref", "object"), "context-statement": ("full", "context.statement")}
    for slot_name, (base, slot) in slots.items():
        section = "Data 2.4.4.3 Statement References"
        for key, value in BAD_UUIDS.items():
            _add(cases, f"ref-{slot_name}-id-{key}", f"{slot}.id invalid ({key})", section, base,
                 set_(f"{slot}.id", value), f"{slot}.id")
        _add(cases, f"ref-{slot_name}-no-id", f"{slot} without id", section, base, del_(f"{slot}.id"),
             f"{slot}.id")
        _add(cases, f"ref-{slot_name}-lowercase-type", f"{slot}.objectType 'statementref'", section, base,
             set_(f"{slot}.objectType", "statementref"), f"{slot}.objectType")
        _add(cases, f"ref-{slot_name}-extra", f"{slot} with an unknown property", section, base,
             update_(slot, definition={}), f"{slot}.definition")
    _add(cases, "ref-context-statement-no-objecttype", "context.statement without objectType",
         "Data 2.4.4.3 Statement References", "full", del_("context.statement.objectType"),
         "context.statement.objectType")
    _add(cases, "ref-context-statement-activity", "context.statement is an Activity",
         "Data 2.4.6", "full", set_("context.statement", {"objectType": "Activity", "id": f"{EX}/a"}),
         "context.statement")


def _substatement_cases(cases: list[Case]) -> None:
    section = "Data 2.4.4.3 SubStatements"
    forbidden = {"id": UUID1, "stored": "2024-05-01T12:00:00Z", "version": "1.0.0",
                 "authority": {"mbox": "mailto:a@example.com"}}
    for key, value in forbidden.items():
        _add(cases, f"sub-has-{key}", f"SubStatement with {key}", section, "substatement",
             update_("object", **{key: value}), f"object.{key}")
    _add(cases, "sub-nested", "SubStatement inside a SubStatement", section, "substatement",
         set_("object.object", {"objectType": "SubStatement", "actor": AGENT, "verb": VERB,
                                "object": {"id": f"{EX}/a"}}), "object.object.objectType")
    for key in ("actor", "verb", "object"):
        _add(cases, f"sub-no-{key}", f"SubStatement without {key}", section, "substatement",
             del_(f"object.{key}"), f"object.{key}")
    _add(cases, "sub-lowercase-type", "objectType 'substatement'", "Data 2.4.4", "substatement",
         set_("object.objectType", "substatement"), "object.objectType")
    _add(cases, "sub-unknown-type", "objectType 'Statement'", "Data 2.4.4", "substatement",
         set_("object.objectType", "Statement"), "object.objectType")
    _add(cases, "sub-unknown-property", "SubStatement with an unknown property", section, "substatement",
         update_("object", extra=True), "object.extra")
    _add(cases, "sub-voided-activity", "SubStatement voiding an Activity", "Data 2.3.2", "substatement",
         set_("object.verb.id", VOIDED), "object.object")
    _add(cases, "sub-platform-agent-object", "SubStatement context.platform with an Agent object",
         "Data 2.4.6", "substatement", set_("object.object", AGENT), "object.context.platform")
    for key, value in BAD_TIMESTAMPS.items():
        _add(cases, f"sub-timestamp-{key}", f"SubStatement timestamp invalid ({key})", "Data 4.5",
             "substatement", set_("object.timestamp", value), "object.timestamp")


def _statement_cases(cases: list[Case]) -> None:
    for key in ("actor", "verb", "object"):
        _add(cases, f"stmt-no-{key}", f"Statement without {key}", "Data 2.2", "full", del_(key), key)
    for key, value in BAD_UUIDS.items():
        _add(cases, f"stmt-id-{key}", f"Statement id invalid ({key})", "Data 2.4.1", "full", set_("id", value), "id")
    renamed = {"id": "iD", "actor": "Actor", "verb": "veRb", "object": "oBject", "result": "RESULT",
               "context": "conText", "timestamp": "timeStamp", "stored": "STOred", "authority": "auTHORity",
               "version": "Version", "attachments": "attachmentS"}
    for key, wrong in renamed.items():
        _add(cases, f"stmt-key-case-{key}", f"property {wrong!r} instead of {key!r}", "Data 2.2", "full",
             rename_(key, wrong), wrong)
    _add(cases, "stmt-objecttype", "top-level objectType", "Data 2.2", "full", update_("", objectType="Statement"),
         "objectType")
    for name, value in (("1.1.0", "1.1.0"), ("0.9.9", "0.9.9"), ("string", "should fail"), ("2.0.0", "2.0.0"),
                        ("number", 1.0), ("empty", ""), ("1.0.x", "1.0.x"), ("v-prefix", "v1.0.0")):
        _add(cases, f"stmt-version-{name}", f"version {value!r}", "Data 2.4.10", "full", set_("version", value),
             "version")
    _add(cases, "stmt-version-3.0-under-2.0", "version '3.0.0' in a 2.0.0 request", "Data 2.4.10", "full",
         set_("version", "3.0.0"), "version", version="2.0.0")
    _add(cases, "voided-activity-object", "voiding Statement with an Activity object", "Data 2.3.2", "full",
         set_("verb.id", VOIDED), "object")
    _add(cases, "voided-agent-object", "voiding Statement with an Agent object", "Data 2.3.2", "agent_object",
         set_("verb.id", VOIDED), "object")
    _add(cases, "voided-substatement-object", "voiding Statement with a SubStatement object", "Data 2.3.2",
         "substatement", set_("verb.id", VOIDED), "object")
    _add(cases, "voided-ref-without-objecttype", "voiding Statement whose object lacks objectType",
         "Data 2.3.2", "statementref", chain(set_("verb.id", VOIDED), del_("object.objectType")), "object")
    for key, value in BAD_TIMESTAMPS.items():
        _add(cases, f"timestamp-{key}", f"timestamp invalid ({key})", "Data 4.5", "full",
             set_("timestamp", value), "timestamp")
        _add(cases, f"stored-{key}", f"stored invalid ({key})", "Data 4.5", "full", set_("stored", value), "stored")


def _result_cases(cases: list[Case]) -> None:
    s = "Data 2.4.5.1"
    table = [
        ("score-number", "score is a number", set_("result.score", 12345), "result.score", s),
        ("score-string", "score is a string", set_("result.score", "should fail"), "result.score", s),
        ("scaled-above-1", "scaled 1.01", set_("result.score.scaled", 1.01), "result.score.scaled", s),
        ("scaled-below-minus-1", "scaled -1.5", set_("result.score.scaled", -1.5), "result.score.scaled", s),
        ("scaled-string", "scaled '0.5'", set_("result.score.scaled", "0.5"), "result.score.scaled", s),
        ("scaled-bool", "scaled true", set_("result.score.scaled", True), "result.score.scaled", s),
        ("raw-string", "raw '100'", set_("result.score.raw", "100"), "result.score.raw", s),
        ("raw-above-max", "raw above max", set_("result.score.raw", 101), "result.score.raw", s),
        ("raw-below-min", "raw below min", set_("result.score.raw", -1), "result.score.raw", s),
        ("raw-below-min-only", "raw below min without max",
         set_("result.score", {"raw": 1, "min": 2}), "result.score.raw", s),
        ("raw-above-max-only", "raw above max without min",
         set_("result.score", {"raw": 3, "max": 2}), "result.score.raw", s),
        ("min-above-max", "min greater than max", set_("result.score", {"min": 10, "max": 5}), "result.score.min", s),
        ("max-string", "max 'one hundred'", set_("result.score.max", "one hundred"), "result.score.max", s),
        ("min-bool", "min false", set_("result.score.min", False), "result.score.min", s),
        ("score-unknown", "score with percent", update_("result.score", percent=50), "result.score.percent", s),
        ("success-string-true", "success 'true'", set_("result.success", "true"), "result.success", "Data 2.4.5"),
        ("success-number", "success 1", set_("result.success", 1), "result.success", "Data 2.4.5"),
        ("completion-string-false", "completion 'false'", set_("result.completion", "false"),
         "result.completion", "Data 2.4.5"),
        ("completion-sentence", "completion sentence",
         set_("result.completion", "We regret to inform you"), "result.completion", "Data 2.4.5"),
        ("response-number", "response is a number", set_("result.response", 12345), "result.response", "Data 2.4.5"),
        ("response-object", "response is an object", set_("result.response", {"key": "value"}),
         "result.response", "Data 2.4.5"),
        ("extensions-string", "extensions is a string", set_("result.extensions", "x"), "result.extensions",
         "Data 4.1"),
        ("extension-key", "extension key not an IRI", set_("result.extensions", {"attempt": 1}),
         "result.extensions.attempt", "Data 4.1"),
        ("result-array", "result is an array", set_("result", []), "result", "Data 2.4.5"),
        ("result-unknown", "result with an unknown property", update_("result", passed=True), "result.passed",
         "Data 2.4.5"),
    ]
    for name, description, mutate, path, section in table:
        _add(cases, f"result-{name}", description, section, "full", mutate, path)
    for key, value in BAD_DURATIONS.items():
        _add(cases, f"result-duration-{key}", f"duration invalid ({key})", "Data 4.6", "full",
             set_("result.duration", value), "result.duration")
    for name, mutate, path in (
        ("sub-scaled", set_("object.result.score.scaled", 2), "object.result.score.scaled"),
        ("sub-success", set_("object.result.success", "false"), "object.result.success"),
        ("sub-duration", set_("object.result.duration", "PA1H0M0S"), "object.result.duration"),
    ):
        _add(cases, f"result-{name}", f"SubStatement result {name}", "Data 2.4.5", "substatement", mutate, path)


def _context_cases(cases: list[Case]) -> None:
    s = "Data 2.4.6"
    for key, value in BAD_UUIDS.items():
        _add(cases, f"context-registration-{key}", f"registration invalid ({key})", "Data 2.4.6.1", "full",
             set_("context.registration", value), "context.registration")
    ca = "context.contextActivities"
    table = [
        ("ca-key-case", "contextActivities key 'Parent'", rename_(f"{ca}.parent", "Parent"), f"{ca}.Parent",
         "Data 2.4.6.2"),
        ("ca-key-unknown", "contextActivities key 'others'", rename_(f"{ca}.other", "others"), f"{ca}.others",
         "Data 2.4.6.2"),
        ("ca-value-string", "contextActivities value is a string", set_(f"{ca}.parent", f"{EX}/quiz"),
         f"{ca}.parent", "Data 2.4.6.2"),
        ("ca-value-number", "contextActivities value is a number", set_(f"{ca}.grouping", 1), f"{ca}.grouping",
         "Data 2.4.6.2"),
        ("ca-item-string", "contextActivities array holds a string", set_(f"{ca}.category", [f"{EX}/p"]),
         f"{ca}.category[0]", "Data 2.4.6.2"),
        ("ca-item-agent", "contextActivities array holds an Agent", set_(f"{ca}.other", [AGENT]),
         f"{ca}.other[0]", "Data 2.4.6.2"),
        ("ca-item-null", "contextActivities array holds null", set_(f"{ca}.other", [None]), f"{ca}.other[0]",
         "Data 2.2"),
        ("ca-string", "contextActivities is a string", set_(ca, "parent"), ca, "Data 2.4.6.2"),
        ("revision-number", "revision is a number", set_("context.revision", 1), "context.revision", s),
        ("platform-number", "platform is a number", set_("context.platform", 1), "context.platform", s),
        ("language-number", "language is a number", set_("context.language", 1), "context.language", s),
        ("extensions-array", "extensions is an array", set_("context.extensions", []), "context.extensions",
         "Data 4.1"),
        ("extension-key", "extension key not an IRI", set_("context.extensions", {"room": "B12"}),
         "context.extensions.room", "Data 4.1"),
        ("unknown-property", "context with an unknown property", update_("context", location="x"),
         "context.location", s),
        ("context-agents-in-1.0.3", "contextAgents in a 1.0.3 Statement",
         update_("context", contextAgents=[]), "context.contextAgents", "Data 2.2"),
        ("context-groups-in-1.0.3", "contextGroups in a 1.0.3 Statement",
         update_("context", contextGroups=[]), "context.contextGroups", "Data 2.2"),
        ("context-string", "context is a string", set_("context", "x"), "context", s),
    ]
    for name, description, mutate, path, section in table:
        _add(cases, f"context-{name}", description, section, "full", mutate, path)
    for key, value in BAD_LANG_TAGS.items():
        _add(cases, f"context-language-{key}", f"context.language invalid ({key})", s, "full",
             set_("context.language", value), "context.language")
    for key in ("revision", "platform"):
        _add(cases, f"context-{key}-statementref-object", f"{key} with a StatementRef object", s, "statementref",
             update_("context", **{key: "x"}), f"context.{key}")
        _add(cases, f"context-{key}-agent-object", f"{key} with an Agent object", s, "agent_object",
             update_("context", **{key: "x"}), f"context.{key}")
        _add(cases, f"context-{key}-substatement-object", f"{key} with a SubStatement object", s, "substatement",
             update_("", context={key: "x"}), f"context.{key}")


def _attachment_cases(cases: list[Case]) -> None:
    s = "Data 2.4.11"
    a = "attachments[0]"
    for key in ("usageType", "display", "contentType", "length", "sha2"):
        _add(cases, f"attachment-no-{key}", f"attachment without {key}", s, "full", del_(f"{a}.{key}"), f"{a}.{key}")
    table = [
        ("not-array", "attachments is an object", set_("attachments", ATTACHMENT), "attachments"),
        ("item-string", "attachment is a string", set_(a, "file.txt"), a),
        ("item-null", "attachment is null", set_(a, None), a),
        ("usagetype-not-iri", "usageType not an IRI", set_(f"{a}.usageType", "signature"), f"{a}.usageType"),
        ("display-string", "display is a string", set_(f"{a}.display", "should error"), f"{a}.display"),
        ("display-bad-tag", "display key 'something'", set_(f"{a}.display", {"en-US": "x", "something": "y"}),
         f"{a}.display"),
        ("description-bad-tag", "description key 'something'",
         set_(f"{a}.description", {"something": "y"}), f"{a}.description"),
        ("description-string", "description is a string", set_(f"{a}.description", "x"), f"{a}.description"),
        ("contenttype-number", "contentType is a number", set_(f"{a}.contentType", 1), f"{a}.contentType"),
        ("contenttype-not-media-type", "contentType not a media type", set_(f"{a}.contentType", "text"),
         f"{a}.contentType"),
        ("length-string", "length '27'", set_(f"{a}.length", "27"), f"{a}.length"),
        ("length-negative", "length -1", set_(f"{a}.length", -1), f"{a}.length"),
        ("length-float", "length 27.5", set_(f"{a}.length", 27.5), f"{a}.length"),
        ("length-bool", "length true", set_(f"{a}.length", True), f"{a}.length"),
        ("sha2-number", "sha2 is a number", set_(f"{a}.sha2", 1), f"{a}.sha2"),
        ("sha2-not-hex", "sha2 not hex", set_(f"{a}.sha2", "g" * 64), f"{a}.sha2"),
        ("sha2-wrong-length", "sha2 of 40 hex digits", set_(f"{a}.sha2", "a" * 40), f"{a}.sha2"),
        ("sha2-empty", "sha2 empty", set_(f"{a}.sha2", ""), f"{a}.sha2"),
        ("fileurl-not-irl", "fileUrl not an IRL", set_(f"{a}.fileUrl", "file.txt"), f"{a}.fileUrl"),
        ("fileurl-wrong-case", "fileURL instead of fileUrl", rename_(f"{a}.fileUrl", "fileURL"), f"{a}.fileURL"),
        ("unknown-property", "attachment with payload", update_(a, payload="abc"), f"{a}.payload"),
    ]
    for name, description, mutate, path in table:
        _add(cases, f"attachment-{name}", description, s, "full", mutate, path)


def _context_agent_cases(cases: list[Case]) -> None:
    s = "xAPI 2.0 Data 2.4.6"
    ag, gr = "context.contextAgents", "context.contextGroups"
    table = [
        ("agents-not-array", "contextAgents is an object", set_(ag, {"objectType": "contextAgent"}), ag),
        ("agent-no-objecttype", "contextAgent without objectType", del_(f"{ag}[0].objectType"),
         f"{ag}[0].objectType"),
        ("agent-wrong-objecttype", "objectType 'ContextAgent'", set_(f"{ag}[0].objectType", "ContextAgent"),
         f"{ag}[0].objectType"),
        ("agent-missing", "contextAgent without agent", del_(f"{ag}[0].agent"), f"{ag}[0].agent"),
        ("agent-is-group", "contextAgent agent is a Group", set_(f"{ag}[0].agent", ANON_GROUP), f"{ag}[0].agent"),
        ("agent-no-ifi", "contextAgent agent without IFI", set_(f"{ag}[0].agent", {"name": "x"}), f"{ag}[0].agent"),
        ("agent-relevant-empty", "relevantTypes empty", set_(f"{ag}[0].relevantTypes", []),
         f"{ag}[0].relevantTypes"),
        ("agent-relevant-not-iri", "relevantTypes item not an IRI", set_(f"{ag}[0].relevantTypes", ["coach"]),
         f"{ag}[0].relevantTypes[0]"),
        ("agent-relevant-string", "relevantTypes is a string",
         set_(f"{ag}[0].relevantTypes", f"{EX}/types/coach"), f"{ag}[0].relevantTypes"),
        ("agent-unknown", "contextAgent with an unknown property", update_(f"{ag}[0]", role="coach"),
         f"{ag}[0].role"),
        ("agent-null", "contextAgents item null", set_(f"{ag}[0]", None), f"{ag}[0]"),
        ("groups-not-array", "contextGroups is a string", set_(gr, "x"), gr),
        ("group-missing", "contextGroup without group", del_(f"{gr}[0].group"), f"{gr}[0].group"),
        ("group-is-agent", "contextGroup group is an Agent", set_(f"{gr}[0].group", AGENT), f"{gr}[0].group"),
        ("group-anon-no-member", "contextGroup group without member",
         set_(f"{gr}[0].group", {"objectType": "Group"}), f"{gr}[0].group.member"),
        ("group-wrong-objecttype", "contextGroup objectType 'contextAgent'",
         set_(f"{gr}[0].objectType", "contextAgent"), f"{gr}[0].objectType"),
        ("group-agent-key", "contextGroup uses 'agent' instead of 'group'",
         rename_(f"{gr}[0].group", "agent"), f"{gr}[0].agent"),
        ("version-2-under-1.0.3", "version 2.0.0 with a 1.0.3 request",
         chain(del_("context"), set_("version", "2.0.0")), "version"),
    ]
    for name, description, mutate, path in table:
        version = "1.0.3" if name.startswith("version-2") else "2.0.0"
        _add(cases, f"ctx2-{name}", description, s, "context_agents", mutate, path, version=version)


# --- systematic walk ----------------------------------------------------------------------

_MAP_KEYS = {"display", "name", "description"}


def _walk(node: Any, path: str) -> Iterator[tuple[str, Any, str]]:
    """Yield (path, value, kind) for every node; kind is dict, list, langmap, extensions or leaf."""
    if isinstance(node, dict):
        for key, value in node.items():
            child = f"{path}.{key}" if path else key
            if key == "extensions":
                yield child, value, "extensions"
            elif key in _MAP_KEYS and isinstance(value, dict):
                yield child, value, "langmap"
                for tag, text in value.items():
                    yield f"{child}.{tag}", text, "leaf"
            else:
                yield child, value, "dict" if isinstance(value, dict) else (
                    "list" if isinstance(value, list) else "leaf")
                yield from _walk(value, child)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            child = f"{path}[{i}]"
            yield child, value, "dict" if isinstance(value, dict) else ("list" if isinstance(value, list) else "leaf")
            yield from _walk(value, child)


def _wrong_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "true"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return 12345
    return "should fail"


def _wrong_case(key: str) -> str:
    swapped = key.swapcase()
    return swapped if swapped != key else key + "X"


def _walk_cases(cases: list[Case]) -> None:
    for base in ("full", "substatement"):
        for path, value, kind in _walk(BASES[base], ""):
            _add(cases, f"walk-{base}-null:{path}", f"{path} set to null", "Data 2.2", base,
                 set_(path, None), path)
            _add(cases, f"walk-{base}-type:{path}", f"{path} has the wrong JSON type", "Data 2.2", base,
                 set_(path, _wrong_type(value)), path)
            if kind == "dict":
                _add(cases, f"walk-{base}-unknown:{path}", f"unknown property in {path}", "Data 2.2", base,
                     update_(path, unknownProperty=1), f"{path}.unknownProperty")
                for key in value:
                    _add(cases, f"walk-{base}-case:{path}.{key}", f"wrong-case key {_wrong_case(key)!r} in {path}",
                         "Data 2.2", base, rename_(f"{path}.{key}", _wrong_case(key)), path)
        _add(cases, f"walk-{base}-unknown:(root)", "unknown top-level property", "Data 2.2", base,
             update_("", unknownProperty=1), "unknownProperty")


def _empty_object_cases(cases: list[Case]) -> None:
    # An empty Activity definition {} is valid (every definition property is optional; the conformance suite
    # sends one as a valid statement), so object.definition is not among these.
    for base, path in (("full", "result"), ("full", "result.score"),
                       ("full", "context"), ("full", "context.contextActivities"), ("full", "authority.account"),
                       ("full", "attachments[0]"), ("full", "object.definition.choices[0]"),
                       ("substatement", "object.result"), ("substatement", "object.context.contextActivities"),
                       ("full", "verb"), ("full", "actor"), ("full", "object")):
        _add(cases, f"empty-{base}-{path}", f"{path} is an empty object", "Data 2.2", base, set_(path, {}), path)


def _build() -> list[Case]:
    cases: list[Case] = []
    _agent_cases(cases)
    _group_cases(cases)
    _verb_cases(cases)
    _activity_cases(cases)
    _interaction_cases(cases)
    _statement_ref_cases(cases)
    _substatement_cases(cases)
    _statement_cases(cases)
    _result_cases(cases)
    _context_cases(cases)
    _attachment_cases(cases)
    _context_agent_cases(cases)
    _empty_object_cases(cases)
    _walk_cases(cases)
    # The walk re-derives a few statements the rule tables already hold; keep the first of each.
    unique: dict[str, Case] = {}
    for case in cases:
        unique.setdefault(json.dumps(case.build(), sort_keys=True) + case.version, case)
    cases = list(unique.values())
    ids = [case.id for case in cases]
    duplicates = {cid for cid in ids if ids.count(cid) > 1}
    assert not duplicates, f"duplicate case ids: {sorted(duplicates)}"
    return cases


CASES: list[Case] = _build()
