"""The learner's own answer as readable text, for the feedback page next to the correct one."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import format_decimal

from .types import TRUE_FALSE, Scenario


def _texts(entries: list[dict]) -> dict[str, str]:
    return {e["id"]: e["text"] for e in entries}


def _number(value: Any) -> str:
    try:
        return format_decimal(Decimal(str(value)), format="#,##0.########")
    except (InvalidOperation, ValueError):
        return str(value)


def readable_answer(question: Any, answer: Any, lang: str = "de") -> str | None:
    """The given answer in words (option texts, positions, categories, number with unit); None if unanswered."""
    if answer is None or answer == [] or answer == {}:
        return None
    raw, kind = question.raw, question.type
    if kind == "single":
        return _texts(raw["options"]).get(answer, str(answer))
    if kind == "multiple":
        texts = _texts(raw["options"])
        return "; ".join(texts.get(i, str(i)) for i in answer)
    if kind == "truefalse":
        return TRUE_FALSE.get(lang, TRUE_FALSE["de"])[0 if answer else 1]
    if kind == "ordering":
        texts = _texts(raw["items"])
        return "; ".join(f"{n}. {texts.get(i, i)}" for n, i in enumerate(answer, 1))
    if kind == "matching":
        items, cats = _texts(raw["items"]), _texts(raw["categories"])
        return "; ".join(f"{items[i]} → {cats.get(answer[i], answer[i])}" for i in items if i in answer)
    if kind == "numeric":
        number = _number(answer)
        return f"{number} {raw['unit']}" if raw.get("unit") else number
    if kind == "scenario":
        taken, _current = Scenario.walk(question, answer)
        return " → ".join(choice["text"] for _step, choice in taken)
    return str(answer)
