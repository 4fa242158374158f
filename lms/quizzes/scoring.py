"""Dispatch to the question types (lms/quizzes/types/<kind>.py) by a question's ``type``.

The views and services call these functions; each type module holds its schema, form parsing, scoring,
xAPI interaction and response format, and its render data.
"""
from __future__ import annotations

import random
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from .types import (QUESTION_TYPES, TRUE_FALSE, AnswerError, QuestionType, Scenario, UnknownQuestionType,
                    form_values, get_type, max_points, register)
from .types.common import data_of

__all__ = ["QUESTION_TYPES", "TRUE_FALSE", "AnswerError", "QuestionType", "Scenario", "UnknownQuestionType",
           "correct_response", "form_fields", "form_values", "get_type", "max_points", "parse", "public_view",
           "register", "response_text", "scenario_next", "scenario_trail", "score", "shuffle_order", "type_of",
           "validate_question", "xapi_interaction"]


def validate_question(raw: Any) -> list[str]:
    """Definition errors of one raw question table, including a missing or unknown type."""
    if not isinstance(raw, Mapping):
        return ["a question must be a table"]
    kind = raw.get("type")
    if not isinstance(kind, str) or kind not in QUESTION_TYPES:
        return [f"unknown question type {kind!r} (known: {', '.join(sorted(QUESTION_TYPES))})"]
    return QUESTION_TYPES[kind].validate(raw)


def type_of(q: Any) -> type[QuestionType]:
    """The question type class of a Question or raw table."""
    return get_type(data_of(q).get("type"))


def public_view(q: Any, order: Any = None) -> dict:
    """Render data without the answer key, options in the attempt's order (None = as defined)."""
    return type_of(q).public_view(q, order)


def form_fields(q: Any) -> list[str]:
    """Names of the form fields the question reads."""
    return type_of(q).form_fields(q)


def parse(q: Any, form: Mapping) -> Any:
    """Normalized answer from form values; None when unanswered; AnswerError when malformed."""
    return type_of(q).parse(q, form)


def score(q: Any, answer: Any) -> Fraction:
    """Points in [0, points] for a normalized answer."""
    return type_of(q).score(q, answer)


def correct_response(q: Any, lang: str = "de") -> str:
    """Readable correct answer for feedback."""
    return type_of(q).correct_response(q, lang)


def response_text(q: Any, answer: Any) -> str:
    """The answer in xAPI response format."""
    return type_of(q).response_text(q, answer)


def xapi_interaction(q: Any) -> dict:
    """xAPI interaction definition pieces of the question."""
    return type_of(q).xapi_interaction(q)


def shuffle_order(q: Any, rng: random.Random) -> Any:
    """Per-attempt option/item order (JSON-serialisable) or None."""
    return type_of(q).shuffle_order(q, rng)


def _scenario(q: Any) -> type[Scenario]:
    if type_of(q) is not Scenario:
        raise ValueError("not a scenario question")
    return Scenario


def scenario_next(q: Any, path: list[str], order: Any = None) -> dict | None:
    """The step to show after the decisions in ``path`` (public view), or None when the drill has ended."""
    return _scenario(q).next_step(q, path, order)


def scenario_trail(q: Any, path: list[str]) -> list[dict]:
    """The decisions taken so far with the feedback revealed after each: step, situation, choice, text, feedback."""
    return _scenario(q).trail(q, path)
