"""Quiz definition files (TOML): load and validate them (every problem collected), and resolve the final
exam's question pool."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..courses.schema import ContentError, Key, Report, Source, Table, collecting
from . import scoring
from .final_rules import check_sources, final_sources
from .types.common import is_whole, nonempty

__all__ = ["ContentError", "Question", "Quiz", "final_pool", "load_quiz", "load_quizzes", "question_pool"]

KINDS = ("module", "final")


def _whole(low: int) -> Callable[[Any], str | None]:
    return lambda v: None if is_whole(v, low) else f"{{key}} must be a whole number >= {low}"


def _is_title(v: Any) -> bool:
    return isinstance(v, dict) and isinstance(v.get("de"), str) and bool(v["de"].strip()) \
        and all(isinstance(text, str) for text in v.values())


# The file's own keys; 'id', 'module', 'draw', 'from', 'own_draw' and 'questions' depend on other keys and the
# file name, so their rules are in the functions below. Rules take any TOML type (object) to keep the messages.
QUIZ = Table({
    "schema_version": Key(object, rule=lambda v: None if is_whole(v, 1) and v == 1
                          else f"{{key}} must be 1, not {v!r}"),
    "id": Key(object, False), "module": Key(object, False),
    "kind": Key(object, rule=lambda v: None if v in KINDS else f"{{key}} must be 'module' or 'final', not {v!r}"),
    "title": Key(object, rule=lambda v: None if _is_title(v) else
                 "{key} must be a table of strings with at least 'de', e.g. { de = \"…\", en = \"…\" }"),
    "pass_mark": Key(object, rule=lambda v: None if isinstance(v, (int, float)) and not isinstance(v, bool)
                     and 0 < v <= 1 else f"{{key}} must be a share in (0, 1], not {v!r}"),
    "draw": Key(object, False), "max_attempts": Key(object, False, 0, _whole(0)),
    "wait_minutes": Key(object, False, 0, _whole(0)), "from": Key(object, False), "own_draw": Key(object, False),
    "questions": Key(object, False, [])})


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


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load_quiz(path: str | Path, *, lesson_ids: set[str] | None = None, module_ids: set[str] | None = None,
              display: str | None = None, report: Report | None = None) -> Quiz | None:
    """Read and validate one quiz file. Without a report, raise one ContentError listing every problem;
    with one, record them there and return None for a broken file."""
    with collecting(report) as report:
        path = Path(path)
        src = report.source(path, display or _display(path))
        data = src.toml()
        quiz = None if data is None else _build(src, data, path.stem, lesson_ids, module_ids)
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
    kind, title, pass_mark = _top_level(src, data, stem, err)
    raw_questions = data.get("questions", [])
    if not isinstance(raw_questions, list) or not all(isinstance(q, dict) for q in raw_questions):
        err("'questions' must be an array of tables ([[questions]])")
        raw_questions = []
    module = data.get("module")
    if kind == "final":
        from_, own_draw = final_sources(data, len(raw_questions), err)
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


def _top_level(src: Source, data: dict, stem: str, err: Callable[..., None]) -> tuple[Any, Any, Any]:
    """Check the file's own keys; return kind, title and pass mark."""
    values = QUIZ.read(src, data)
    if data.get("id") != stem:
        err(f"'id' {data.get('id')!r} must equal the file name {stem!r}")
    return values["kind"], values["title"], values["pass_mark"]


def _draw(draw: Any, kind: Any, has_from: bool, own_draw: int, pool_size: int, has_questions: bool,
          err: Callable[..., None]) -> Any:
    """How many questions an attempt draws: at most the pool, exactly the [[from]] counts for a final."""
    if not is_whole(draw, 1):
        err(f"'draw' must be a whole number >= 1, not {draw!r}")
    elif kind == "final" and has_from and draw != pool_size:
        own = " and 'own_draw'" if own_draw else ""
        err(f"'draw' {draw} must equal the sum of the [[from]] counts{own} ({pool_size})")
    elif kind != "final" and has_questions and draw > pool_size:
        err(f"'draw' {draw} exceeds the pool size {pool_size}")
    return draw


def _module_rules(data: dict, module: Any, module_ids: set[str] | None, err: Callable[..., None]) -> None:
    """A module quiz names its module and has neither [[from]] nor 'own_draw'."""
    if "from" in data:
        err("only a final exam has [[from]]")
    if "own_draw" in data:
        err("only a final exam has 'own_draw'")
    if not nonempty(module):
        err("'module' must be the module id")
    elif module_ids is not None and module not in module_ids:
        err(f"module {module!r} is not a module id in the course")


def _check_questions(raw_questions: list[dict], lesson_ids: set[str] | None,
                     err: Callable[[str, str], None]) -> None:
    seen: set[str] = set()
    for n, raw in enumerate(raw_questions, 1):
        qid = raw.get("id")
        item = f"question {qid}" if nonempty(qid) else f"question #{n}"
        for message in scoring.validate_question(raw):
            err(message, item)
        if nonempty(qid):
            if qid in seen:
                err("duplicate question id", item)
            seen.add(qid)
        lesson = raw.get("lesson")
        if lesson_ids is not None and nonempty(lesson) and lesson not in lesson_ids:
            err(f"lesson {lesson!r} is not a lesson id in the course", item)
    # form fields are q-<id> and q-<id>-<item>, so 'q04-a' would read as item 'a' of question q04
    for qid in sorted(seen):
        for other in sorted(seen):
            if qid.startswith(f"{other}-"):
                err(f"id starts with '{other}-' of question {other}; form fields would collide, rename one",
                    f"question {qid}")


def load_quizzes(directory: str | Path, course_slug: str, lesson_ids: set[str] | None = None,
                 module_ids: set[str] | None = None, report: Report | None = None) -> dict[str, Quiz]:
    """Load every ``<directory>/<course_slug>/*.toml`` and cross-check the final exams; id → Quiz. Without a
    report, raise one ContentError listing every problem of every file."""
    with collecting(report) as report:
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
            check_sources(report.source(paths[quiz.id], quiz.path), quiz, quizzes, broken, f"{root.name}/{course_slug}")
    return quizzes


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
