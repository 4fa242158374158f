"""Question types: validation rules, parsing, scoring, feedback and xAPI shapes of every type."""
from __future__ import annotations

import copy
import random
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.quizzes import scoring
from lms.quizzes.scoring import AnswerError, UnknownQuestionType

COMMON = {"lesson": "intro", "prompt": "Frage?", "explanation": "Weil (Lektion Intro)."}
OPTS = [{"id": i, "text": f"Option {i}"} for i in "abcd"]
ITEMS = [{"id": i, "text": f"Item {i}"} for i in "abc"]
CATS = [{"id": "hide", "text": "Verbergen"}, {"id": "answer", "text": "Antworten"}]
STEPS = [
    {"id": "s1", "situation": "Wut im Netz.", "choices": [
        {"id": "a", "text": "Prüfen", "points": 1, "feedback": "Gut.", "next": "s2"},
        {"id": "b", "text": "Löschen", "points": 0, "feedback": "Schlecht.", "next": "s3"}]},
    {"id": "s2", "situation": "Vorwurf stimmt.", "choices": [
        {"id": "a", "text": "Einräumen", "points": 1, "feedback": "Gut."},
        {"id": "b", "text": "Schweigen", "points": 0, "feedback": "Schlecht."}]},
    {"id": "s3", "situation": "Empörung wächst.", "choices": [
        {"id": "a", "text": "Entschuldigen", "points": 1, "feedback": "Spät."},
        {"id": "b", "text": "Sperren", "points": 0.5, "feedback": "Halb.", "next": "s2"}]},
]
VALID = {
    "single": {"options": OPTS[:3], "answer": "b"},
    "multiple": {"options": OPTS, "answer": ["a", "c"], "points": 2},
    "truefalse": {"answer": False},
    "ordering": {"items": ITEMS, "answer": ["b", "c", "a"]},
    "matching": {"items": ITEMS, "categories": CATS, "answer": {"a": "answer", "b": "hide", "c": "answer"}},
    "numeric": {"answer": 4.5, "tolerance": 0.1, "unit": "%"},
    "scenario": {"start": "s1", "steps": STEPS, "points": 3},
}


def make(kind: str, qid: str = "q1", **changes) -> dict:
    """A fresh valid raw question of a type, with top-level changes applied (None deletes a key)."""
    raw = {"id": qid, "type": kind, **copy.deepcopy(COMMON), **copy.deepcopy(VALID[kind])}
    for key, value in changes.items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value
    return raw


def form(**fields) -> dict[str, list[str]]:
    """A form as a dict of value lists; keyword 'q1__a' stands for field 'q-q1-a'."""
    return {"q-" + k.replace("__", "-"): v if isinstance(v, list) else [v] for k, v in fields.items()}


def with_steps(mutate) -> dict:
    """A scenario question whose steps were changed by ``mutate(steps)``."""
    raw = make("scenario")
    mutate(raw["steps"])
    return raw


# --- registry --------------------------------------------------------------------------------------

def test_scoring_registry_known_types():
    """All seven documented types are registered."""
    assert set(scoring.QUESTION_TYPES) == set(VALID)


def test_scoring_registry_unknown_type_raises():
    """Looking up an unregistered type raises UnknownQuestionType."""
    with pytest.raises(UnknownQuestionType):
        scoring.get_type("essay")


def test_scoring_registry_register_adds_type():
    """The register decorator makes a new type available by name."""
    @scoring.register
    class Essay(scoring.QuestionType):
        name = "essay-test"
    try:
        assert scoring.get_type("essay-test") is Essay
    finally:
        del scoring.QUESTION_TYPES["essay-test"]


# --- validation ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", sorted(VALID))
def test_scoring_validate_valid_definition(kind):
    """The reference definition of every type validates without errors."""
    assert scoring.validate_question(make(kind)) == []


INVALID = [
    ("common", make("single", type=None), "unknown question type None"),
    ("common", make("single", type="essay"), "unknown question type 'essay'"),
    ("common", make("single", id="Q 1"), "'id' must match"),
    ("common", make("single", explanation=None), "'explanation' is missing"),
    ("common", make("single", prompt="  "), "'prompt' is missing"),
    ("common", make("single", lesson=None), "'lesson' is missing"),
    ("common", make("single", points=0), "'points' must be a number > 0"),
    ("common", make("single", points=True), "'points' must be a number > 0"),
    ("common", make("single", scenario="yes"), "'scenario' must be true or false"),
    ("common", make("single", answers="b"), "unknown key(s) 'answers'"),
    ("single", make("single", answer="z"), "answer 'z' is not an option id"),
    ("single", make("single", answer=["b"]), "'answer' must be one option id"),
    ("single", make("single", options=OPTS[:1], answer="a"), "'options' needs 2–6 entries, has 1"),
    ("single", make("single", options=OPTS * 2), "'options' needs 2–6 entries, has 8"),
    ("single", make("single", options=[OPTS[0], OPTS[0], OPTS[1]], answer="a"), "duplicate id 'a'"),
    ("single", make("single", options=[{"id": "A", "text": "x"}, OPTS[1]]), "id 'A' must match"),
    ("single", make("single", options=[{"id": "a"}, OPTS[1]], answer="a"), "'text' is missing"),
    ("single", make("single", options=[{"id": "a", "text": "x", "ok": 1}, OPTS[1]], answer="a"),
     "unknown key(s) 'ok'"),
    ("single", make("single", options="a,b"), "'options' must be a list"),
    ("multiple", make("multiple", answer=[]), "non-empty list of option ids"),
    ("multiple", make("multiple", answer="a"), "non-empty list of option ids"),
    ("multiple", make("multiple", answer=["a", "z"]), "answer 'z' is not an option id"),
    ("multiple", make("multiple", answer=["a", "a"]), "lists an option twice"),
    ("truefalse", make("truefalse", answer="true"), "'answer' must be true or false"),
    ("truefalse", make("truefalse", options=OPTS), "unknown key(s) 'options'"),
    ("ordering", make("ordering", answer=["b", "c"]), "answer is missing item 'a'"),
    ("ordering", make("ordering", answer=["b", "c", "z"]), "answer 'z' is not an item id"),
    ("ordering", make("ordering", answer=["b", "c", "a", "a"]), "lists an item twice"),
    ("ordering", make("ordering", answer="bca"), "list of item ids"),
    ("ordering", make("ordering", items=ITEMS[:2], answer=["a", "b"]), "'items' needs 3–7 entries"),
    ("matching", make("matching", answer={"a": "answer", "b": "hide"}), "no category for item 'c'"),
    ("matching", make("matching", answer={"a": "answer", "b": "hide", "c": "x"}),
     "answer for item 'c': 'x' is not a category id"),
    ("matching", make("matching", answer={"a": "answer", "b": "hide", "c": "hide", "z": "hide"}),
     "answer maps 'z', which is not an item id"),
    ("matching", make("matching", answer=["a"]), "must map every item id"),
    ("matching", make("matching", categories=CATS[:1]), "'categories' needs 2–5 entries"),
    ("numeric", make("numeric", answer="4,5"), "'answer' must be a number"),
    ("numeric", make("numeric", answer=float("nan")), "'answer' must be a number"),
    ("numeric", make("numeric", tolerance=-0.1), "'tolerance' must be a number >= 0"),
    ("numeric", make("numeric", unit=""), "'unit' must be a non-empty string"),
    ("scenario", make("scenario", start="s9"), "start 's9' is not a step id"),
    ("scenario", make("scenario", steps=[]), "'steps' must be a non-empty list"),
    ("scenario", with_steps(lambda s: s[0]["choices"][0].update(next="s9")), "next 's9' is not a step id"),
    ("scenario", with_steps(lambda s: s[1]["choices"][0].update(next="s1")), "steps form a cycle: s1 → s2 → s1"),
    ("scenario", with_steps(lambda s: s[2]["choices"][1].update(next="s3")), "steps form a cycle: s3 → s3"),
    ("scenario", with_steps(lambda s: s[0]["choices"][1].pop("next")), "step s3 is unreachable"),
    ("scenario", with_steps(lambda s: s[1]["choices"][0].update(points=0.5)), "step s2: no choice with points = 1"),
    ("scenario", with_steps(lambda s: s[1]["choices"][0].update(points=2)), "'points' must be a number from 0 to 1"),
    ("scenario", with_steps(lambda s: s[1]["choices"][0].pop("feedback")), "choice a: 'feedback' is missing"),
    ("scenario", with_steps(lambda s: s[1]["choices"][1].update(id="a")), "step s2: choice a: duplicate choice id"),
    ("scenario", with_steps(lambda s: s[1].update(id="s1")), "step s1: duplicate step id"),
    ("scenario", with_steps(lambda s: s[1].update(situation="")), "step s2: 'situation' is missing"),
    ("scenario", with_steps(lambda s: s[1].update(choices=[])), "step s2: 'choices' must be a list of 1–6"),
    ("scenario", with_steps(lambda s: s[1].update(hint="x")), "step s2: unknown key(s) 'hint'"),
    ("scenario", with_steps(lambda s: s[1]["choices"][0].update(next=2)), "'next' must be a step id"),
]


@pytest.mark.parametrize(("kind", "raw", "expected"), INVALID, ids=[f"{k}-{e[:30]}" for k, _, e in INVALID])
def test_scoring_validate_invalid_definition(kind, raw, expected):
    """Each validation rule reports its problem in a readable message."""
    errors = scoring.validate_question(raw)
    assert any(expected in e for e in errors), errors


# --- single / multiple -----------------------------------------------------------------------------

def test_scoring_single_full_wrong_empty():
    """Single choice: right option scores full points, a wrong one 0, nothing is unanswered."""
    q = make("single")
    assert scoring.score(q, scoring.parse(q, form(q1="b"))) == 1
    assert scoring.score(q, scoring.parse(q, form(q1="a"))) == 0
    assert scoring.parse(q, form(q1=["", " "])) is None
    assert scoring.parse(q, {}) is None and scoring.score(q, None) == 0


@pytest.mark.parametrize("fields", [form(q1="z"), form(q1=["a", "b"])])
def test_scoring_single_bad_answer_raises(fields):
    """Single choice: an unknown option id or two options are AnswerErrors."""
    with pytest.raises(AnswerError):
        scoring.parse(make("single"), fields)


def test_scoring_single_unknown_stored_answer_raises():
    """Scoring a stored answer with an unknown option id raises AnswerError."""
    with pytest.raises(AnswerError, match="Unbekannte Option: z"):
        scoring.score(make("single"), "z")


@pytest.mark.parametrize(("chosen", "expected"), [
    (["a", "c"], Fraction(2)),             # 4 right decisions
    (["a"], Fraction(1)),                  # 3 right, 1 wrong → 2/4 of 2 points
    (["a", "b"], Fraction(0)),             # 2 right, 2 wrong
    (["b", "d"], Fraction(0)),             # all wrong, floored at 0
    (["a", "b", "c"], Fraction(1)),        # 3 right, 1 wrong
])
def test_scoring_multiple_partial_credit(chosen, expected):
    """Multiple choice: points × max(0, (right − wrong) / options)."""
    q = make("multiple")
    assert scoring.score(q, scoring.parse(q, form(q1=chosen))) == expected


def test_scoring_multiple_parse_normalizes_and_rejects():
    """Multiple choice: answers come back in option order; unknown or repeated ids are errors."""
    q = make("multiple")
    assert scoring.parse(q, form(q1=["c", "a"])) == ["a", "c"]
    assert scoring.parse(q, form(q1=[])) is None
    for bad in (["a", "z"], ["a", "a"]):
        with pytest.raises(AnswerError):
            scoring.parse(q, form(q1=bad))
    with pytest.raises(AnswerError):
        scoring.score(q, "a")


def test_scoring_choice_feedback_and_xapi():
    """Choice types give option texts as feedback and xAPI 'choice' with '[,]'-joined ids."""
    single, multiple = make("single"), make("multiple")
    assert scoring.correct_response(single) == "Option b"
    assert scoring.correct_response(multiple) == "Option a; Option c"
    assert scoring.response_text(multiple, ["a", "c"]) == "a[,]c"
    assert scoring.response_text(single, "b") == "b" and scoring.response_text(single, None) == ""
    xapi = scoring.xapi_interaction(multiple)
    assert xapi["interactionType"] == "choice" and xapi["correctResponsesPattern"] == ["a[,]c"]
    assert [c["id"] for c in xapi["choices"]] == ["a", "b", "c", "d"]


def test_scoring_choice_public_view_hides_answer():
    """The public view lists options in the attempt's order and carries no answer key."""
    view = scoring.public_view(make("single"), ["c", "a", "b"])
    assert [o["id"] for o in view["options"]] == ["c", "a", "b"]
    assert "answer" not in view and "explanation" not in view


def test_scoring_choice_public_view_tolerates_stale_order():
    """An order stored before a content edit drops removed ids and appends new ones."""
    view = scoring.public_view(make("single"), ["z", "c"])
    assert [o["id"] for o in view["options"]] == ["c", "a", "b"]


# --- truefalse -------------------------------------------------------------------------------------

def test_scoring_truefalse_full_wrong_empty():
    """True/false: the right value scores, the other does not, nothing is unanswered."""
    q = make("truefalse")
    assert scoring.parse(q, form(q1="False")) is False
    assert scoring.score(q, False) == 1 and scoring.score(q, True) == 0
    assert scoring.parse(q, {}) is None


@pytest.mark.parametrize("value", ["yes", ["true", "false"]])
def test_scoring_truefalse_bad_answer_raises(value):
    """True/false: anything but one 'true'/'false' is an AnswerError."""
    with pytest.raises(AnswerError):
        scoring.parse(make("truefalse"), form(q1=value))


def test_scoring_truefalse_feedback_and_xapi():
    """True/false: localized feedback and xAPI 'true-false' responses."""
    q = make("truefalse")
    assert scoring.correct_response(q) == "falsch" and scoring.correct_response(q, "en") == "false"
    assert scoring.response_text(q, True) == "true"
    assert scoring.xapi_interaction(q) == {"interactionType": "true-false", "correctResponsesPattern": ["false"]}
    with pytest.raises(AnswerError):
        scoring.score(q, "true")


# --- ordering --------------------------------------------------------------------------------------

def test_scoring_ordering_full_partial_empty():
    """Ordering: positions become an id order; score is the share of items in place."""
    q = make("ordering")
    full = scoring.parse(q, form(q1__a="3", q1__b="1", q1__c="2"))
    assert full == ["b", "c", "a"] and scoring.score(q, full) == 1
    assert scoring.score(q, ["b", "a", "c"]) == Fraction(1, 3)
    assert scoring.score(q, ["a", "b", "c"]) == 0
    assert scoring.parse(q, form(q1__a="")) is None


@pytest.mark.parametrize("fields", [
    form(q1__a="1", q1__b="2"),                    # incomplete
    form(q1__a="1", q1__b="1", q1__c="2"),         # duplicate position
    form(q1__a="x", q1__b="2", q1__c="3"),         # not a number
    form(q1__a="4", q1__b="2", q1__c="3"),         # out of range
    form(q1__a="1", q1__b="2", q1__c="3", q1__z="4"),  # unknown item
])
def test_scoring_ordering_bad_answer_raises(fields):
    """Ordering: incomplete, duplicate, non-numeric, out-of-range positions and unknown items are errors."""
    with pytest.raises(AnswerError):
        scoring.parse(make("ordering"), fields)


def test_scoring_ordering_bad_stored_answer_raises():
    """Scoring an ordering answer that is not a permutation of the items raises AnswerError."""
    for bad in (["a", "b"], ["a", "a", "b"], ["a", "b", "z"], "abc"):
        with pytest.raises(AnswerError):
            scoring.score(make("ordering"), bad)


def test_scoring_ordering_feedback_and_xapi():
    """Ordering: numbered feedback and xAPI 'sequencing'."""
    q = make("ordering")
    assert scoring.correct_response(q) == "1. Item b; 2. Item c; 3. Item a"
    assert scoring.response_text(q, ["a", "b", "c"]) == "a[,]b[,]c"
    xapi = scoring.xapi_interaction(q)
    assert xapi["interactionType"] == "sequencing" and xapi["correctResponsesPattern"] == ["b[,]c[,]a"]
    assert scoring.form_fields(q) == ["q-q1-a", "q-q1-b", "q-q1-c"]
    assert scoring.public_view(q)["positions"] == 3


def test_scoring_ordering_shuffle_never_shows_solution():
    """The shuffled item order never equals the correct order."""
    q = make("ordering")
    orders = {tuple(scoring.shuffle_order(q, random.Random(seed))) for seed in range(200)}
    assert ("b", "c", "a") not in orders and len(orders) > 1


# --- matching --------------------------------------------------------------------------------------

def test_scoring_matching_full_partial_empty():
    """Matching: share of items in the right category; unanswered items count as wrong."""
    q = make("matching")
    full = scoring.parse(q, form(q1__a="answer", q1__b="hide", q1__c="answer"))
    assert scoring.score(q, full) == 1
    part = scoring.parse(q, form(q1__a="answer", q1__b="answer"))
    assert part == {"a": "answer", "b": "answer"} and scoring.score(q, part) == Fraction(1, 3)
    assert scoring.parse(q, form(q1__a=" ")) is None


@pytest.mark.parametrize("fields", [
    form(q1__a="nope"), form(q1__z="hide"), form(q1__a=["hide", "answer"]),
])
def test_scoring_matching_bad_answer_raises(fields):
    """Matching: unknown categories, unknown items and two categories for one item are errors."""
    with pytest.raises(AnswerError):
        scoring.parse(make("matching"), fields)


def test_scoring_matching_bad_stored_answer_raises():
    """Scoring a matching answer with unknown ids raises AnswerError."""
    for bad in ({"z": "hide"}, {"a": "nope"}, ["a"]):
        with pytest.raises(AnswerError):
            scoring.score(make("matching"), bad)


def test_scoring_matching_feedback_and_xapi():
    """Matching: arrow feedback and xAPI 'matching' with source/target lists."""
    q = make("matching")
    assert scoring.correct_response(q).startswith("Item a → Antworten; Item b → Verbergen")
    assert scoring.response_text(q, {"b": "hide", "a": "hide"}) == "a[.]hide[,]b[.]hide"
    xapi = scoring.xapi_interaction(q)
    assert xapi["correctResponsesPattern"] == ["a[.]answer[,]b[.]hide[,]c[.]answer"]
    assert [s["id"] for s in xapi["source"]] == ["a", "b", "c"]
    assert [t["id"] for t in xapi["target"]] == ["hide", "answer"]


# --- numeric ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "points"), [
    ("4.5", 1), ("4,5", 1), ("4,6", 1), ("4.4", 1), ("4,5 %", 1), ("4.61", 0), ("−4,5", 0), (",5", 0),
])
def test_scoring_numeric_tolerance(text, points):
    """Numeric: all or nothing within the absolute tolerance; decimal comma and unit accepted."""
    q = make("numeric")
    assert scoring.score(q, scoring.parse(q, form(q1=text))) == points


@pytest.mark.parametrize("text", ["vier", "4.5.1", "1e3", "4,5 €", "9" * 400, ["1", "2"]])
def test_scoring_numeric_malformed_raises(text):
    """Numeric: non-numbers, several values and overflowing input are AnswerErrors."""
    with pytest.raises(AnswerError):
        scoring.parse(make("numeric"), form(q1=text))


def test_scoring_numeric_empty_and_exact():
    """Numeric: empty input is unanswered; zero tolerance needs the exact value."""
    q = make("numeric", tolerance=None, answer=14, unit=None)
    assert scoring.parse(q, form(q1="")) is None
    assert scoring.score(q, 14.0) == 1 and scoring.score(q, 14.01) == 0
    with pytest.raises(AnswerError):
        scoring.score(q, "14")


def test_scoring_numeric_feedback_and_xapi():
    """Numeric: German decimal comma in feedback; xAPI range pattern and plain number response."""
    q = make("numeric")
    assert scoring.correct_response(q) == "4,5 (± 0,1) %"
    assert scoring.correct_response(q, "en") == "4.5 (± 0.1) %"
    assert scoring.response_text(q, 4.6) == "4.6"
    assert scoring.xapi_interaction(q) == {"interactionType": "numeric", "correctResponsesPattern": ["4.4[:]4.6"]}
    assert scoring.xapi_interaction(make("numeric", tolerance=None))["correctResponsesPattern"] == ["4.5"]


# --- scenario --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "expected"), [
    (["a", "a"], Fraction(3)),                     # 2 good decisions
    (["a", "b"], Fraction(3, 2)),                  # 1 of 2
    (["b", "a"], Fraction(3, 2)),                  # 0 + 1
    (["b", "b", "a"], Fraction(3 * 3, 2 * 3)),     # (0 + 0.5 + 1) / 3 × 3
    (["b", "b", "b"], Fraction(1, 2)),             # (0 + 0.5 + 0) / 3 × 3
])
def test_scoring_scenario_path_scores(path, expected):
    """Scenario: points × sum of chosen points / number of decisions."""
    q = make("scenario")
    assert scoring.score(q, scoring.parse(q, form(q1=",".join(path)))) == expected


def test_scoring_scenario_parse_forms():
    """Scenario: a comma-separated path and repeated values parse alike; empty is unanswered."""
    q = make("scenario")
    assert scoring.parse(q, form(q1="a, a")) == ["a", "a"]
    assert scoring.parse(q, form(q1=["a", "a"])) == ["a", "a"]
    assert scoring.parse(q, form(q1="")) is None


@pytest.mark.parametrize(("path", "message"), [
    ("a", "zum Ende"),                # drill not finished
    ("a,a,a", "bereits beendet"),     # decision after the end
    ("z", "Unbekannte Entscheidung"),  # unknown choice
    ("a,c", "Unbekannte Entscheidung"),
])
def test_scoring_scenario_bad_path_raises(path, message):
    """Scenario: unfinished paths, decisions after the end and unknown choices are AnswerErrors."""
    with pytest.raises(AnswerError, match=message):
        scoring.parse(make("scenario"), form(q1=path))


def test_scoring_scenario_progression():
    """scenario_next reveals one step at a time and None at the end; the trail carries feedback."""
    q = make("scenario")
    first = scoring.public_view(q)["start"]
    assert first["id"] == "s1" and all(set(c) == {"id", "text"} for c in first["choices"])
    assert scoring.scenario_next(q, [])["id"] == "s1"
    assert scoring.scenario_next(q, ["b"], {"s3": ["b", "a"]})["choices"][0]["id"] == "b"
    assert scoring.scenario_next(q, ["b", "b"])["id"] == "s2"
    assert scoring.scenario_next(q, ["b", "b", "a"]) is None
    trail = scoring.scenario_trail(q, ["b", "b"])
    assert [(t["step"], t["choice"], t["feedback"]) for t in trail] == [("s1", "b", "Schlecht."), ("s3", "b", "Halb.")]
    with pytest.raises(AnswerError):
        scoring.scenario_next(q, ["x"])
    with pytest.raises(ValueError):
        scoring.scenario_next(make("single"), [])


def test_scoring_scenario_feedback_and_xapi():
    """Scenario: the best path as feedback, xAPI 'other' with every full-score path."""
    q = make("scenario")
    assert scoring.correct_response(q) == "Prüfen → Einräumen"
    assert scoring.response_text(q, ["b", "a"]) == "b[,]a"
    assert scoring.xapi_interaction(q) == {"interactionType": "other", "correctResponsesPattern": ["a[,]a"]}
    assert set(scoring.shuffle_order(q, random.Random(1))) == {"s1", "s2", "s3"}


def test_scoring_scenario_bad_stored_answer_raises():
    """Scoring a stored path that does not follow the links raises AnswerError."""
    for bad in (["a", "z"], "a,a", ["a", "a", "a"]):
        with pytest.raises(AnswerError):
            scoring.score(make("scenario"), bad)


def test_scoring_answer_error_carries_template():
    """AnswerError keeps the German msgid and its parameters for translation."""
    with pytest.raises(AnswerError) as info:
        scoring.parse(make("single"), form(q1="z"))
    assert info.value.template == "Unbekannte Option: %(id)s" and info.value.params == {"id": "z"}


# --- properties ------------------------------------------------------------------------------------

IDS = st.lists(st.sampled_from("abcdefghij"), unique=True, min_size=2, max_size=10)
POINTS = st.sampled_from([1, 2, 3, 0.5, 1.5])


def entries(ids):
    """{id, text} tables for the ids."""
    return [{"id": i, "text": f"T {i}"} for i in ids]


@st.composite
def questions(draw, kind=None):
    """A random valid raw question of the given (or a random) type."""
    kind = kind or draw(st.sampled_from(sorted(VALID)))
    raw = {"id": "q1", "type": kind, **COMMON, "points": draw(POINTS)}
    if kind in ("single", "multiple"):
        ids = draw(IDS.filter(lambda x: len(x) <= 6))
        raw["options"] = entries(ids)
        raw["answer"] = draw(st.sampled_from(ids)) if kind == "single" else \
            draw(st.lists(st.sampled_from(ids), unique=True, min_size=1))
    elif kind == "truefalse":
        raw["answer"] = draw(st.booleans())
    elif kind == "ordering":
        ids = draw(IDS.filter(lambda x: 3 <= len(x) <= 7))
        raw["items"], raw["answer"] = entries(ids), draw(st.permutations(ids))
    elif kind == "matching":
        ids = draw(IDS)
        cats = draw(st.lists(st.sampled_from(["x", "y", "z", "w", "v"]), unique=True, min_size=2, max_size=5))
        raw["items"], raw["categories"] = entries(ids), entries(cats)
        raw["answer"] = {i: draw(st.sampled_from(cats)) for i in ids}
    elif kind == "numeric":
        raw["answer"] = draw(st.floats(-1e6, 1e6, allow_nan=False))
        raw["tolerance"] = draw(st.sampled_from([0, 0.1, 0.5, 2]))
    else:
        count = draw(st.integers(1, 5))
        steps = []
        for n in range(count):
            choice_ids = draw(st.lists(st.sampled_from("abcd"), unique=True, min_size=1, max_size=4))
            full = draw(st.sampled_from(choice_ids))
            choices = []
            for k, cid in enumerate(choice_ids):
                nxt = f"s{n + 1}" if k == 0 and n + 1 < count else \
                    draw(st.sampled_from([None] + [f"s{m}" for m in range(n + 1, count)]))
                choice = {"id": cid, "text": "t", "feedback": "f",
                          "points": 1 if cid == full else draw(st.sampled_from([0, 0.5, 1]))}
                if nxt:
                    choice["next"] = nxt
                choices.append(choice)
            steps.append({"id": f"s{n}", "situation": "s", "choices": choices})
        raw["start"], raw["steps"] = "s0", steps
    return raw


@st.composite
def answers(draw, raw):
    """A random answer of the right shape for the question, sometimes with unknown ids."""
    kind, junk = raw["type"], st.sampled_from(["zz", "a", "x"])
    if kind == "single":
        return draw(st.one_of(st.sampled_from([o["id"] for o in raw["options"]]), junk))
    if kind == "multiple":
        return draw(st.lists(st.one_of(st.sampled_from([o["id"] for o in raw["options"]]), junk), max_size=7))
    if kind == "truefalse":
        return draw(st.booleans())
    if kind == "ordering":
        ids = [i["id"] for i in raw["items"]]
        return draw(st.one_of(st.permutations(ids), st.lists(st.one_of(st.sampled_from(ids), junk))))
    if kind == "matching":
        ids, cats = [i["id"] for i in raw["items"]], [c["id"] for c in raw["categories"]]
        return draw(st.dictionaries(st.one_of(st.sampled_from(ids), junk), st.one_of(st.sampled_from(cats), junk)))
    if kind == "numeric":
        return draw(st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.just(raw["answer"])))
    steps, path, current = {s["id"]: s for s in raw["steps"]}, [], "s0"
    while current and draw(st.booleans() | st.just(True)):
        choice = draw(st.sampled_from(steps[current]["choices"]))
        path.append(choice["id"])
        current = choice.get("next")
    return path + draw(st.lists(junk, max_size=1))


PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(st.data())
def test_scoring_property_score_in_range_and_deterministic(data):
    """For random valid questions and answers, score is in [0, points] and the same every time."""
    raw = data.draw(questions())
    assert scoring.validate_question(raw) == []
    answer = data.draw(answers(raw))
    try:
        first = scoring.score(raw, answer)
    except AnswerError:
        with pytest.raises(AnswerError):
            scoring.score(copy.deepcopy(raw), copy.deepcopy(answer))
        return
    assert 0 <= first <= scoring.max_points(raw)
    assert scoring.score(copy.deepcopy(raw), copy.deepcopy(answer)) == first
    assert isinstance(scoring.response_text(raw, answer), str)


@PROPS
@given(st.data())
def test_scoring_property_correct_answer_scores_full(data):
    """The answer key itself always earns full points (scenario: a best path)."""
    raw = data.draw(questions())
    key = scoring.Scenario.best_paths(raw, 1)[0] if raw["type"] == "scenario" else raw["answer"]
    assert scoring.score(raw, key) == scoring.max_points(raw)
    assert scoring.correct_response(raw)
    assert "correctResponsesPattern" in scoring.xapi_interaction(raw)


FORM_VALUES = st.lists(st.sampled_from(["a", "b", "c", "1", "2", "x", "4,5", "true", "a,b", "", "z"]), max_size=3)


@PROPS
@given(st.data())
def test_scoring_property_parse_never_crashes(data):
    """Random form input parses to None, a scorable answer, or an AnswerError — never anything else."""
    raw = data.draw(questions())
    names = ["q-q1"] + [f"q-q1-{i}" for i in "abcdz"]
    fields = data.draw(st.dictionaries(st.sampled_from(names), FORM_VALUES))
    try:
        answer = scoring.parse(raw, fields)
    except AnswerError:
        return
    assert 0 <= scoring.score(raw, answer) <= scoring.max_points(raw)
    if raw["type"] != "scenario" or answer is None:
        return
    assert scoring.scenario_next(raw, answer) is None


JUNK = st.one_of(st.none(), st.booleans(), st.integers(-3, 9), st.floats(), st.text(max_size=3),
                 st.lists(st.one_of(st.text(max_size=2), st.integers()), max_size=3),
                 st.dictionaries(st.text(max_size=2), st.text(max_size=2), max_size=2))


@PROPS
@given(st.data())
def test_scoring_property_validate_never_crashes(data):
    """Validation reports problems of broken definitions as messages and never raises."""
    raw = copy.deepcopy(data.draw(questions()))
    target = raw
    for key in ("options", "items", "steps"):
        if key in raw and data.draw(st.booleans()):
            target = data.draw(st.sampled_from(raw[key]))
            if key == "steps" and data.draw(st.booleans()):
                target = data.draw(st.sampled_from(target["choices"]))
    target[data.draw(st.sampled_from(sorted(target) + ["extra"]))] = data.draw(JUNK)
    errors = scoring.validate_question(raw)
    assert isinstance(errors, list) and all(isinstance(e, str) for e in errors)
