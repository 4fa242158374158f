"""Quiz definition files (TOML): load and validate them (every problem collected), and resolve the final
exam's question pool."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..courses.schema import ContentError, Report, Source
from . import scoring

__all__ = ["ContentError", "Question", "Quiz", "final_pool", "load_quiz", "load_quizzes", "question_pool"]

TOP_KEYS = frozenset({"schema_version", "id", "module", "kind", "title", "pass_mark", "draw",
                      "max_attempts", "wait_minutes", "from", "own_draw", "questions"})
KINDS = ("module", "final")


@dataclass(frozen=True)
class Question:
    """One question of a pool; ``raw`` is its validated TOML table, which the question types work on."""

    id: str
    type: str
    lesson: str
    scenario: bool
    prompt: str
    explanation: str
    points: int | float
    raw: dict = field(repr=False, hash=False)


@dataclass(frozen=True)
class Quiz:
    """A module quiz or the final exam, as defined in one TOML file."""

    id: str
    module: str | None
    kind: str
    title: dict = field(hash=False)
    pass_mark: float
    draw: int
    max_attempts: int
    wait_minutes: int
    questions: tuple[Question, ...]
    from_: tuple[tuple[str, int], ...] = ()
    path: str = field(default="", compare=False)
    own_draw: int = 0

    def question(self, qid: str) -> Question:
        """The question with this id (KeyError if absent)."""
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)


def _int(value: Any, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load_quiz(path: str | Path, *, lesson_ids: set[str] | None = None, module_ids: set[str] | None = None,
              display: str | None = None, report: Report | None = None) -> Quiz | None:
    """Read and validate one quiz file. Without a report, raise one ContentError listing every problem;
    with one, record them there and return None for a broken file."""
    own = report is None
    report = report or Report()
    path = Path(path)
    src = report.source(path, display or _display(path))
    data = src.toml()
    quiz = None if data is None else _build(src, data, path.stem, lesson_ids, module_ids)
    if own:
        report.raise_if_any()
    return quiz


def _reporter(src: Source) -> Callable[..., None]:
    """err(message, item=''): record a problem; 'question <id>' and 'from <quiz>' items find their line."""
    def err(message: str, item: str = "") -> None:
        match = re.match(r"(question|from) (\S+)$", item)
        anchor = {"id_key": "id" if match.group(1) == "question" else "quiz", "ident": match.group(2)} if match else {}
        src.error(message, item, **anchor)
    return err


def _build(src: Source, data: dict, stem: str, lesson_ids: set[str] | None,
           module_ids: set[str] | None) -> Quiz | None:
    before, err = len(src.report.errors), _reporter(src)
    kind, title, pass_mark = _top_level(data, stem, err)
    raw_questions = data.get("questions", [])
    if not isinstance(raw_questions, list) or not all(isinstance(q, dict) for q in raw_questions):
        err("'questions' must be an array of tables ([[questions]])")
        raw_questions = []
    module = data.get("module")
    if kind == "final":
        from_, own_draw = _final_sources(data, len(raw_questions), err)
        pool_size = sum(count for _, count in from_) + own_draw
    else:
        from_, own_draw = (), 0
        _module_rules(data, module, module_ids, err)
        if not raw_questions:
            err("the pool has no [[questions]]")
        pool_size = len(raw_questions)
    if raw_questions:
        _check_questions(raw_questions, lesson_ids, err)
    draw = _draw(data.get("draw", pool_size), kind, bool(from_), own_draw, pool_size, bool(raw_questions), err)
    if len(src.report.errors) > before:
        return None
    questions = tuple(Question(id=q["id"], type=q["type"], lesson=q["lesson"], scenario=q.get("scenario", False),
                               prompt=q["prompt"], explanation=q["explanation"], points=q.get("points", 1), raw=q)
                      for q in raw_questions)
    return Quiz(id=stem, module=module, kind=kind, title=title, pass_mark=pass_mark, draw=draw,
                max_attempts=data.get("max_attempts", 0), wait_minutes=data.get("wait_minutes", 0),
                questions=questions, from_=from_, path=src.shown, own_draw=own_draw)


def _top_level(data: dict, stem: str, err: Callable[..., None]) -> tuple[Any, Any, Any]:
    """Check the file's own keys; return kind, title and pass mark."""
    if extra := sorted(set(data) - TOP_KEYS):
        err(f"unknown key(s) {', '.join(map(repr, extra))}")
    if not (_int(data.get("schema_version"), 1) and data["schema_version"] == 1):
        err(f"'schema_version' must be 1, not {data.get('schema_version')!r}")
    if data.get("id") != stem:
        err(f"'id' {data.get('id')!r} must equal the file name {stem!r}")
    kind = data.get("kind")
    if kind not in KINDS:
        err(f"'kind' must be 'module' or 'final', not {kind!r}")
    title = data.get("title")
    if not (isinstance(title, dict) and isinstance(title.get("de"), str) and title["de"].strip()
            and all(isinstance(v, str) for v in title.values())):
        err("'title' must be a table of strings with at least 'de', e.g. { de = \"…\", en = \"…\" }")
    pass_mark = data.get("pass_mark")
    if not (isinstance(pass_mark, (int, float)) and not isinstance(pass_mark, bool) and 0 < pass_mark <= 1):
        err(f"'pass_mark' must be a share in (0, 1], not {pass_mark!r}")
    for key in ("max_attempts", "wait_minutes"):
        if not _int(data.get(key, 0), 0):
            err(f"'{key}' must be a whole number >= 0")
    return kind, title, pass_mark


def _draw(draw: Any, kind: Any, has_from: bool, own_draw: int, pool_size: int, has_questions: bool,
          err: Callable[..., None]) -> Any:
    """How many questions an attempt draws: at most the pool, exactly the [[from]] counts for a final."""
    if not _int(draw, 1):
        err(f"'draw' must be a whole number >= 1, not {draw!r}")
    elif kind == "final" and has_from and draw != pool_size:
        own = " and 'own_draw'" if own_draw else ""
        err(f"'draw' {draw} must equal the sum of the [[from]] counts{own} ({pool_size})")
    elif kind != "final" and has_questions and draw > pool_size:
        err(f"'draw' {draw} exceeds the pool size {pool_size}")
    return draw


def _final_sources(data: dict, own_questions: int,
                   err: Callable[..., None]) -> tuple[tuple[tuple[str, int], ...], int]:
    """A final exam's [[from]] draws and how many of its own questions an attempt draws."""
    if "module" in data:
        err("a final exam has no 'module'")
    return _from_entries(data.get("from"), err), _own_draw(data.get("own_draw"), own_questions, err)


def _module_rules(data: dict, module: Any, module_ids: set[str] | None, err: Callable[..., None]) -> None:
    """A module quiz names its module and has neither [[from]] nor 'own_draw'."""
    if "from" in data:
        err("only a final exam has [[from]]")
    if "own_draw" in data:
        err("only a final exam has 'own_draw'")
    if not _nonempty_str(module):
        err("'module' must be the module id")
    elif module_ids is not None and module not in module_ids:
        err(f"module {module!r} is not a module id in the course")


def _nonempty_str(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _check_questions(raw_questions: list[dict], lesson_ids: set[str] | None,
                     err: Callable[[str, str], None]) -> None:
    seen: set[str] = set()
    for n, raw in enumerate(raw_questions, 1):
        qid = raw.get("id")
        item = f"question {qid}" if _nonempty_str(qid) else f"question #{n}"
        for message in scoring.validate_question(raw):
            err(message, item)
        if _nonempty_str(qid):
            if qid in seen:
                err("duplicate question id", item)
            seen.add(qid)
        lesson = raw.get("lesson")
        if lesson_ids is not None and _nonempty_str(lesson) and lesson not in lesson_ids:
            err(f"lesson {lesson!r} is not a lesson id in the course", item)
    # form fields are q-<id> and q-<id>-<item>, so 'q04-a' would read as item 'a' of question q04
    for qid in sorted(seen):
        for other in sorted(seen):
            if qid.startswith(f"{other}-"):
                err(f"id starts with '{other}-' of question {other}; form fields would collide, rename one",
                    f"question {qid}")


def _own_draw(value: Any, own_questions: int, err: Callable[..., None]) -> int:
    """How many of a final exam's own [[questions]] an attempt draws (0 without own questions)."""
    if value is None:
        if own_questions:
            err("a final exam with own [[questions]] needs 'own_draw' (how many of them an attempt draws)")
        return 0
    if not _int(value, 1):
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
        item = f"from {quiz}" if _nonempty_str(quiz) else f"from #{n}"
        if extra := sorted(set(entry) - {"quiz", "count"}):
            err(f"unknown key(s) {', '.join(map(repr, extra))}", item)
        if not _nonempty_str(quiz):
            err("'quiz' must be a quiz id", item)
        elif quiz in (q for q, _ in entries):
            err("quiz listed twice", item)
        elif not _int(count, 1):
            err(f"'count' must be a whole number >= 1, not {count!r}", item)
        else:
            entries.append((quiz, count))
    return tuple(entries)


def load_quizzes(directory: str | Path, course_slug: str, lesson_ids: set[str] | None = None,
                 module_ids: set[str] | None = None, report: Report | None = None) -> dict[str, Quiz]:
    """Load every ``<directory>/<course_slug>/*.toml`` and cross-check the final exams; id → Quiz. Without a
    report, raise one ContentError listing every problem of every file."""
    own = report is None
    report = report or Report()
    root = Path(directory)
    quizzes: dict[str, Quiz] = {}
    paths: dict[str, Path] = {}
    broken: set[str] = set()
    for path in sorted((root / course_slug).glob("*.toml")):
        quiz = load_quiz(path, lesson_ids=lesson_ids, module_ids=module_ids, report=report,
                         display=f"{root.name}/{course_slug}/{path.name}")
        if quiz is None:
            broken.add(path.stem)
        else:
            quizzes[quiz.id], paths[quiz.id] = quiz, path
    for quiz in quizzes.values():
        _check_sources(report.source(paths[quiz.id], quiz.path), quiz, quizzes, broken, f"{root.name}/{course_slug}")
    if own:
        report.raise_if_any()
    return quizzes


def _check_sources(src: Source, quiz: Quiz, quizzes: dict[str, Quiz], broken: set[str], folder: str) -> None:
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


def final_pool(quiz: Quiz, quizzes: dict[str, Quiz]) -> dict[str, Question]:
    """A final exam's pool: every question of its source quizzes and its own, keyed (and re-id'd) as
    '<quiz id>/<question id>' (own questions under the final's id)."""
    pool: dict[str, Question] = {}
    sources = [(source, quizzes[source].questions) for source, _ in quiz.from_] + [(quiz.id, quiz.questions)]
    for source, questions in sources:
        for q in questions:
            key = f"{source}/{q.id}"
            pool[key] = replace(q, id=key, raw={**q.raw, "id": key})
    return pool


def question_pool(quiz: Quiz, quizzes: dict[str, Quiz] | None = None) -> dict[str, Question]:
    """The pool an attempt draws from: the quiz's own questions, or the final exam's resolved pool."""
    if quiz.kind == "final":
        return final_pool(quiz, quizzes or {})
    return {q.id: q for q in quiz.questions}
