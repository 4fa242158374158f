"""Ordering: put 3–7 items in order (xAPI 'sequencing')."""
from __future__ import annotations

from fractions import Fraction

from .base import QuestionType, register
from .common import (AnswerError, check_entries, data_of, described, entry_ids, entry_texts, field_name,
                     form_values, known_id, ordered_entries, stray_items)



@register
class Ordering(QuestionType):
    """Put 3–7 items in order; score = share of items in their correct position."""

    name, fields, interaction = "ordering", frozenset({"items", "answer"}), "sequencing"

    @classmethod
    def _check(cls, raw):
        errors: list[str] = []
        ids = check_entries(raw, "items", 3, 7, errors)
        answer = raw.get("answer")
        if not isinstance(answer, list) or not all(isinstance(a, str) for a in answer):
            return errors + ["'answer' must be the list of item ids in the correct order"]
        errors += [f"answer {a!r} is not an item id" for a in answer if a not in ids]
        errors += [f"answer is missing item {i!r}" for i in ids if i not in answer]
        if len(set(answer)) != len(answer):
            errors.append("'answer' lists an item twice")
        return errors

    @classmethod
    def _view(cls, raw, order):
        return {"items": ordered_entries(raw["items"], order), "positions": len(raw["items"])}

    @classmethod
    def form_fields(cls, q):
        """One position field q-<id>-<item> per item."""
        raw = data_of(q)
        return [f"{field_name(raw)}-{i}" for i in entry_ids(raw["items"])]

    @classmethod
    def parse(cls, q, form):
        """Item ids in the order of the submitted positions 1..n (all items needed)."""
        raw = data_of(q)
        ids, prefix = entry_ids(raw["items"]), f"{field_name(raw)}-"
        stray_items(form, prefix, ids)
        given = {i: v for i in ids if (v := form_values(form, prefix + i))}
        if not given:
            return None
        if len(given) < len(ids):
            raise AnswerError("Bitte jedem Element eine Position geben.")
        positions = {}
        for item, values in given.items():
            if len(values) != 1 or not values[0].isdecimal() or not 1 <= int(values[0]) <= len(ids):
                raise AnswerError("Ungültige Position: %(value)s (erlaubt: 1–%(n)d).",
                                  value=", ".join(values), n=len(ids))
            positions[item] = int(values[0])
        if len(set(positions.values())) != len(ids):
            raise AnswerError("Jede Position darf nur einmal vorkommen.")
        return sorted(ids, key=positions.__getitem__)

    @classmethod
    def _share(cls, raw, answer):
        ids = entry_ids(raw["items"])
        if not isinstance(answer, list) or len(answer) != len(ids):
            raise AnswerError("Ungültige Antwort.")
        if len({known_id(a, ids, "Unbekanntes Element: %(id)s") for a in answer}) != len(ids):
            raise AnswerError("Jede Position darf nur einmal vorkommen.")
        return Fraction(sum(a == k for a, k in zip(answer, raw["answer"])), len(ids))

    @classmethod
    def correct_response(cls, q, lang="de"):
        """The items numbered in the correct order."""
        raw = data_of(q)
        texts = entry_texts(raw["items"])
        return "; ".join(f"{n}. {texts[i]}" for n, i in enumerate(raw["answer"], 1))

    @classmethod
    def _xapi(cls, raw):
        return {"correctResponsesPattern": ["[,]".join(raw["answer"])], "choices": described(raw["items"])}

    @classmethod
    def shuffle_order(cls, q, rng):
        """The item ids in random order, never the correct one."""
        raw = data_of(q)
        ids = entry_ids(raw["items"])
        order = rng.sample(ids, len(ids))
        # showing the solution would make the question free; 3+ items, so a rotation always differs
        return order[1:] + order[:1] if order == raw["answer"] else order
