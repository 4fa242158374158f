"""Guideline builder steps as data (steps.toml): load, validate, and render the explanations once."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup

from ..courses import markdown
from ..courses.content import ID_RE, SCHEMA_VERSION, ContentError, read_toml
from ..resources import package_path

STEPS_FILE = package_path("guidelines", "steps.toml")
FIELD_KINDS = ("text", "textarea")
MAX_LENGTH = {"text": 200, "textarea": 5000}


@dataclass(frozen=True)
class Field:
    """One input of a step."""

    id: str
    kind: str
    label: dict
    hint: dict

    @property
    def max_length(self) -> int:
        """Longest accepted text for this field."""
        return MAX_LENGTH[self.kind]


@dataclass(frozen=True)
class Step:
    """One part of the guideline with its explanation and a worked example."""

    id: str
    title: dict
    explanation: dict  # rendered HTML per language
    example: dict  # rendered HTML per language
    fields: tuple[Field, ...]
    number: int


def _text(path, where, data, key, required=True) -> dict:
    value = data.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict) or not isinstance(value.get("de"), str) or not value["de"].strip():
        raise ContentError(path, f"{where}'{key}' needs a German text (de)")
    if set(value) - {"de", "en"} or not all(isinstance(v, str) for v in value.values()):
        raise ContentError(path, f"{where}'{key}' may only hold de and en texts")
    return value


def parse_steps(data: dict, path: Path | str) -> tuple[Step, ...]:
    """Validate the steps data; raise ContentError naming the file and step."""
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ContentError(path, f"schema_version must be {SCHEMA_VERSION}")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ContentError(path, "at least one [[steps]] entry is required")
    steps, step_ids = [], set()
    for number, raw in enumerate(raw_steps, start=1):
        where = f"step #{number}: "
        sid = raw.get("id") if isinstance(raw, dict) else None
        if not isinstance(sid, str) or not ID_RE.match(sid) or sid in step_ids:
            raise ContentError(path, f"{where}'id' must be a unique id matching {ID_RE.pattern}")
        step_ids.add(sid)
        where = f"step '{sid}': "
        unknown = set(raw) - {"id", "title", "explanation", "example", "fields"}
        if unknown:
            raise ContentError(path, f"{where}unknown key(s) {', '.join(sorted(unknown))}")
        fields, field_ids = [], set()
        for raw_field in raw.get("fields") or []:
            fid = raw_field.get("id") if isinstance(raw_field, dict) else None
            if not isinstance(fid, str) or not ID_RE.match(fid) or fid in field_ids:
                raise ContentError(path, f"{where}every field needs a unique id matching {ID_RE.pattern}")
            field_ids.add(fid)
            kind = raw_field.get("kind", "textarea")
            if kind not in FIELD_KINDS:
                raise ContentError(path, f"{where}field '{fid}': 'kind' must be one of {', '.join(FIELD_KINDS)}")
            fields.append(Field(fid, kind, _text(path, f"{where}field '{fid}': ", raw_field, "label"),
                                _text(path, f"{where}field '{fid}': ", raw_field, "hint", required=False)))
        if not fields:
            raise ContentError(path, f"{where}needs at least one [[steps.fields]] entry")
        explanation = _text(path, where, raw, "explanation")
        example = _text(path, where, raw, "example", required=False)
        steps.append(Step(sid, _text(path, where, raw, "title"),
                          {lang: Markup(markdown.render(text)) for lang, text in explanation.items()},
                          {lang: Markup(markdown.render(text)) for lang, text in example.items()},
                          tuple(fields), number))
    return tuple(steps)


@lru_cache(maxsize=4)
def load_steps(path: Path = STEPS_FILE) -> tuple[Step, ...]:
    """The builder's steps (parsed once per file)."""
    return parse_steps(read_toml(path), path)


def step_by_id(step_id: str, path: Path = STEPS_FILE) -> Step | None:
    """The step with this id, or None."""
    return next((s for s in load_steps(path) if s.id == step_id), None)
