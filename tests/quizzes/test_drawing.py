"""Attempt drawing (reproducible from a seed), plan JSON, form parsing and grading of a whole attempt."""
from __future__ import annotations

import dataclasses
import json
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.quizzes.definitions import load_quizzes, question_pool
from lms.quizzes.drawing import AttemptPlan, PlanItem, draw_attempt, grade, parse_form

FIXTURES = Path(__file__).parent / "fixtures" / "quizzes"
QUIZZES = load_quizzes(FIXTURES, "demo")
BASICS, FINAL = QUIZZES["01-basics"], QUIZZES["final"]
BASICS_POOL, FINAL_POOL = question_pool(BASICS), question_pool(FINAL, QUIZZES)
SEEDS = st.integers(min_value=0, max_value=2**63)
FINAL_TEXT = (FIXTURES / "demo" / "final.toml").read_text(encoding="utf-8")


def test_drawing_module_draws_quiz_draw_questions():
    """A module attempt holds `draw` distinct questions from the pool."""
    plan = draw_attempt(BASICS, BASICS_POOL, seed=7)
    assert len(plan.keys) == BASICS.draw == len(set(plan.keys))
    assert set(plan.keys) <= set(BASICS_POOL)


def test_drawing_final_draws_count_per_source():
    """A final attempt takes `count` questions from each source quiz's pool, grouped by source."""
    plan = draw_attempt(FINAL, FINAL_POOL, seed=7)
    sources = [key.split("/")[0] for key in plan.keys]
    assert sources == ["01-basics"] * 3 + ["02-extra"] * 2
    assert set(plan.keys) <= set(FINAL_POOL)


def test_drawing_final_own_questions_drawn_last(tmp_path):
    """A final with own questions draws `own_draw` of them after the module draws; the seed fixes the plan."""
    folder = tmp_path / "demo"
    folder.mkdir()
    for path in (FIXTURES / "demo").glob("*.toml"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    own = (FIXTURES / "demo" / "01-basics.toml").read_text(encoding="utf-8")
    own = own[own.index("[[questions]]"):]
    text = FINAL_TEXT.replace("draw = 5", "draw = 7\nown_draw = 2") + "\n" + own
    (folder / "final.toml").write_text(text, encoding="utf-8")
    quizzes = load_quizzes(tmp_path, "demo")
    final = quizzes["final"]
    pool = question_pool(final, quizzes)
    plan = draw_attempt(final, pool, seed=11)
    assert [key.split("/")[0] for key in plan.keys] == ["01-basics"] * 3 + ["02-extra"] * 2 + ["final"] * 2
    assert len(set(plan.keys)) == 7 and draw_attempt(final, pool, seed=11) == plan
    assert draw_attempt(final, pool, seed=11).keys[:5] == draw_attempt(FINAL, FINAL_POOL, seed=11).keys
    answers, errors = parse_form(plan, pool, {})
    result = grade(final, plan, pool, answers)
    assert errors == {} and set(result.points) == set(plan.keys) and result.max_points >= 7


def test_drawing_option_orders_per_type():
    """Choices and items are shuffled permutations; true/false and numeric are not shuffled."""
    full = dataclasses.replace(BASICS, draw=7)
    plan = draw_attempt(full, BASICS_POOL, seed=3)
    orders = {key: plan.order(key) for key in plan.keys}
    assert orders["q03"] is None and orders["q06"] is None
    assert sorted(orders["q01"]) == ["a", "b", "c"] and sorted(orders["q02"]) == ["a", "b", "c", "d"]
    assert sorted(orders["q04"]) == ["a", "b", "c"] and orders["q04"] != ["b", "c", "a"]
    assert sorted(orders["q05"]) == ["a", "b", "c"]
    assert set(orders["q07"]) == {"s1", "s2", "s3"}


def test_drawing_ordering_never_in_correct_order():
    """Across many seeds the ordering question is never shown already solved."""
    full = dataclasses.replace(BASICS, draw=7)
    assert all(draw_attempt(full, BASICS_POOL, seed).order("q04") != ["b", "c", "a"] for seed in range(100))


def test_drawing_different_seeds_differ():
    """Different seeds give different plans in general."""
    plans = {json.dumps(draw_attempt(BASICS, BASICS_POOL, seed).to_json()) for seed in range(30)}
    assert len(plans) > 20


def test_drawing_too_large_draw_raises():
    """Drawing more questions than the pool holds is a ValueError."""
    with pytest.raises(ValueError):
        draw_attempt(dataclasses.replace(BASICS, draw=8), BASICS_POOL, seed=1)
    with pytest.raises(ValueError):
        draw_attempt(FINAL, {k: v for k, v in FINAL_POOL.items() if k.startswith("01-")}, seed=1)


def test_drawing_plan_json_roundtrip():
    """A plan survives to_json → JSON text → from_json unchanged."""
    plan = draw_attempt(FINAL, FINAL_POOL, seed=99)
    text = json.dumps(plan.to_json())
    assert AttemptPlan.from_json(text) == plan == AttemptPlan.from_json(json.loads(text))


@pytest.mark.parametrize("data", ['{"key": "q1"}', "[1, 2]", '[{"option_order": null}]'])
def test_drawing_plan_from_bad_json_raises(data):
    """Malformed stored plans are rejected with ValueError."""
    with pytest.raises(ValueError):
        AttemptPlan.from_json(data)


def test_drawing_plan_questions_skip_removed_keys():
    """Questions removed from the pool since the draw are skipped when resolving the plan."""
    plan = AttemptPlan((PlanItem("q01", ["c", "b", "a"]), PlanItem("gone", None)))
    [(question, order)] = plan.questions(BASICS_POOL)
    assert question.id == "q01" and order == ["c", "b", "a"]


@settings(max_examples=100, deadline=None)
@given(seed=SEEDS, draw=st.integers(1, 7))
def test_drawing_property_same_seed_same_plan(seed, draw):
    """The same seed always yields the same plan; keys are unique and from the pool."""
    quiz = dataclasses.replace(BASICS, draw=draw)
    plan = draw_attempt(quiz, BASICS_POOL, seed)
    assert draw_attempt(quiz, BASICS_POOL, seed) == plan
    assert len(set(plan.keys)) == draw and set(plan.keys) <= set(BASICS_POOL)
    assert AttemptPlan.from_json(json.loads(json.dumps(plan.to_json()))) == plan


@settings(max_examples=50, deadline=None)
@given(seed=SEEDS)
def test_drawing_property_final_same_seed_same_plan(seed):
    """Final exam plans are reproducible and respect the per-source counts."""
    plan = draw_attempt(FINAL, FINAL_POOL, seed)
    assert draw_attempt(FINAL, FINAL_POOL, seed) == plan
    assert len(set(plan.keys)) == 5 and sum(k.startswith("02-extra/") for k in plan.keys) == 2


# --- parse_form / grade ----------------------------------------------------------------------------

FULL = dataclasses.replace(BASICS, draw=7)
PLAN = AttemptPlan(tuple(PlanItem(key) for key in BASICS_POOL))
RIGHT = {"q-q01": ["b"], "q-q02": ["a", "c"], "q-q03": ["false"], "q-q04-a": ["3"], "q-q04-b": ["1"],
         "q-q04-c": ["2"], "q-q05-a": ["answer"], "q-q05-b": ["hide"], "q-q05-c": ["answer"], "q-q06": ["4,5"],
         "q-q07": ["a,a"], "csrf_token": ["x"]}


def test_drawing_parse_form_and_grade_full_marks():
    """A fully right form parses without errors and grades to full marks."""
    answers, errors = parse_form(PLAN, BASICS_POOL, RIGHT)
    assert errors == {} and answers["q06"] == 4.5 and answers["q07"] == ["a", "a"]
    result = grade(FULL, PLAN, BASICS_POOL, answers)
    assert result.score == result.max_points == 10 and result.share == 1 and result.passed


def test_drawing_grade_partial_and_fail():
    """Unanswered questions score 0; the share is compared with the pass mark."""
    answers, errors = parse_form(PLAN, BASICS_POOL, {"q-q01": "b", "q-q02": ["a"], "q-q07": "b,b,a"})
    assert errors == {} and answers["q03"] is None
    result = grade(FULL, PLAN, BASICS_POOL, answers)
    assert result.points["q01"] == 1 and result.points["q02"] == 1 and result.points["q07"] == Fraction(3, 2)
    assert result.score == Fraction(7, 2) and result.share == Fraction(7, 20) and not result.passed


def test_drawing_parse_form_errors_by_question_and_stray_field():
    """Bad answers are reported per question; fields of questions outside the attempt are reported too."""
    plan = AttemptPlan((PlanItem("q01"), PlanItem("q06")))
    answers, errors = parse_form(plan, BASICS_POOL, {"q-q01": "z", "q-q06": "4,5", "q-q03": "true", "q-q01-x": "1"})
    assert set(errors) == {"q01", "q-q03"} and answers == {"q06": 4.5}
    assert errors["q-q03"].params == {"id": "q03"}


def test_drawing_final_grade_uses_prefixed_keys():
    """A final attempt parses q-<quiz>/<question> fields and grades with the final's pass mark."""
    plan = draw_attempt(FINAL, FINAL_POOL, seed=5)
    answers, errors = parse_form(plan, FINAL_POOL, {})
    assert errors == {} and set(answers) == set(plan.keys)
    result = grade(FINAL, plan, FINAL_POOL, answers)
    assert result.score == 0 and not result.passed and result.max_points > 0
