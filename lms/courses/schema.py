"""The content schema layer: one ContentError type, a report that collects every error of a load, and
declarative key tables that check a TOML table (unknown keys refused, types, ranges, ids, language maps).

Loaders never stop at the first problem: they record it (file, item, line where known), go on with a
default, and raise one ContentError holding all problems at the end of the load.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LANGUAGES = ("de", "en")
_KEY_IN_PROBLEM = re.compile(r"^(?:unknown key\(s\) )?'?([\w-]+)")


class ContentError(Exception):
    """A broken content file: path, item (e.g. "question q03") and line where known, and the problem.

    Raised by a load, it carries every problem found in ``errors`` (itself first); ``str()`` lists them all.
    """

    def __init__(self, path: Path | str, problem: str, item: str = "", line: int | None = None,
                 errors: tuple[ContentError, ...] = ()):
        self.path, self.problem, self.item, self.line = str(path), problem, item, line
        self.errors = tuple(errors) or (self,)
        super().__init__("\n".join(error.describe() for error in self.errors))

    def describe(self) -> str:
        """This one problem as 'path:line: item: problem'."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.item}: {self.problem}" if self.item else f"{where}: {self.problem}"

    @classmethod
    def collected(cls, errors: list[ContentError]) -> ContentError:
        """One error holding all of them (its own fields are the first one's)."""
        first = errors[0]
        return cls(first.path, first.problem, first.item, first.line, tuple(errors))


def locate(text: str, ident: str | None = None, key: str | None = None, id_key: str = "id") -> int | None:
    """The 1-based line of ``key`` in the table whose ``id_key`` is ``ident`` (either may be None), if found.
    A table's own `id = …` line is preferred over an inline table's (option ids can repeat question ids)."""
    lines = text.splitlines()
    start = 0
    if ident:
        value = re.escape(id_key) + r"""\s*=\s*["']""" + re.escape(ident) + r"""["']"""
        own, inline = re.compile(r"^\s*" + value), re.compile(r"\b" + value)
        start = next((n for n, line in enumerate(lines) if own.search(line)),
                     next((n for n, line in enumerate(lines) if inline.search(line)), None))
        if start is None:
            return None
    if key:
        pattern = re.compile(r"(^|[{,]\s*|\[\[?[\w.]*)\s*" + re.escape(key) + r"\s*(=|\]\]?)")
        found = next((n for n in range(start, len(lines)) if pattern.search(lines[n])), None)
        if found is not None:
            return found + 1
    return start + 1 if ident else None


class Report:
    """Collects the problems of one load; ``raise_if_any`` raises them together."""

    def __init__(self) -> None:
        self.errors: list[ContentError] = []

    def add(self, path: Path | str, problem: str, item: str = "", line: int | None = None) -> None:
        """Record one problem."""
        self.errors.append(ContentError(path, problem, item, line))

    def absorb(self, error: ContentError) -> None:
        """Record every problem of a raised ContentError."""
        self.errors.extend(error.errors)

    def source(self, path: Path | str, shown: str | None = None) -> Source:
        """A file whose problems go to this report (``shown`` = the path to print)."""
        return Source(self, Path(path), shown or str(path))

    def raise_if_any(self) -> None:
        """Raise one ContentError with every recorded problem."""
        if self.errors:
            raise ContentError.collected(self.errors)


@contextmanager
def collecting(report: Report | None) -> Iterator[Report]:
    """The caller's report, or a new one whose problems are raised as one ContentError when the block ends."""
    if report is not None:
        yield report
        return
    own = Report()
    yield own
    own.raise_if_any()


class Source:
    """One content file: reads it, and records its problems with the line found from the item and key."""

    def __init__(self, report: Report, path: Path, shown: str):
        self.report, self.path, self.shown = report, path, shown
        self._text: str | None = None

    @property
    def text(self) -> str:
        """The file's text ('' when unreadable), for finding lines."""
        if self._text is None:
            try:
                self._text = self.path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                self._text = ""
        return self._text

    def error(self, problem: str, item: str = "", ident: str | None = None, key: str | None = None,
              line: int | None = None, id_key: str = "id") -> None:
        """Record a problem; the line is looked up from the item's id and the key (or the key the problem names);
        line=0 means: do not look it up."""
        if line is None and item and not ident:
            line = 0  # an inner table without a usable id: a guessed line could point at another table
        if line is None:
            match = _KEY_IN_PROBLEM.match(problem)
            line = locate(self.text, ident, key or (match.group(1) if match else None), id_key)
        self.report.add(self.shown, problem, item, line or None)

    def toml(self) -> dict | None:
        """The parsed file, or None (problem recorded) when it is missing or not valid UTF-8 TOML."""
        try:
            with self.path.open("rb") as fh:
                return tomllib.load(fh)
        except FileNotFoundError:
            self.report.add(self.shown, "file is missing")
        except tomllib.TOMLDecodeError as exc:
            line = re.search(r"at line (\d+)", str(exc))  # Python < 3.14 has no exc.lineno
            self.report.add(self.shown, f"invalid TOML: {exc}", line=int(line.group(1)) if line else None)
        except UnicodeDecodeError as exc:
            self.report.add(self.shown, f"not UTF-8: {exc}")
        except OSError as exc:
            self.report.add(self.shown, f"cannot read ({exc.strerror})")
        return None


@dataclass(frozen=True)
class Key:
    """One key of a table: its kind ("ident", "text", "texts" or a Python type), whether it is required,
    its default, and an optional rule returning a problem text for a value of the right type."""

    kind: Any
    required: bool = True
    default: Any = None
    rule: Callable[[Any], str | None] | None = None
    pattern: re.Pattern = ID_RE


def between(low: int, high: int | None = None) -> Callable[[Any], str | None]:
    """A rule: the number lies in [low, high] (no upper bound when high is None)."""
    def rule(value):
        if value < low or (high is not None and value > high):
            return f"{{key}} must be between {low} and {high}" if high is not None \
                else f"{{key}} must be >= {low}"
        return None
    return rule


def one_of(*choices: str) -> Callable[[Any], str | None]:
    """A rule: the value is one of the choices."""
    return lambda value: None if value in choices else f"{{key}} must be one of {', '.join(choices)}"


def texts(value: list) -> str | None:
    """A rule: a list holds only texts (ids)."""
    return None if all(isinstance(item, str) for item in value) else "{key} must be a list of texts"


def schema_version(value: int) -> str | None:
    """A rule: the schema version this code reads."""
    return None if value == SCHEMA_VERSION else f"schema_version {value} is not supported (expected {SCHEMA_VERSION})"


def _lang_map(name: str, value: Any, required: bool, many: bool) -> str | None:
    """The problem of a language map ({de = …, en = …}) of texts or lists of texts, or None."""
    if not isinstance(value, dict):
        return f"'{name}' must be a table of texts per language, e.g. {{ de = \"…\", en = \"…\" }}"
    if required and "de" not in value:
        return f"'{name}' needs a German text (de)"
    for lang, text in value.items():
        if lang not in LANGUAGES:
            return f"'{name}': unknown language '{lang}'"
        ok = isinstance(text, list) and all(isinstance(t, str) and t.strip() for t in text) if many \
            else isinstance(text, str) and text.strip()
        if not ok:
            return f"'{name}.{lang}' must be {'a list of non-empty texts' if many else 'a non-empty text'}"
    return None


def _problem(name: str, key: Key, value: Any) -> str | None:
    """What is wrong with one value for its key, or None."""
    if key.kind == "ident":
        if not isinstance(value, str) or not key.pattern.match(value):
            return f"'{name}' = {value!r} must match {key.pattern.pattern}"
    elif key.kind in ("text", "texts"):
        problem = _lang_map(name, value, key.required, key.kind == "texts")
        if problem:
            return problem
    elif (isinstance(value, bool) and key.kind is int) or not isinstance(value, key.kind):
        kinds = key.kind if isinstance(key.kind, tuple) else (key.kind,)
        return f"'{name}' must be of type {' or '.join(k.__name__ for k in kinds)}"
    problem = key.rule(value) if key.rule else None
    return problem.replace("{key}", f"'{name}'") if problem else None


class Table:
    """The keys a TOML table may hold; ``read`` checks one table and returns its values (defaults for
    missing or broken keys), recording every problem."""

    def __init__(self, keys: dict[str, Key]):
        self.keys = keys

    def read(self, src: Source, data: Any, item: str = "", ident: str | None = None) -> dict:
        """Checked values by key; unknown keys, missing required keys and bad values are recorded."""
        values = {name: key.default for name, key in self.keys.items()}
        if not isinstance(data, dict):
            src.error("must be a table", item, ident)
            return values
        unknown = sorted(set(data) - set(self.keys))
        if unknown:
            src.error(f"unknown key(s) {', '.join(unknown)}", item, ident, key=unknown[0])
        for name, key in self.keys.items():
            if name not in data:
                if key.required:  # the line of the table, not of a later table's key of that name
                    src.error(f"'{name}' is required", item, ident, line=locate(src.text, ident) if ident else 0)
            elif problem := _problem(name, key, data[name]):
                src.error(problem, item, ident, key=name)
            else:
                values[name] = data[name]
        return values
