"""Attempts: draw an attempt's questions reproducibly from a seed; parse and grade a submitted attempt."""
from __future__ import annotations

import json
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from . import scoring
from .scoring import AnswerError

Order = list[str] | dict[str, list[str]] | None


@dataclass(frozen=True)
class PlanItem:
    """One drawn question: its pool key and the option/item order shown in this attempt."""

    key: str
    option_order: Order = None


@dataclass(frozen=True)
class AttemptPlan:
    """The questions of one attempt in display order; stored as JSON so a reload shows the same attempt."""

    items: tuple[PlanItem, ...]

    @property
    def keys(self) -> list[str]:
        """Pool keys of the drawn questions, in display order."""
        return [item.key for item in self.items]

    def order(self, key: str) -> Order:
        """The option order of one drawn question."""
        return next(item.option_order for item in self.items if item.key == key)

    def questions(self, pool: Mapping[str, Any]) -> list[tuple[Any, Order]]:
        """(question, option order) pairs in display order; keys no longer in the pool are skipped."""
        return [(pool[item.key], item.option_order) for item in self.items if item.key in pool]

    def to_json(self) -> list[dict]:
        """JSON-serialisable form: a list of {key, option_order}."""
        return [{"key": item.key, "option_order": item.option_order} for item in self.items]

    @classmethod
    def from_json(cls, data: str | bytes | list) -> AttemptPlan:
        """Rebuild a plan from ``to_json()`` output (or its JSON text)."""
        if isinstance(data, (str, bytes)):
            data = json.loads(data)
        if not isinstance(data, list) or not all(isinstance(d, dict) and isinstance(d.get("key"), str)
                                                 for d in data):
            raise ValueError("an attempt plan is a list of {key, option_order}")
        return cls(tuple(PlanItem(d["key"], d.get("option_order")) for d in data))


def draw_attempt(quiz: Any, pool: Mapping[str, Any], seed: int) -> AttemptPlan:
    """Draw ``quiz.draw`` questions (final: ``count`` per source quiz, then ``own_draw`` of its own questions) and
    shuffle their options, all from the seed."""
    rng = random.Random(seed)
    if quiz.kind == "final":
        keys: list[str] = []
        for source, count in [*quiz.from_, (quiz.id, quiz.own_draw)]:
            if not count:
                continue
            candidates = [key for key in pool if key.startswith(f"{source}/")]
            if count > len(candidates):
                raise ValueError(f"quiz {quiz.id}: cannot draw {count} from {len(candidates)} in {source}")
            keys += rng.sample(candidates, count)
    else:
        if quiz.draw > len(pool):
            raise ValueError(f"quiz {quiz.id}: cannot draw {quiz.draw} from a pool of {len(pool)}")
        keys = rng.sample(list(pool), quiz.draw)
    return AttemptPlan(tuple(PlanItem(key, scoring.shuffle_order(pool[key], rng)) for key in keys))


def parse_form(plan: AttemptPlan, pool: Mapping[str, Any],
               form: Mapping) -> tuple[dict[str, Any], dict[str, AnswerError]]:
    """Answers by question key (None = unanswered) and errors by question key, or by field name for a
    ``q-…`` field that belongs to no question of this attempt."""
    answers: dict[str, Any] = {}
    errors: dict[str, AnswerError] = {}
    roots = set()
    for question, _ in plan.questions(pool):
        roots.add(f"q-{question.id}")
        try:
            answers[question.id] = scoring.parse(question, form)
        except AnswerError as exc:
            errors[question.id] = exc
    for name in form:
        if name.startswith("q-") and scoring.form_values(form, name) \
                and not any(name == root or name.startswith(f"{root}-") for root in roots):
            errors[name] = AnswerError("Diese Frage gehört nicht zu diesem Versuch: %(id)s", id=name[2:])
    return answers, errors


@dataclass(frozen=True)
class Grade:
    """Result of an attempt: points per question key, totals, share of the maximum and pass/fail."""

    points: dict[str, Fraction] = field(hash=False)
    score: Fraction
    max_points: Fraction
    share: Fraction
    passed: bool


def grade(quiz: Any, plan: AttemptPlan, pool: Mapping[str, Any], answers: Mapping[str, Any]) -> Grade:
    """Score every drawn question (missing answers score 0) and compare the share with the pass mark."""
    questions = [q for q, _ in plan.questions(pool)]
    points = {q.id: scoring.score(q, answers.get(q.id)) for q in questions}
    total = sum(points.values(), Fraction(0))
    maximum = sum((scoring.max_points(q) for q in questions), Fraction(0))
    share = total / maximum if maximum else Fraction(0)
    return Grade(points, total, maximum, share, bool(maximum) and share >= Fraction(str(quiz.pass_mark)))
