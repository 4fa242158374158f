"""A final exam's sources: its [[from]] draws from module quizzes and how many of its own questions it draws."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .types.common import is_whole, nonempty

if TYPE_CHECKING:
    from ..courses.schema import Source
    from .definitions import Quiz


def final_sources(data: dict, own_questions: int,
                  err: Callable[..., None]) -> tuple[tuple[tuple[str, int], ...], int]:
    """A final exam's [[from]] draws and how many of its own questions an attempt draws."""
    if "module" in data:
        err("a final exam has no 'module'")
    return _from_entries(data.get("from"), err), _own_draw(data.get("own_draw"), own_questions, err)


def _own_draw(value: Any, own_questions: int, err: Callable[..., None]) -> int:
    """How many of a final exam's own [[questions]] an attempt draws (0 without own questions)."""
    if value is None:
        if own_questions:
            err("a final exam with own [[questions]] needs 'own_draw' (how many of them an attempt draws)")
        return 0
    if not is_whole(value, 1):
        err(f"'own_draw' must be a whole number >= 1, not {value!r}")
    elif not own_questions:
        err("'own_draw' needs the final exam's own [[questions]]")
    elif value > own_questions:
        err(f"'own_draw' {value} exceeds the final exam's {own_questions} own questions")
    else:
        return value
    return 0


def _from_entries(value: Any, err: Callable[..., None]) -> tuple[tuple[str, int], ...]:
    if not isinstance(value, list) or not value or not all(isinstance(e, dict) for e in value):
        err("a final exam needs [[from]] entries with 'quiz' and 'count'")
        return ()
    entries: list[tuple[str, int]] = []
    for n, entry in enumerate(value, 1):
        quiz, count = entry.get("quiz"), entry.get("count")
        item = f"from {quiz}" if nonempty(quiz) else f"from #{n}"
        if extra := sorted(set(entry) - {"quiz", "count"}):
            err(f"unknown key(s) {', '.join(map(repr, extra))}", item)
        if not nonempty(quiz):
            err("'quiz' must be a quiz id", item)
        elif quiz in (q for q, _ in entries):
            err("quiz listed twice", item)
        elif not is_whole(count, 1):
            err(f"'count' must be a whole number >= 1, not {count!r}", item)
        else:
            entries.append((quiz, count))
    return tuple(entries)


def check_sources(src: Source, quiz: Quiz, quizzes: dict[str, Quiz], broken: set[str], folder: str) -> None:
    """A final exam's [[from]] entries name module quizzes with enough questions."""
    for source, count in quiz.from_:
        other, item = quizzes.get(source), f"from {source}"
        line = next((n for n, text in enumerate(src.text.splitlines(), 1) if f'quiz = "{source}"' in text), None)
        if other is None and source not in broken:
            src.error(f"there is no quiz {source!r} in {folder}", item, line=line)
        elif other is not None and other.kind != "module":
            src.error(f"{source!r} is not a module quiz", item, line=line)
        elif other is not None and count > len(other.questions):
            src.error(f"'count' {count} exceeds that pool's {len(other.questions)} questions", item, line=line)
