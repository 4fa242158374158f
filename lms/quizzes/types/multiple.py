"""Multiple choice: several correct options, each a true/false decision (xAPI 'choice')."""
from __future__ import annotations

from fractions import Fraction

from .base import register
from .common import AnswerError, check_entries, data_of, entry_ids, field_name, form_values, known_id
from .single import UNKNOWN_OPTION, Single


@register
class Multiple(Single):
    """Several correct options; each option is a true/false decision (right − wrong, floored at 0)."""

    name = "multiple"

    @classmethod
    def _check(cls, raw):
        errors: list[str] = []
        ids = check_entries(raw, "options", 2, 6, errors)
        answer = raw.get("answer")
        if not isinstance(answer, list) or not answer or not all(isinstance(a, str) for a in answer):
            return errors + ["'answer' must be a non-empty list of option ids"]
        errors += [f"answer {a!r} is not an option id" for a in answer if a not in ids]
        if len(set(answer)) != len(answer):
            errors.append("'answer' lists an option twice")
        return errors

    @classmethod
    def parse(cls, q, form):
        """The checked option ids (field q-<id>, repeated), in option order."""
        raw = data_of(q)
        values = form_values(form, field_name(raw))
        return cls._checked(raw, values) if values else None

    @classmethod
    def _checked(cls, raw, answer):
        ids = entry_ids(raw["options"])
        if not isinstance(answer, list):
            raise AnswerError("Ungültige Antwort.")
        chosen = {known_id(a, ids, UNKNOWN_OPTION) for a in answer}
        if len(chosen) != len(answer):
            raise AnswerError("Jede Option darf nur einmal gewählt werden.")
        return [i for i in ids if i in chosen]

    @classmethod
    def _share(cls, raw, answer):
        ids, chosen, key = entry_ids(raw["options"]), set(cls._checked(raw, answer)), set(raw["answer"])
        right = sum((i in chosen) == (i in key) for i in ids)
        return Fraction(max(0, right - (len(ids) - right)), len(ids))

    @classmethod
    def correct_response(cls, q, lang="de"):
        """The texts of the correct options."""
        raw = data_of(q)
        return "; ".join(o["text"] for o in raw["options"] if o["id"] in raw["answer"])

    @classmethod
    def _response(cls, raw, answer):
        return "[,]".join(answer)
