"""Property tests: random valid Statements validate; one random invalid mutation makes them fail."""
from __future__ import annotations

import copy
import datetime as dt
import json
import string
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
import malformed_cases as mc  # noqa: E402

from lms.lrs.formats import format_statement  # noqa: E402
from lms.lrs.validation import StatementError, parse_json, validate_statement, validate_statements  # noqa: E402

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TAGS = ["en", "en-US", "de", "de-DE", "fr-CA", "zh-Hant", "sr-Latn-RS", "es-419", "und", "x-klingon"]
words = st.text(alphabet=string.ascii_letters + string.digits + " äöüéß", max_size=12)
slugs = st.text(alphabet=string.ascii_lowercase + string.digits + "-_", min_size=1, max_size=10)
hosts = st.builds(lambda name, tld: f"{name}.{tld}", st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True),
                  st.sampled_from(["com", "org", "example"]))
iris = st.one_of(
    st.builds(lambda s, h, p: f"{s}://{h}/{p}", st.sampled_from(["http", "https"]), hosts, slugs),
    st.builds(lambda p: f"urn:example:{p}", slugs),
)
irls = st.builds(lambda h, p: f"https://{h}/{p}", hosts, slugs)
uuids = st.builds(lambda u, up: str(u).upper() if up else str(u), st.uuids(), st.booleans())
lang_maps = st.dictionaries(st.sampled_from(TAGS), words, max_size=3)
extensions = st.dictionaries(iris, st.one_of(st.none(), st.integers(), words, st.lists(st.integers(), max_size=2),
                                             st.dictionaries(slugs, words, max_size=2)), max_size=2)
timestamps = st.builds(
    lambda d, zone: d.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + zone,
    st.datetimes(min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    st.sampled_from(["Z", "+00:00", "+05:30", "-08:00", "+0100", ""]),
)
durations = st.one_of(
    st.builds(lambda h, m, s: f"PT{h}H{m}M{s}S", st.integers(0, 99), st.integers(0, 59), st.integers(0, 59)),
    st.builds(lambda y, d: f"P{y}Y{d}D", st.integers(0, 5), st.integers(0, 30)),
    st.builds(lambda w: f"P{w}W", st.integers(1, 52)),
    st.builds(lambda s, c: f"PT{s}.{c:02d}S", st.integers(0, 10 ** 6), st.integers(0, 99)),
)


def _ifi() -> st.SearchStrategy[dict]:
    return st.one_of(
        st.builds(lambda local, host: {"mbox": f"mailto:{local}@{host}"}, slugs, hosts),
        st.builds(lambda h: {"mbox_sha1sum": h}, st.from_regex(r"[0-9a-fA-F]{40}", fullmatch=True)),
        st.builds(lambda i: {"openid": i}, iris),
        st.builds(lambda home, name: {"account": {"homePage": home, "name": name}}, irls, words),
    )


@st.composite
def agents(draw, object_type: bool | None = None) -> dict:
    """Random Agent with one IFI (objectType forced, random or absent)."""
    agent = draw(_ifi())
    if draw(st.booleans()):
        agent["name"] = draw(words)
    if object_type or (object_type is None and draw(st.booleans())):
        agent["objectType"] = "Agent"
    return agent


@st.composite
def groups(draw, identified: bool | None = None) -> dict:
    """Random Anonymous (with members) or Identified Group."""
    group = {"objectType": "Group"}
    if identified if identified is not None else draw(st.booleans()):
        group.update(draw(_ifi()))
        if draw(st.booleans()):
            group["member"] = draw(st.lists(agents(), max_size=3))
    else:
        group["member"] = draw(st.lists(agents(), min_size=1, max_size=3))
    if draw(st.booleans()):
        group["name"] = draw(words)
    return group


actors = st.one_of(agents(), groups())
verbs = st.builds(lambda i, d, show: {"id": i, "display": d} if show else {"id": i}, iris, lang_maps, st.booleans())


@st.composite
def components(draw) -> list[dict]:
    """Random interaction component list with distinct ids."""
    ids = draw(st.lists(slugs, min_size=1, max_size=4, unique=True))
    out = []
    for cid in ids:
        item = {"id": cid}
        if draw(st.booleans()):
            item["description"] = draw(lang_maps)
        out.append(item)
    return out


@st.composite
def definitions(draw) -> dict:
    """Random Activity Definition, possibly an interaction with matching component lists."""
    definition: dict = {}
    for key, strategy in (("name", lang_maps), ("description", lang_maps), ("type", iris), ("moreInfo", irls),
                          ("extensions", extensions)):
        if draw(st.booleans()):
            definition[key] = draw(strategy)
    if draw(st.booleans()):
        kind = draw(st.sampled_from(list(mc.INTERACTIONS)))
        definition["interactionType"] = kind
        if draw(st.booleans()):
            definition["correctResponsesPattern"] = draw(st.lists(words, max_size=3))
        for key in {"choice": ["choices"], "sequencing": ["choices"], "likert": ["scale"],
                    "matching": ["source", "target"], "performance": ["steps"]}.get(kind, []):
            if draw(st.booleans()):
                definition[key] = draw(components())
    return definition or {"name": draw(lang_maps)}


@st.composite
def activities(draw) -> dict:
    """Random Activity."""
    activity = {"id": draw(iris)}
    if draw(st.booleans()):
        activity["objectType"] = "Activity"
    if draw(st.booleans()):
        activity["definition"] = draw(definitions())
    return activity


statement_refs = st.builds(lambda u: {"objectType": "StatementRef", "id": u}, uuids)


@st.composite
def scores(draw) -> dict:
    """Random consistent Score subset (min <= raw <= max, -1 <= scaled <= 1)."""
    low = draw(st.floats(-1000, 1000, allow_nan=False))
    high = low + draw(st.floats(0, 1000, allow_nan=False))
    raw = draw(st.floats(low, high, allow_nan=False)) if high > low else low
    score = {"scaled": draw(st.floats(-1, 1)), "raw": raw, "min": low, "max": high}
    keep = draw(st.sets(st.sampled_from(list(score)), min_size=1, max_size=4))
    return {key: value for key, value in score.items() if key in keep}


@st.composite
def results(draw) -> dict:
    """Random Result."""
    result: dict = {}
    for key, strategy in (("score", scores()), ("success", st.booleans()), ("completion", st.booleans()),
                          ("response", words), ("duration", durations), ("extensions", extensions)):
        if draw(st.booleans()):
            result[key] = draw(strategy)
    return result or {"completion": draw(st.booleans())}


@st.composite
def contexts(draw, object_is_activity: bool, v2: bool = False) -> dict:
    """Random Context (revision/platform only with an Activity object; context agents for 2.0)."""
    context: dict = {}
    options = [("registration", uuids), ("instructor", actors), ("team", groups()),
               ("language", st.sampled_from(TAGS)), ("statement", statement_refs), ("extensions", extensions)]
    if object_is_activity:
        options += [("revision", words), ("platform", words)]
    for key, strategy in options:
        if draw(st.booleans()):
            context[key] = draw(strategy)
    if draw(st.booleans()):
        context["contextActivities"] = {
            key: draw(st.one_of(activities(), st.lists(activities(), max_size=2)))
            for key in draw(st.sets(st.sampled_from(["parent", "grouping", "category", "other"]), min_size=1))}
    if v2 and draw(st.booleans()):
        context["contextAgents"] = [{"objectType": "contextAgent", "agent": draw(agents()),
                                     "relevantTypes": draw(st.lists(iris, min_size=1, max_size=2))}]
        context["contextGroups"] = [{"objectType": "contextGroup", "group": draw(groups())}]
    return context or {"registration": draw(uuids)}


attachments = st.lists(st.builds(
    lambda usage, display, ctype, length, sha, url: {
        "usageType": usage, "display": display, "contentType": ctype, "length": length, "sha2": sha,
        **({"fileUrl": url} if url else {})},
    iris, lang_maps, st.sampled_from(["text/plain", "application/octet-stream", "image/png; q=1"]),
    st.integers(0, 10 ** 9), st.from_regex(r"[0-9a-f]{64}", fullmatch=True), st.one_of(st.none(), irls)),
    max_size=2)


@st.composite
def statements(draw, sub: bool = False, v2: bool = False) -> dict:
    """Random valid Statement (or SubStatement body when sub)."""
    choices = ["activity", "agent", "group", "ref"] + ([] if sub else ["sub"])
    kind = draw(st.sampled_from(choices))
    obj = {"activity": activities, "agent": lambda: agents(object_type=True), "group": groups,
           "ref": lambda: statement_refs, "sub": lambda: statements(sub=True, v2=v2)}[kind]()
    obj = draw(obj)
    if kind == "sub":
        obj["objectType"] = "SubStatement"
    stmt = {"actor": draw(actors), "verb": draw(verbs), "object": obj}
    optional = [("result", results()), ("context", contexts(kind == "activity", v2)), ("timestamp", timestamps),
                ("attachments", attachments)]
    if not sub:
        optional += [("id", uuids), ("stored", timestamps), ("authority", agents()),
                     ("version", st.sampled_from(["1.0.0", "1.0.3", "1.0"] + (["2.0.0"] if v2 else [])))]
    for key, strategy in optional:
        if draw(st.booleans()):
            stmt[key] = draw(strategy)
    return stmt


# --- valid statements stay valid ---------------------------------------------------------

@SETTINGS
@given(statements())
def test_random_valid_statements_validate(stmt: dict) -> None:
    validate_statement(stmt)
    validate_statement(parse_json(json.dumps(stmt)))


@SETTINGS
@given(statements(v2=True))
def test_random_valid_2_0_statements_validate(stmt: dict) -> None:
    validate_statement(stmt, "2.0.0")


@SETTINGS
@given(statements(), st.sampled_from(["ids", "exact", "canonical"]), st.lists(st.sampled_from(TAGS), max_size=3))
def test_formatted_statements_remain_valid(stmt: dict, fmt: str, languages: list[str]) -> None:
    validate_statement(format_statement(stmt, fmt, languages))


@settings(max_examples=40, deadline=None)
@given(st.lists(statements(), min_size=1, max_size=4), uuids)
def test_batches_with_a_repeated_id_are_rejected(batch: list[dict], sid: str) -> None:
    for stmt in batch:
        stmt.pop("id", None)
    assert validate_statements(batch) == batch
    batch[0]["id"] = sid
    batch[-1]["id"] = sid.lower() if len(batch) > 1 else sid
    if len(batch) == 1:
        batch.append(copy.deepcopy(batch[0]))
    try:
        validate_statements(batch)
    except StatementError as exc:
        assert "duplicates" in str(exc)
    else:
        raise AssertionError("duplicate ids accepted")


# --- single invalid mutations ------------------------------------------------------------

def _nodes(stmt: dict) -> list[tuple[str, object, str]]:
    return list(mc._walk(stmt, ""))


def _wrong_type(value: object) -> object:
    if isinstance(value, bool):
        return "true"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return 12345
    return "should fail"


def _reject(stmt: dict, version: str = "1.0.3") -> None:
    try:
        validate_statement(stmt, version)
    except StatementError:
        return
    raise AssertionError(f"accepted: {json.dumps(stmt)[:400]}")


@SETTINGS
@given(statements(), st.data())
def test_null_anywhere_is_rejected(stmt: dict, data: st.DataObject) -> None:
    path, _, _ = data.draw(st.sampled_from(_nodes(stmt)))
    mc.set_(path, None)(stmt)
    _reject(stmt)


@SETTINGS
@given(statements(), st.data())
def test_wrong_json_type_anywhere_is_rejected(stmt: dict, data: st.DataObject) -> None:
    path, value, _ = data.draw(st.sampled_from(_nodes(stmt)))
    mc.set_(path, _wrong_type(value))(stmt)
    _reject(stmt)


@SETTINGS
@given(statements(), st.data(), st.sampled_from(["unknownProperty", "Id", "ACTOR", "objecttype", "mBox"]))
def test_unknown_property_is_rejected(stmt: dict, data: st.DataObject, key: str) -> None:
    objects = [("", stmt)] + [(p, v) for p, v, kind in _nodes(stmt) if kind == "dict"]
    path, node = data.draw(st.sampled_from(objects))
    node[key] = 1
    _reject(stmt)


@SETTINGS
@given(statements(), st.data())
def test_dropping_a_required_property_is_rejected(stmt: dict, data: st.DataObject) -> None:
    required = ["actor", "verb", "object", "verb.id"]
    obj = stmt["object"]
    if obj.get("objectType") in (None, "Activity", "StatementRef"):
        required.append("object.id")
    if obj.get("objectType") in ("StatementRef", "SubStatement", "Agent", "Group"):
        required.append("object.objectType")
    for path, value, kind in _nodes(stmt):
        last = path.rsplit(".", 1)[-1]
        if last in ("homePage", "usageType", "contentType", "length", "sha2") or (
                last == "name" and ".account" in path) or path.endswith("].id") and ".definition." in path:
            required.append(path)
    mc.del_(data.draw(st.sampled_from(required)))(stmt)
    _reject(stmt)


BAD_IFIS = [("mbox", "a@example.com"), ("mbox", "mailto:nobody"), ("mbox_sha1sum", "abc"), ("openid", "x y"),
            ("account", {"name": "x"}), ("account", {"homePage": "nope", "name": "x"}), ("mbox", 5)]


@SETTINGS
@given(statements(), st.data(), st.sampled_from(BAD_IFIS))
def test_bad_ifi_is_rejected(stmt: dict, data: st.DataObject, bad: tuple[str, object]) -> None:
    slots = [p for p, v, kind in [("actor", stmt["actor"], "dict"), *_nodes(stmt)]
             if kind == "dict" and isinstance(v, dict) and any(k in v for k in ("mbox", "mbox_sha1sum", "openid",
                                                                                    "account"))
             and not p.endswith(".account")]
    path = data.draw(st.sampled_from(slots))
    agent = mc.get_path(stmt, path)
    for key in ("mbox", "mbox_sha1sum", "openid", "account"):
        agent.pop(key, None)
    agent[bad[0]] = bad[1]
    _reject(stmt)


@SETTINGS
@given(statements(), st.sampled_from([
    {"scaled": 1.0001}, {"scaled": -2}, {"raw": 11, "max": 10}, {"raw": -1, "min": 0},
    {"min": 5, "max": 4}, {"scaled": "0.5"}, {"raw": True},
]))
def test_out_of_range_score_is_rejected(stmt: dict, score: dict) -> None:
    stmt.setdefault("result", {})["score"] = score
    _reject(stmt)


@SETTINGS
@given(statements(), st.data())
def test_second_ifi_is_rejected(stmt: dict, data: st.DataObject) -> None:
    extra = data.draw(st.sampled_from([("mbox", "mailto:z@example.com"), ("openid", "http://o.example.com/z")]))
    agent = stmt["actor"]
    if extra[0] in agent:
        extra = ("mbox_sha1sum", "0" * 40)
    if not any(k in agent for k in ("mbox", "mbox_sha1sum", "openid", "account")):
        agent["account"] = {"homePage": "http://x.example.com", "name": "n"}
    agent[extra[0]] = extra[1]
    _reject(stmt)
