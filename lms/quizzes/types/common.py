"""Helpers shared by the question types: answer errors, number handling, form values, {id, text} entries."""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

ID_RE = re.compile(r"[a-z0-9-]+")


class AnswerError(ValueError):
    """A submitted answer that does not fit its question; ``template`` is a German msgid for gettext."""

    def __init__(self, template: str, **params: Any) -> None:
        self.template, self.params = template, params
        super().__init__(template % params if params else template)


def data_of(q: Any) -> Mapping:
    """The raw question table of a Question (or the table itself)."""
    return getattr(q, "raw", q)


def frac(x: int | float) -> Fraction:
    """An exact fraction of an authored number."""
    # via str so that 0.1 is exactly 1/10, as the author wrote it
    return Fraction(str(x)) if isinstance(x, float) else Fraction(x)


def dec(x: int | float) -> Decimal:
    """An exact decimal of an authored or submitted number."""
    return Decimal(str(x))


def fmt(x: int | float | Decimal) -> str:
    """A number in plain positional notation."""
    return format(x if isinstance(x, Decimal) else dec(x), "f")


def is_num(x: Any) -> bool:
    """A finite int or float (not a bool)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def is_whole(value: Any, low: int) -> bool:
    """An int (not a bool) of at least ``low``."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def nonempty(x: Any) -> bool:
    """A string with more than white space."""
    return isinstance(x, str) and bool(x.strip())


def form_values(form: Mapping, name: str) -> list[str]:
    """Non-blank, stripped values of a form field (MultiDict, dict of lists or dict of strings)."""
    raw = form.getlist(name) if hasattr(form, "getlist") else form.get(name, [])
    if isinstance(raw, str):
        raw = [raw]
    return [s for v in raw if v is not None and (s := str(v).strip())]


def field_name(raw: Mapping) -> str:
    """The form field of a question: q-<id>."""
    return f"q-{raw['id']}"


def entry_ids(entries: list[dict]) -> list[str]:
    """The ids of {id, text} entries, in order."""
    return [e["id"] for e in entries]


def entry_texts(entries: list[dict]) -> dict[str, str]:
    """{id: text} of {id, text} entries."""
    return {e["id"]: e["text"] for e in entries}


def ordered_entries(entries: list[dict], order: list[str] | None) -> list[dict]:
    """The entries in an attempt's order."""
    # tolerate content edits after the attempt was drawn: unknown ids drop out, new ones go last
    by_id = {e["id"]: e for e in entries}
    keys = [i for i in (order or []) if i in by_id] + [i for i in by_id if i not in (order or [])]
    return [{"id": k, "text": by_id[k]["text"]} for k in keys]


def known_id(value: Any, ids: list[str], template: str) -> str:
    """The value if it is one of the ids, else AnswerError(template)."""
    if not isinstance(value, str) or value not in ids:
        raise AnswerError(template, id=str(value))
    return value


def check_entries(raw: Mapping, key: str, lo: int, hi: int, errors: list[str]) -> list[str]:
    """Check a list of {id, text} tables; return the valid ids."""
    value = raw.get(key)
    if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
        errors.append(f"'{key}' must be a list of {{ id, text }} tables")
        return []
    if not lo <= len(value) <= hi:
        errors.append(f"'{key}' needs {lo}–{hi} entries, has {len(value)}")
    ids: list[str] = []
    for n, entry in enumerate(value, 1):
        eid = entry.get("id")
        if not isinstance(eid, str) or not ID_RE.fullmatch(eid):
            errors.append(f"{key} #{n}: id {eid!r} must match [a-z0-9-]+")
            continue
        if eid in ids:
            errors.append(f"{key}: duplicate id {eid!r}")
        ids.append(eid)
        if not nonempty(entry.get("text")):
            errors.append(f"{key} {eid!r}: 'text' is missing or empty")
        if extra := sorted(set(entry) - {"id", "text"}):
            errors.append(f"{key} {eid!r}: unknown key(s) {', '.join(map(repr, extra))}")
    return ids


def stray_items(form: Mapping, prefix: str, ids: list[str]) -> None:
    """AnswerError when the form holds a filled field q-<id>-<item> for an item the question lacks."""
    for name in form:
        if name.startswith(prefix) and name[len(prefix):] not in ids and form_values(form, name):
            raise AnswerError("Unbekanntes Element: %(id)s", id=name[len(prefix):])


def lang_map(text: str) -> dict[str, str]:
    """An xAPI language map of an authored (German) text."""
    return {"de": text}


def described(entries: list[dict]) -> list[dict]:
    """xAPI interaction components ({id, description}) of {id, text} entries."""
    return [{"id": e["id"], "description": lang_map(e["text"])} for e in entries]
