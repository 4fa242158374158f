"""Guideline builder steps as data (steps.toml): load, validate, and render the explanations once."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup

from ..courses import markdown
from ..courses.content import read_toml
from ..courses.schema import Key, Report, Source, Table, collecting, one_of, schema_version
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


STEPS = Table({"schema_version": Key(int, rule=schema_version),
               "steps": Key(list, rule=lambda v: None if v else "at least one [[steps]] entry is required")})
STEP = Table({"id": Key("ident"), "title": Key("text"), "explanation": Key("text"), "example": Key("text", False, {}),
              "fields": Key(list, rule=lambda v: None if v else "needs at least one [[steps.fields]] entry")})
FIELD = Table({"id": Key("ident"), "kind": Key(str, False, "textarea", one_of(*FIELD_KINDS)), "label": Key("text"),
               "hint": Key("text", False, {})})


def _ident(raw) -> str | None:
    return raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None


def _fields(src: Source, raw_fields: list, item: str, ident: str | None) -> tuple[Field, ...]:
    fields, seen = [], set()
    for number, raw in enumerate(raw_fields, start=1):
        where = f"{item}: field '{_ident(raw)}'" if _ident(raw) else f"{item}: field #{number}"
        v = FIELD.read(src, raw, where, ident)
        if v["id"] is not None and v["id"] in seen:
            src.error(f"duplicate field id '{v['id']}'", where, ident)
        seen.add(v["id"])
        fields.append(Field(v["id"], v["kind"], v["label"], v["hint"]))
    return tuple(fields)


def parse_steps(data: dict, path: Path | str, report: Report | None = None) -> tuple[Step, ...]:
    """Validate the steps data. Without a report, raise one ContentError listing every problem (file, step,
    line); with one, record them there."""
    with collecting(report) as report:
        src = report.source(path)
        steps, step_ids = [], set()
        for number, raw in enumerate(STEPS.read(src, data)["steps"] or [], start=1):
            ident = _ident(raw)
            item = f"step '{ident}'" if ident else f"step #{number}"
            v = STEP.read(src, raw, item, ident)
            if v["id"] is not None and v["id"] in step_ids:
                src.error("duplicate step id", item, ident)
            step_ids.add(v["id"])
            fields = _fields(src, v["fields"] or [], item, ident)
            steps.append(Step(v["id"], v["title"], _html(v["explanation"] or {}), _html(v["example"]), fields, number))
    return tuple(steps)


def _html(texts: dict) -> dict:
    return {lang: Markup(markdown.render(text)) for lang, text in texts.items()}


@lru_cache(maxsize=4)
def load_steps(path: Path = STEPS_FILE) -> tuple[Step, ...]:
    """The builder's steps (parsed once per file); a broken file raises ContentError listing every problem."""
    return parse_steps(read_toml(path), path)


def step_by_id(step_id: str, path: Path = STEPS_FILE) -> Step | None:
    """The step with this id, or None."""
    return next((s for s in load_steps(path) if s.id == step_id), None)
