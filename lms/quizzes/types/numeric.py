"""Numeric: a number within an absolute tolerance (xAPI 'numeric')."""
from __future__ import annotations

import math
import re
from fractions import Fraction

from .base import QuestionType, register
from .common import AnswerError, data_of, dec, field_name, fmt, form_values, is_num, nonempty

NUMBER_RE = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")


@register
class Numeric(QuestionType):
    """A number within an absolute tolerance; all or nothing. Accepts a German decimal comma."""

    name, fields, interaction = "numeric", frozenset({"answer", "tolerance", "unit"}), "numeric"

    @classmethod
    def _check(cls, raw):
        errors = [] if is_num(raw.get("answer")) else ["'answer' must be a number"]
        if "tolerance" in raw and not (is_num(raw["tolerance"]) and raw["tolerance"] >= 0):
            errors.append("'tolerance' must be a number >= 0")
        if "unit" in raw and not nonempty(raw["unit"]):
            errors.append("'unit' must be a non-empty string")
        return errors

    @classmethod
    def _view(cls, raw, order):
        return {"unit": raw.get("unit", "")}

    @classmethod
    def parse(cls, q, form):
        """A float from field q-<id>; decimal comma, unicode minus and the unit are accepted."""
        raw = data_of(q)
        values = form_values(form, field_name(raw))
        if not values:
            return None
        text = values[0].replace("\u2212", "-")
        unit = raw.get("unit", "")
        if unit and text.endswith(unit):
            text = text[: -len(unit)].strip()
        if len(values) > 1 or not NUMBER_RE.fullmatch(text):
            raise AnswerError("Bitte eine Zahl eingeben, z. B. 4,5.")
        value = float(text.replace(",", "."))
        if not math.isfinite(value):
            raise AnswerError("Bitte eine Zahl eingeben, z. B. 4,5.")
        return value

    @classmethod
    def _share(cls, raw, answer):
        if not is_num(answer):
            raise AnswerError("Ungültige Antwort.")
        return Fraction(abs(dec(answer) - dec(raw["answer"])) <= dec(raw.get("tolerance", 0)))

    @classmethod
    def correct_response(cls, q, lang="de"):
        """The value with tolerance and unit, decimal comma in German."""
        raw = data_of(q)
        text = fmt(raw["answer"]) + (f" (± {fmt(raw['tolerance'])})" if raw.get("tolerance") else "")
        text = text.replace(".", ",") if lang == "de" else text
        return f"{text} {raw['unit']}" if raw.get("unit") else text

    @classmethod
    def _response(cls, raw, answer):
        return fmt(answer)

    @classmethod
    def _xapi(cls, raw):
        key, tol = dec(raw["answer"]), dec(raw.get("tolerance", 0))
        return {"correctResponsesPattern": [f"{fmt(key - tol)}[:]{fmt(key + tol)}" if tol else fmt(key)]}
