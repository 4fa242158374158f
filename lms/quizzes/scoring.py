"""Question types (CTFd-style registry): validation, public view, form parsing, scoring, xAPI shapes."""
from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any, ClassVar

ID_RE = re.compile(r"[a-z0-9-]+")
NUMBER_RE = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")
COMMON_FIELDS = frozenset({"id", "type", "lesson", "scenario", "prompt", "explanation", "points"})
TRUE_FALSE = {"de": ("wahr", "falsch"), "en": ("true", "false")}


class AnswerError(ValueError):
    """A submitted answer that does not fit its question; ``template`` is a German msgid for gettext."""

    def __init__(self, template: str, **params: Any) -> None:
        self.template, self.params = template, params
        super().__init__(template % params if params else template)


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


# --- helpers ------------------------------------------------------------------------------------

def _data(q: Any) -> Mapping:
    return getattr(q, "raw", q)


def _frac(x: int | float) -> Fraction:
    # via str so that 0.1 is exactly 1/10, as the author wrote it
    return Fraction(str(x)) if isinstance(x, float) else Fraction(x)


def _dec(x: int | float) -> Decimal:
    return Decimal(str(x))


def _fmt(x: int | float | Decimal) -> str:
    return format(x if isinstance(x, Decimal) else _dec(x), "f")


def _is_num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _nonempty(x: Any) -> bool:
    return isinstance(x, str) and bool(x.strip())


def form_values(form: Mapping, name: str) -> list[str]:
    """Non-blank, stripped values of a form field (MultiDict, dict of lists or dict of strings)."""
    raw = form.getlist(name) if hasattr(form, "getlist") else form.get(name, [])
    if isinstance(raw, str):
        raw = [raw]
    return [s for v in raw if v is not None and (s := str(v).strip())]


def _field(raw: Mapping) -> str:
    return f"q-{raw['id']}"


def _ids(entries: list[dict]) -> list[str]:
    return [e["id"] for e in entries]


def _texts(entries: list[dict]) -> dict[str, str]:
    return {e["id"]: e["text"] for e in entries}


def _ordered(entries: list[dict], order: list[str] | None) -> list[dict]:
    # tolerate content edits after the attempt was drawn: unknown ids drop out, new ones go last
    by_id = {e["id"]: e for e in entries}
    keys = [i for i in (order or []) if i in by_id] + [i for i in by_id if i not in (order or [])]
    return [{"id": k, "text": by_id[k]["text"]} for k in keys]


def _known(value: Any, ids: list[str], template: str) -> str:
    if not isinstance(value, str) or value not in ids:
        raise AnswerError(template, id=str(value))
    return value


def _entries(raw: Mapping, key: str, lo: int, hi: int, errors: list[str]) -> list[str]:
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
        if not _nonempty(entry.get("text")):
            errors.append(f"{key} {eid!r}: 'text' is missing or empty")
        if extra := sorted(set(entry) - {"id", "text"}):
            errors.append(f"{key} {eid!r}: unknown key(s) {', '.join(map(repr, extra))}")
    return ids


def _stray_items(form: Mapping, prefix: str, ids: list[str]) -> None:
    for name in form:
        if name.startswith(prefix) and name[len(prefix):] not in ids and form_values(form, name):
            raise AnswerError("Unbekanntes Element: %(id)s", id=name[len(prefix):])


def _lang_map(text: str) -> dict[str, str]:
    return {"de": text}


# --- types --------------------------------------------------------------------------------------

class QuestionType:
    """Base class of a question type; subclasses override the hooks and are registered by name."""

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
                   if not _nonempty(raw.get(k))]
        if not isinstance(raw.get("scenario", False), bool):
            errors.append("'scenario' must be true or false")
        if "points" in raw and not (_is_num(raw["points"]) and raw["points"] > 0):
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
        raw = _data(q)
        return {"id": raw["id"], "type": cls.name, "prompt": raw["prompt"],
                "points": raw.get("points", 1), **cls._view(raw, order)}

    @classmethod
    def _view(cls, raw: Mapping, order: Any) -> dict:
        return {}

    @classmethod
    def form_fields(cls, q: Any) -> list[str]:
        """Names of the form fields this question reads."""
        return [_field(_data(q))]

    @classmethod
    def parse(cls, q: Any, form: Mapping) -> Any:
        """Turn submitted form values into a normalized JSON answer; None = unanswered."""
        raise NotImplementedError

    @classmethod
    def score(cls, q: Any, answer: Any) -> Fraction:
        """Points in [0, points] for a normalized answer (None scores 0); AnswerError if it does not fit."""
        if answer is None:
            return Fraction(0)
        return max_points(q) * cls._share(_data(q), answer)

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
        return "" if answer is None else cls._response(_data(q), answer)

    @classmethod
    def _response(cls, raw: Mapping, answer: Any) -> str:
        return "[,]".join(answer)

    @classmethod
    def xapi_interaction(cls, q: Any) -> dict:
        """xAPI activity definition pieces: interactionType, correctResponsesPattern, choices/source/target."""
        return {"interactionType": cls.interaction, **cls._xapi(_data(q))}

    @classmethod
    def _xapi(cls, raw: Mapping) -> dict:
        return {}

    @classmethod
    def shuffle_order(cls, q: Any, rng: random.Random) -> Any:
        """The option/item order for one attempt (JSON-serialisable), or None when not shuffled."""
        return None


@register
class Single(QuestionType):
    """One correct option out of 2–6."""

    name, fields, interaction = "single", frozenset({"options", "answer"}), "choice"

    @classmethod
    def _check(cls, raw):
        errors: list[str] = []
        ids = _entries(raw, "options", 2, 6, errors)
        answer = raw.get("answer")
        if not isinstance(answer, str):
            errors.append("'answer' must be one option id")
        elif answer not in ids:
            errors.append(f"answer {answer!r} is not an option id")
        return errors

    @classmethod
    def _view(cls, raw, order):
        return {"options": _ordered(raw["options"], order), "multiple": cls.name == "multiple"}

    @classmethod
    def parse(cls, q, form):
        """One option id from field q-<id>."""
        raw = _data(q)
        values = form_values(form, _field(raw))
        if not values:
            return None
        if len(values) > 1:
            raise AnswerError("Bitte nur eine Option wählen.")
        return _known(values[0], _ids(raw["options"]), "Unbekannte Option: %(id)s")

    @classmethod
    def _share(cls, raw, answer):
        return Fraction(_known(answer, _ids(raw["options"]), "Unbekannte Option: %(id)s") == raw["answer"])

    @classmethod
    def correct_response(cls, q, lang="de"):
        """The text of the correct option."""
        raw = _data(q)
        return _texts(raw["options"])[raw["answer"]]

    @classmethod
    def _response(cls, raw, answer):
        return answer

    @classmethod
    def _xapi(cls, raw):
        key = raw["answer"] if isinstance(raw["answer"], list) else [raw["answer"]]
        return {"correctResponsesPattern": ["[,]".join(key)],
                "choices": [{"id": o["id"], "description": _lang_map(o["text"])} for o in raw["options"]]}

    @classmethod
    def shuffle_order(cls, q, rng):
        """The option ids in random order."""
        ids = _ids(_data(q)["options"])
        return rng.sample(ids, len(ids))


@register
class Multiple(Single):
    """Several correct options; each option is a true/false decision (right − wrong, floored at 0)."""

    name = "multiple"

    @classmethod
    def _check(cls, raw):
        errors: list[str] = []
        ids = _entries(raw, "options", 2, 6, errors)
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
        raw = _data(q)
        values = form_values(form, _field(raw))
        return cls._checked(raw, values) if values else None

    @classmethod
    def _checked(cls, raw, answer):
        ids = _ids(raw["options"])
        if not isinstance(answer, list):
            raise AnswerError("Ungültige Antwort.")
        chosen = {_known(a, ids, "Unbekannte Option: %(id)s") for a in answer}
        if len(chosen) != len(answer):
            raise AnswerError("Jede Option darf nur einmal gewählt werden.")
        return [i for i in ids if i in chosen]

    @classmethod
    def _share(cls, raw, answer):
        ids, chosen, key = _ids(raw["options"]), set(cls._checked(raw, answer)), set(raw["answer"])
        right = sum((i in chosen) == (i in key) for i in ids)
        return Fraction(max(0, right - (len(ids) - right)), len(ids))

    @classmethod
    def correct_response(cls, q, lang="de"):
        """The texts of the correct options."""
        raw = _data(q)
        return "; ".join(o["text"] for o in raw["options"] if o["id"] in raw["answer"])

    @classmethod
    def _response(cls, raw, answer):
        return "[,]".join(answer)


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
        values = form_values(form, _field(_data(q)))
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
        return TRUE_FALSE.get(lang, TRUE_FALSE["de"])[0 if _data(q)["answer"] else 1]

    @classmethod
    def _response(cls, raw, answer):
        return "true" if answer else "false"

    @classmethod
    def _xapi(cls, raw):
        return {"correctResponsesPattern": ["true" if raw["answer"] else "false"]}


@register
class Ordering(QuestionType):
    """Put 3–7 items in order; score = share of items in their correct position."""

    name, fields, interaction = "ordering", frozenset({"items", "answer"}), "sequencing"

    @classmethod
    def _check(cls, raw):
        errors: list[str] = []
        ids = _entries(raw, "items", 3, 7, errors)
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
        return {"items": _ordered(raw["items"], order), "positions": len(raw["items"])}

    @classmethod
    def form_fields(cls, q):
        """One position field q-<id>-<item> per item."""
        raw = _data(q)
        return [f"{_field(raw)}-{i}" for i in _ids(raw["items"])]

    @classmethod
    def parse(cls, q, form):
        """Item ids in the order of the submitted positions 1..n (all items needed)."""
        raw = _data(q)
        ids, prefix = _ids(raw["items"]), f"{_field(raw)}-"
        _stray_items(form, prefix, ids)
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
        ids = _ids(raw["items"])
        if not isinstance(answer, list) or len(answer) != len(ids):
            raise AnswerError("Ungültige Antwort.")
        if len({_known(a, ids, "Unbekanntes Element: %(id)s") for a in answer}) != len(ids):
            raise AnswerError("Jede Position darf nur einmal vorkommen.")
        return Fraction(sum(a == k for a, k in zip(answer, raw["answer"])), len(ids))

    @classmethod
    def correct_response(cls, q, lang="de"):
        """The items numbered in the correct order."""
        raw = _data(q)
        texts = _texts(raw["items"])
        return "; ".join(f"{n}. {texts[i]}" for n, i in enumerate(raw["answer"], 1))

    @classmethod
    def _xapi(cls, raw):
        return {"correctResponsesPattern": ["[,]".join(raw["answer"])],
                "choices": [{"id": i["id"], "description": _lang_map(i["text"])} for i in raw["items"]]}

    @classmethod
    def shuffle_order(cls, q, rng):
        """The item ids in random order, never the correct one."""
        raw = _data(q)
        ids = _ids(raw["items"])
        order = rng.sample(ids, len(ids))
        # showing the solution would make the question free; 3+ items, so a rotation always differs
        return order[1:] + order[:1] if order == raw["answer"] else order


@register
class Matching(QuestionType):
    """Sort 2–10 items into 2–5 categories; score = share of items in the right category."""

    name, fields, interaction = "matching", frozenset({"items", "categories", "answer"}), "matching"

    @classmethod
    def _check(cls, raw):
        errors: list[str] = []
        items = _entries(raw, "items", 2, 10, errors)
        cats = _entries(raw, "categories", 2, 5, errors)
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
        return {"items": _ordered(raw["items"], order), "categories": _ordered(raw["categories"], None)}

    @classmethod
    def form_fields(cls, q):
        """One category field q-<id>-<item> per item."""
        raw = _data(q)
        return [f"{_field(raw)}-{i}" for i in _ids(raw["items"])]

    @classmethod
    def parse(cls, q, form):
        """{item id: category id} for the items answered."""
        raw = _data(q)
        items, cats, prefix = _ids(raw["items"]), _ids(raw["categories"]), f"{_field(raw)}-"
        _stray_items(form, prefix, items)
        answer = {}
        for item in items:
            values = form_values(form, prefix + item)
            if len(values) > 1:
                raise AnswerError("Bitte pro Element nur eine Kategorie wählen.")
            if values:
                answer[item] = _known(values[0], cats, "Unbekannte Kategorie: %(id)s")
        return answer or None

    @classmethod
    def _share(cls, raw, answer):
        items, cats = _ids(raw["items"]), _ids(raw["categories"])
        if not isinstance(answer, dict):
            raise AnswerError("Ungültige Antwort.")
        for item, cat in answer.items():
            _known(item, items, "Unbekanntes Element: %(id)s")
            _known(cat, cats, "Unbekannte Kategorie: %(id)s")
        return Fraction(sum(answer.get(i) == raw["answer"][i] for i in items), len(items))

    @classmethod
    def correct_response(cls, q, lang="de"):
        """'item → category' for every item."""
        raw = _data(q)
        items, cats = _texts(raw["items"]), _texts(raw["categories"])
        return "; ".join(f"{items[i]} → {cats[raw['answer'][i]]}" for i in _ids(raw["items"]))

    @classmethod
    def _response(cls, raw, answer):
        return "[,]".join(f"{i}[.]{answer[i]}" for i in _ids(raw["items"]) if i in answer)

    @classmethod
    def _xapi(cls, raw):
        def lst(entries):
            return [{"id": e["id"], "description": _lang_map(e["text"])} for e in entries]
        return {"correctResponsesPattern": [cls._response(raw, raw["answer"])],
                "source": lst(raw["items"]), "target": lst(raw["categories"])}

    @classmethod
    def shuffle_order(cls, q, rng):
        """The item ids in random order."""
        ids = _ids(_data(q)["items"])
        return rng.sample(ids, len(ids))


@register
class Numeric(QuestionType):
    """A number within an absolute tolerance; all or nothing. Accepts a German decimal comma."""

    name, fields, interaction = "numeric", frozenset({"answer", "tolerance", "unit"}), "numeric"

    @classmethod
    def _check(cls, raw):
        errors = [] if _is_num(raw.get("answer")) else ["'answer' must be a number"]
        if "tolerance" in raw and not (_is_num(raw["tolerance"]) and raw["tolerance"] >= 0):
            errors.append("'tolerance' must be a number >= 0")
        if "unit" in raw and not _nonempty(raw["unit"]):
            errors.append("'unit' must be a non-empty string")
        return errors

    @classmethod
    def _view(cls, raw, order):
        return {"unit": raw.get("unit", "")}

    @classmethod
    def parse(cls, q, form):
        """A float from field q-<id>; decimal comma, unicode minus and the unit are accepted."""
        raw = _data(q)
        values = form_values(form, _field(raw))
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
        if not _is_num(answer):
            raise AnswerError("Ungültige Antwort.")
        return Fraction(abs(_dec(answer) - _dec(raw["answer"])) <= _dec(raw.get("tolerance", 0)))

    @classmethod
    def correct_response(cls, q, lang="de"):
        """The value with tolerance and unit, decimal comma in German."""
        raw = _data(q)
        text = _fmt(raw["answer"]) + (f" (± {_fmt(raw['tolerance'])})" if raw.get("tolerance") else "")
        text = text.replace(".", ",") if lang == "de" else text
        return f"{text} {raw['unit']}" if raw.get("unit") else text

    @classmethod
    def _response(cls, raw, answer):
        return _fmt(answer)

    @classmethod
    def _xapi(cls, raw):
        key, tol = _dec(raw["answer"]), _dec(raw.get("tolerance", 0))
        return {"correctResponsesPattern": [f"{_fmt(key - tol)}[:]{_fmt(key + tol)}" if tol else _fmt(key)]}


@register
class Scenario(QuestionType):
    """Branching crisis drill: steps with choices worth 0–1 that lead on; score = mean of the choices."""

    name, fields = "scenario", frozenset({"start", "steps"})
    STEP_FIELDS = frozenset({"id", "situation", "choices"})
    CHOICE_FIELDS = frozenset({"id", "text", "points", "feedback", "next"})

    @classmethod
    def _check(cls, raw):
        steps = raw.get("steps")
        if not isinstance(steps, list) or not steps or not all(isinstance(s, dict) for s in steps):
            return ["'steps' must be a non-empty list of step tables ([[questions.steps]])"]
        errors: list[str] = []
        graph: dict[str, set[str]] = {}
        links: list[tuple[str, str]] = []
        for n, step in enumerate(steps, 1):
            sid = step.get("id")
            where = f"step {sid}" if isinstance(sid, str) else f"step #{n}"
            if not isinstance(sid, str) or not ID_RE.fullmatch(sid):
                errors.append(f"{where}: 'id' must match [a-z0-9-]+")
                continue
            if sid in graph:
                errors.append(f"{where}: duplicate step id")
                continue
            graph[sid] = set()
            if not _nonempty(step.get("situation")):
                errors.append(f"{where}: 'situation' is missing or empty")
            if extra := sorted(set(step) - cls.STEP_FIELDS):
                errors.append(f"{where}: unknown key(s) {', '.join(map(repr, extra))}")
            choices = step.get("choices")
            if not isinstance(choices, list) or not 1 <= len(choices) <= 6 \
                    or not all(isinstance(c, dict) for c in choices):
                errors.append(f"{where}: 'choices' must be a list of 1–6 choice tables")
                continue
            seen: set[str] = set()
            for m, choice in enumerate(choices, 1):
                cid = choice.get("id")
                cwhere = f"{where}: choice {cid}" if isinstance(cid, str) else f"{where}: choice #{m}"
                if not isinstance(cid, str) or not ID_RE.fullmatch(cid):
                    errors.append(f"{cwhere}: 'id' must match [a-z0-9-]+")
                elif cid in seen:
                    errors.append(f"{cwhere}: duplicate choice id")
                else:
                    seen.add(cid)
                errors += [f"{cwhere}: '{k}' is missing or empty" for k in ("text", "feedback")
                           if not _nonempty(choice.get(k))]
                if not (_is_num(choice.get("points")) and 0 <= choice["points"] <= 1):
                    errors.append(f"{cwhere}: 'points' must be a number from 0 to 1")
                if extra := sorted(set(choice) - cls.CHOICE_FIELDS):
                    errors.append(f"{cwhere}: unknown key(s) {', '.join(map(repr, extra))}")
                if "next" in choice:
                    if isinstance(choice["next"], str):
                        graph[sid].add(choice["next"])
                        links.append((cwhere, choice["next"]))
                    else:
                        errors.append(f"{cwhere}: 'next' must be a step id")
            if not any(c.get("points") == 1 and _is_num(c.get("points")) for c in choices):
                errors.append(f"{where}: no choice with points = 1")
        errors += [f"{cwhere}: next {nxt!r} is not a step id" for cwhere, nxt in links if nxt not in graph]
        start = raw.get("start")
        if not isinstance(start, str) or start not in graph:
            errors.append(f"start {start!r} is not a step id")
        else:
            reached, todo = {start}, [start]
            while todo:
                for nxt in graph.get(todo.pop(), ()):
                    if nxt in graph and nxt not in reached:
                        reached.add(nxt)
                        todo.append(nxt)
            errors += [f"step {s} is unreachable from start {start!r}" for s in graph if s not in reached]
        if cycle := _find_cycle(graph):
            errors.append(f"steps form a cycle: {' → '.join(cycle)}")
        return errors

    @classmethod
    def _steps(cls, raw) -> dict[str, dict]:
        return {s["id"]: s for s in raw["steps"]}

    @classmethod
    def public_step(cls, q: Any, step_id: str, order: Any = None) -> dict:
        """One step as shown to the learner: situation and choices (no points, feedback or next)."""
        step = cls._steps(_data(q))[step_id]
        return {"id": step_id, "situation": step["situation"],
                "choices": _ordered(step["choices"], (order or {}).get(step_id))}

    @classmethod
    def _view(cls, raw, order):
        return {"start": cls.public_step(raw, raw["start"], order)}

    @classmethod
    def walk(cls, q: Any, path: list[str]) -> tuple[list[tuple[dict, dict]], str | None]:
        """Follow a decision path: (step, choice) pairs taken and the current step id (None = ended)."""
        raw = _data(q)
        steps, current, taken = cls._steps(raw), raw["start"], []
        if not isinstance(path, list):
            raise AnswerError("Ungültige Antwort.")
        for cid in path:
            if current is None:
                raise AnswerError("Das Szenario ist bereits beendet.")
            step = steps[current]
            choice = next((c for c in step["choices"] if c["id"] == cid), None)
            if choice is None:
                raise AnswerError("Unbekannte Entscheidung: %(id)s", id=str(cid))
            taken.append((step, choice))
            current = choice.get("next")
        return taken, current

    @classmethod
    def parse(cls, q, form):
        """The full decision path from q-<id> ('a,b' or repeated values); it must reach an end."""
        path = [p.strip() for v in form_values(form, _field(_data(q))) for p in v.split(",") if p.strip()]
        if not path:
            return None
        if cls.walk(q, path)[1] is not None:
            raise AnswerError("Bitte das Szenario bis zum Ende durchspielen.")
        return path

    @classmethod
    def _share(cls, raw, answer):
        taken, _ = cls.walk(raw, answer)
        return sum((_frac(c["points"]) for _, c in taken), Fraction(0)) / len(taken) if taken else Fraction(0)

    @classmethod
    def best_paths(cls, q: Any, limit: int = 32) -> list[list[str]]:
        """Decision paths (up to ``limit``) that take a full-points choice at every step."""
        raw = _data(q)
        steps, paths = cls._steps(raw), []

        def follow(sid: str, prefix: list[str]) -> None:
            for choice in steps[sid]["choices"]:
                if len(paths) < limit and choice["points"] == 1:
                    if choice.get("next") is None:
                        paths.append(prefix + [choice["id"]])
                    else:
                        follow(choice["next"], prefix + [choice["id"]])

        follow(raw["start"], [])
        return paths

    @classmethod
    def correct_response(cls, q, lang="de"):
        """The choice texts of a best path."""
        taken, _ = cls.walk(q, cls.best_paths(q, 1)[0])
        return " → ".join(c["text"] for _, c in taken)

    @classmethod
    def _xapi(cls, raw):
        return {"correctResponsesPattern": ["[,]".join(p) for p in cls.best_paths(raw)]}

    @classmethod
    def shuffle_order(cls, q, rng):
        """{step id: choice ids in random order}."""
        return {s["id"]: rng.sample(_ids(s["choices"]), len(s["choices"])) for s in _data(q)["steps"]}


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 = on the current DFS trail, 2 = done

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return trail[trail.index(nxt):] + [nxt]
            if nxt in graph and nxt not in state and (found := visit(nxt, trail + [nxt])):
                return found
        state[node] = 2
        return None

    for node in graph:
        if node not in state and (found := visit(node, [node])):
            return found
    return None


# --- dispatch by the question's type --------------------------------------------------------------

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
    return get_type(_data(q).get("type"))


def max_points(q: Any) -> Fraction:
    """The question's points (default 1) as an exact fraction."""
    return _frac(_data(q).get("points", 1))


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


def scenario_next(q: Any, path: list[str], order: Any = None) -> dict | None:
    """The step to show after the decisions in ``path`` (public view), or None when the drill has ended."""
    if type_of(q) is not Scenario:
        raise ValueError("not a scenario question")
    current = Scenario.walk(q, list(path))[1]
    return None if current is None else Scenario.public_step(q, current, order)


def scenario_trail(q: Any, path: list[str]) -> list[dict]:
    """The decisions taken so far with the feedback revealed after each: step, situation, choice, text, feedback."""
    if type_of(q) is not Scenario:
        raise ValueError("not a scenario question")
    return [{"step": s["id"], "situation": s["situation"], "choice": c["id"], "text": c["text"],
             "feedback": c["feedback"]} for s, c in Scenario.walk(q, list(path))[0]]
