"""Single choice: one correct option out of 2–6 (xAPI 'choice')."""
from __future__ import annotations

from fractions import Fraction

from .base import QuestionType, register
from .common import (AnswerError, check_entries, data_of, described, entry_ids, entry_texts, field_name,
                     form_values, known_id, ordered_entries)

UNKNOWN_OPTION = "Unbekannte Option: %(id)s"


@register
class Single(QuestionType):
    """One correct option out of 2–6."""

    name, fields, interaction = "single", frozenset({"options", "answer"}), "choice"

    @classmethod
    def _check(cls, raw):
        errors: list[str] = []
        ids = check_entries(raw, "options", 2, 6, errors)
        answer = raw.get("answer")
        if not isinstance(answer, str):
            errors.append("'answer' must be one option id")
        elif answer not in ids:
            errors.append(f"answer {answer!r} is not an option id")
        return errors

    @classmethod
    def _view(cls, raw, order):
        return {"options": ordered_entries(raw["options"], order), "multiple": cls.name == "multiple"}

    @classmethod
    def parse(cls, q, form):
        """One option id from field q-<id>."""
        raw = data_of(q)
        values = form_values(form, field_name(raw))
        if not values:
            return None
        if len(values) > 1:
            raise AnswerError("Bitte nur eine Option wählen.")
        return known_id(values[0], entry_ids(raw["options"]), UNKNOWN_OPTION)

    @classmethod
    def _share(cls, raw, answer):
        return Fraction(known_id(answer, entry_ids(raw["options"]), UNKNOWN_OPTION) == raw["answer"])

    @classmethod
    def correct_response(cls, q, lang="de"):
        """The text of the correct option."""
        raw = data_of(q)
        return entry_texts(raw["options"])[raw["answer"]]

    @classmethod
    def _response(cls, raw, answer):
        return answer

    @classmethod
    def _xapi(cls, raw):
        key = raw["answer"] if isinstance(raw["answer"], list) else [raw["answer"]]
        return {"correctResponsesPattern": ["[,]".join(key)], "choices": described(raw["options"])}

    @classmethod
    def shuffle_order(cls, q, rng):
        """The option ids in random order."""
        ids = entry_ids(data_of(q)["options"])
        return rng.sample(ids, len(ids))
