"""True/false: a statement that is true or false (xAPI 'true-false')."""
from __future__ import annotations

from fractions import Fraction

from .base import QuestionType, register
from .common import AnswerError, data_of, field_name, form_values

TRUE_FALSE = {"de": ("wahr", "falsch"), "en": ("true", "false")}


@register
class TrueFalse(QuestionType):
    """A statement that is true or false."""

    name, fields, interaction = "truefalse", frozenset({"answer"}), "true-false"

    @classmethod
    def _check(cls, raw):
        return [] if isinstance(raw.get("answer"), bool) else ["'answer' must be true or false"]

    @classmethod
    def parse(cls, q, form):
        """True or False from field q-<id> ('true'/'false')."""
        values = form_values(form, field_name(data_of(q)))
        if not values:
            return None
        if len(values) > 1 or values[0].lower() not in ("true", "false"):
            raise AnswerError("Bitte wahr oder falsch wählen.")
        return values[0].lower() == "true"

    @classmethod
    def _share(cls, raw, answer):
        if not isinstance(answer, bool):
            raise AnswerError("Ungültige Antwort.")
        return Fraction(answer == raw["answer"])

    @classmethod
    def correct_response(cls, q, lang="de"):
        """'wahr'/'falsch' (or the English words)."""
        return TRUE_FALSE.get(lang, TRUE_FALSE["de"])[0 if data_of(q)["answer"] else 1]

    @classmethod
    def _response(cls, raw, answer):
        return "true" if answer else "false"

    @classmethod
    def _xapi(cls, raw):
        return {"correctResponsesPattern": ["true" if raw["answer"] else "false"]}
