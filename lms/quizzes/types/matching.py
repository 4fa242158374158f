"""Matching: sort 2–10 items into 2–5 categories (xAPI 'matching')."""
from __future__ import annotations

from fractions import Fraction

from .base import QuestionType, register
from .common import (AnswerError, check_entries, data_of, described, entry_ids, entry_texts, field_name,
                     form_values, known_id, ordered_entries, stray_items)

UNKNOWN_CATEGORY = "Unbekannte Kategorie: %(id)s"


@register
class Matching(QuestionType):
    """Sort 2–10 items into 2–5 categories; score = share of items in the right category."""

    name, fields, interaction = "matching", frozenset({"items", "categories", "answer"}), "matching"

    @classmethod
    def _check(cls, raw):
        errors: list[str] = []
        items = check_entries(raw, "items", 2, 10, errors)
        cats = check_entries(raw, "categories", 2, 5, errors)
        answer = raw.get("answer")
        if not isinstance(answer, dict):
            return errors + ["'answer' must map every item id to a category id"]
        for item, cat in answer.items():
            if item not in items:
                errors.append(f"answer maps {item!r}, which is not an item id")
            elif cat not in cats:
                errors.append(f"answer for item {item!r}: {cat!r} is not a category id")
        return errors + [f"answer has no category for item {i!r}" for i in items if i not in answer]

    @classmethod
    def _view(cls, raw, order):
        return {"items": ordered_entries(raw["items"], order), "categories": ordered_entries(raw["categories"], None)}

    @classmethod
    def form_fields(cls, q):
        """One category field q-<id>-<item> per item."""
        raw = data_of(q)
        return [f"{field_name(raw)}-{i}" for i in entry_ids(raw["items"])]

    @classmethod
    def parse(cls, q, form):
        """{item id: category id} for the items answered."""
        raw = data_of(q)
        items, cats, prefix = entry_ids(raw["items"]), entry_ids(raw["categories"]), f"{field_name(raw)}-"
        stray_items(form, prefix, items)
        answer = {}
        for item in items:
            values = form_values(form, prefix + item)
            if len(values) > 1:
                raise AnswerError("Bitte pro Element nur eine Kategorie wählen.")
            if values:
                answer[item] = known_id(values[0], cats, UNKNOWN_CATEGORY)
        return answer or None

    @classmethod
    def _share(cls, raw, answer):
        items, cats = entry_ids(raw["items"]), entry_ids(raw["categories"])
        if not isinstance(answer, dict):
            raise AnswerError("Ungültige Antwort.")
        for item, cat in answer.items():
            known_id(item, items, "Unbekanntes Element: %(id)s")
            known_id(cat, cats, UNKNOWN_CATEGORY)
        return Fraction(sum(answer.get(i) == raw["answer"][i] for i in items), len(items))

    @classmethod
    def correct_response(cls, q, lang="de"):
        """'item → category' for every item."""
        raw = data_of(q)
        items, cats = entry_texts(raw["items"]), entry_texts(raw["categories"])
        return "; ".join(f"{items[i]} → {cats[raw['answer'][i]]}" for i in entry_ids(raw["items"]))

    @classmethod
    def _response(cls, raw, answer):
        return "[,]".join(f"{i}[.]{answer[i]}" for i in entry_ids(raw["items"]) if i in answer)

    @classmethod
    def _xapi(cls, raw):
        return {"correctResponsesPattern": [cls._response(raw, raw["answer"])],
                "source": described(raw["items"]), "target": described(raw["categories"])}

    @classmethod
    def shuffle_order(cls, q, rng):
        """The item ids in random order."""
        ids = entry_ids(data_of(q)["items"])
        return rng.sample(ids, len(ids))
