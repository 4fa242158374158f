"""The question type base class and the registry that maps a type name to its class (CTFd-style)."""
from __future__ import annotations

import random
from collections.abc import Mapping
from fractions import Fraction
from typing import Any, ClassVar

from .common import ID_RE, data_of, field_name, frac, is_num, nonempty

COMMON_FIELDS = frozenset({"id", "type", "lesson", "scenario", "prompt", "explanation", "points"})


class UnknownQuestionType(LookupError):
    """No question type is registered under this name."""


QUESTION_TYPES: dict[str, type[QuestionType]] = {}


def register(cls: type[QuestionType]) -> type[QuestionType]:
    """Class decorator: make a question type available under its ``name``."""
    QUESTION_TYPES[cls.name] = cls
    return cls


def get_type(name: str) -> type[QuestionType]:
    """The registered class for a type name, else UnknownQuestionType."""
    try:
        return QUESTION_TYPES[name]
    except (KeyError, TypeError):
        raise UnknownQuestionType(f"unknown question type {name!r}") from None


def max_points(q: Any) -> Fraction:
    """The question's points (default 1) as an exact fraction."""
    return frac(data_of(q).get("points", 1))


class QuestionType:
    """Base class of a question type; subclasses override the hooks and are registered by name.

    Each type holds its schema (``fields`` and ``_check``), form parsing, scoring, the xAPI interaction
    definition and response format, and the data its template renders (``_view``).
    """

    name: ClassVar[str] = ""
    fields: ClassVar[frozenset[str]] = frozenset()
    interaction: ClassVar[str] = "other"

    @classmethod
    def validate(cls, raw: Mapping) -> list[str]:
        """Definition errors of a raw question table (common fields, then the type's own)."""
        errors = []
        if not isinstance(raw.get("id"), str) or not ID_RE.fullmatch(raw["id"]):
            errors.append("'id' must match [a-z0-9-]+")
        errors += [f"'{k}' is missing or empty" for k in ("lesson", "prompt", "explanation")
                   if not nonempty(raw.get(k))]
        if not isinstance(raw.get("scenario", False), bool):
            errors.append("'scenario' must be true or false")
        if "points" in raw and not (is_num(raw["points"]) and raw["points"] > 0):
            errors.append("'points' must be a number > 0")
        if extra := sorted(set(raw) - COMMON_FIELDS - cls.fields):
            errors.append(f"unknown key(s) {', '.join(map(repr, extra))} for type '{cls.name}'")
        return errors + cls._check(raw)

    @classmethod
    def _check(cls, raw: Mapping) -> list[str]:
        return []

    @classmethod
    def public_view(cls, q: Any, order: Any = None) -> dict:
        """What the page needs to render the question, in the attempt's order, without the answer key."""
        raw = data_of(q)
        return {"id": raw["id"], "type": cls.name, "prompt": raw["prompt"],
                "points": raw.get("points", 1), **cls._view(raw, order)}

    @classmethod
    def _view(cls, raw: Mapping, order: Any) -> dict:
        return {}

    @classmethod
    def form_fields(cls, q: Any) -> list[str]:
        """Names of the form fields this question reads."""
        return [field_name(data_of(q))]

    @classmethod
    def parse(cls, q: Any, form: Mapping) -> Any:
        """Turn submitted form values into a normalized JSON answer; None = unanswered."""
        raise NotImplementedError

    @classmethod
    def score(cls, q: Any, answer: Any) -> Fraction:
        """Points in [0, points] for a normalized answer (None scores 0); AnswerError if it does not fit."""
        if answer is None:
            return Fraction(0)
        return max_points(q) * cls._share(data_of(q), answer)

    @classmethod
    def _share(cls, raw: Mapping, answer: Any) -> Fraction:
        raise NotImplementedError

    @classmethod
    def correct_response(cls, q: Any, lang: str = "de") -> str:
        """The correct answer as readable text for feedback."""
        raise NotImplementedError

    @classmethod
    def response_text(cls, q: Any, answer: Any) -> str:
        """The answer in xAPI interaction response format ('' when unanswered)."""
        return "" if answer is None else cls._response(data_of(q), answer)

    @classmethod
    def _response(cls, raw: Mapping, answer: Any) -> str:
        return "[,]".join(answer)

    @classmethod
    def xapi_interaction(cls, q: Any) -> dict:
        """xAPI activity definition pieces: interactionType, correctResponsesPattern, choices/source/target."""
        return {"interactionType": cls.interaction, **cls._xapi(data_of(q))}

    @classmethod
    def _xapi(cls, raw: Mapping) -> dict:
        return {}

    @classmethod
    def shuffle_order(cls, q: Any, rng: random.Random) -> Any:
        """The option/item order for one attempt (JSON-serialisable), or None when not shuffled."""
        return None
