"""Course packages: read course.toml, module.toml and lessons into frozen dataclasses, or fail naming the file."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import markdown

SCHEMA_VERSION = 1
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
WORD_RE = re.compile(r"\w+", re.UNICODE)


class ContentError(Exception):
    """A broken content file: names the file (and line where known) and the problem."""

    def __init__(self, path: Path | str, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


@dataclass(frozen=True)
class Lesson:
    """One markdown lesson."""

    id: str
    module_id: str
    title: dict
    minutes: int
    kind: str
    iri: str
    source: str
    html: str
    words: int
    position: int  # 0-based position in the course
    boxes: tuple[markdown.Box, ...] = ()  # law and open-question callouts (content freshness)


@dataclass(frozen=True)
class Module:
    """A module: objectives, ordered lessons, and the quiz that closes it."""

    id: str
    title: dict
    objectives: dict
    version: str
    legal: bool
    quiz: str | None
    iri: str
    lessons: tuple[Lesson, ...]
    position: int
    tasks_required: bool = False  # course.toml: completing the module needs its practical tasks accepted
    guideline: bool = False  # module.toml: the module where learners build their guideline (xAPI parent)


@dataclass(frozen=True)
class Course:
    """A course package loaded from courses/<slug>/."""

    slug: str
    iri: str
    version: str
    language: str
    title: dict
    description: dict
    modules: tuple[Module, ...]
    final_exam: str | None
    certificate_valid_days: int
    path: str
    questionnaire: dict | None = field(default=None, compare=False)
    freshness: bool = False  # course.toml: every law/open box must carry checked= and a source URL

    @property
    def lessons(self) -> tuple[Lesson, ...]:
        """All lessons in course order."""
        return tuple(lesson for module in self.modules for lesson in module.lessons)

    def lesson(self, lesson_id: str) -> Lesson | None:
        """The lesson with this id, or None."""
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)

    def module(self, module_id: str) -> Module | None:
        """The module with this id, or None."""
        return next((module for module in self.modules if module.id == module_id), None)

    def module_of(self, lesson: Lesson) -> Module:
        """The module a lesson belongs to."""
        return self.module(lesson.module_id)


def read_toml(path: Path) -> dict:
    """Parse a TOML file; syntax errors become ContentError with the file and line."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ContentError(path, "file is missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(path, f"invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ContentError(path, f"not UTF-8: {exc}") from None


class _Checker:
    """Small helpers that raise ContentError for one file."""

    def __init__(self, path: Path, data: dict, where: str = ""):
        self.path, self.data, self.where = path, data, where

    def fail(self, problem: str):
        raise ContentError(self.path, f"{self.where}{problem}")

    def only(self, allowed: set[str]) -> None:
        unknown = sorted(set(self.data) - allowed)
        if unknown:
            self.fail(f"unknown key(s) {', '.join(unknown)}")

    def get(self, key: str, kind, required: bool = True, default=None):
        if key not in self.data:
            if required:
                self.fail(f"'{key}' is required")
            return default
        value = self.data[key]
        if kind is int and isinstance(value, bool) or not isinstance(value, kind):
            self.fail(f"'{key}' must be of type {getattr(kind, '__name__', kind)}")
        return value

    def ident(self, key: str, pattern=ID_RE) -> str:
        value = self.get(key, str)
        if not pattern.match(value):
            self.fail(f"'{key}' = {value!r} must match {pattern.pattern}")
        return value

    def text(self, key: str, required: bool = True, many: bool = False) -> dict:
        value = self.get(key, dict, required, default={})
        if required and "de" not in value:
            self.fail(f"'{key}' needs a German text (de)")
        for lang, text in value.items():
            if lang not in ("de", "en"):
                self.fail(f"'{key}': unknown language '{lang}'")
            ok = isinstance(text, list) and all(isinstance(t, str) and t.strip() for t in text) if many \
                else isinstance(text, str) and text.strip()
            if not ok:
                self.fail(f"'{key}.{lang}' must be {'a list of non-empty texts' if many else 'a non-empty text'}")
        return value

    def schema(self) -> None:
        version = self.get("schema_version", int)
        if version != SCHEMA_VERSION:
            self.fail(f"schema_version {version} is not supported (expected {SCHEMA_VERSION})")


def load_course(course_dir: Path) -> Course:
    """Load and validate one course package; raise ContentError on the first problem."""
    path = course_dir / "course.toml"
    c = _Checker(path, read_toml(path))
    c.only({"schema_version", "slug", "iri", "version", "language", "title", "description", "modules",
            "final_exam", "certificate_valid_days", "tasks_required", "freshness"})
    c.schema()
    slug = c.ident("slug", SLUG_RE)
    if slug != course_dir.name:
        c.fail(f"slug '{slug}' must equal the folder name '{course_dir.name}'")
    iri = c.get("iri", str)
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$", iri):
        c.fail(f"'iri' = {iri!r} is not an absolute IRI")
    iri = iri.rstrip("/")
    module_dirs = c.get("modules", list)
    if not module_dirs:
        c.fail("'modules' must list at least one module folder")
    valid_days = c.get("certificate_valid_days", int, required=False, default=0)
    if valid_days < 0:
        c.fail("'certificate_valid_days' must be >= 0")
    freshness = c.get("freshness", bool, required=False, default=False)
    modules, seen_lessons, position = [], {}, 0
    for index, name in enumerate(module_dirs):
        if not isinstance(name, str) or not (course_dir / "modules" / name).is_dir():
            c.fail(f"module folder {name!r} does not exist under modules/")
        module = _load_module(course_dir / "modules" / name, iri, index, position, seen_lessons, freshness)
        if any(m.id == module.id for m in modules):
            raise ContentError(course_dir / "modules" / name / "module.toml", f"duplicate module id '{module.id}'")
        position += len(module.lessons)
        modules.append(module)
    modules = _apply_tasks_required(c, modules)
    questionnaire = None
    qpath = course_dir / "questionnaire.toml"
    if qpath.exists():
        questionnaire = read_toml(qpath)
    return Course(slug=slug, iri=iri, version=str(c.get("version", str)), language=c.get("language", str),
                  title=c.text("title"), description=c.text("description", required=False),
                  modules=tuple(modules), final_exam=c.get("final_exam", str, required=False),
                  certificate_valid_days=valid_days, path=str(course_dir), questionnaire=questionnaire,
                  freshness=freshness)


def _apply_tasks_required(c: _Checker, modules: list[Module]) -> list[Module]:
    """course.toml `tasks_required`: true (every module), false (none) or a list of module ids."""
    value = c.data.get("tasks_required", False)
    ids = {m.id for m in modules}
    if isinstance(value, bool):
        chosen = ids if value else set()
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        unknown = sorted(set(value) - ids)
        if unknown:
            c.fail(f"'tasks_required' names unknown module(s) {', '.join(unknown)}")
        chosen = set(value)
    else:
        c.fail("'tasks_required' must be true, false or a list of module ids")
    return [replace(m, tasks_required=m.id in chosen) for m in modules]


def _load_module(module_dir: Path, course_iri: str, index: int, position: int, seen: dict,
                 freshness: bool = False) -> Module:
    path = module_dir / "module.toml"
    c = _Checker(path, read_toml(path))
    c.only({"schema_version", "id", "version", "legal", "guideline", "title", "objectives", "quiz", "lessons"})
    c.schema()
    module_id = c.ident("id")
    objectives = c.text("objectives", many=True)
    if not 1 <= len(objectives["de"]) <= 8:
        c.fail("'objectives.de' must list 1 to 8 objectives")
    raw_lessons = c.get("lessons", list)
    if not raw_lessons:
        c.fail("a module needs at least one [[lessons]] entry")
    lessons = []
    for number, raw in enumerate(raw_lessons, start=1):
        if not isinstance(raw, dict):
            c.fail(f"lesson #{number} must be a table")
        lc = _Checker(path, raw, where=f"lesson #{number}: ")
        lc.only({"id", "file", "minutes", "title", "kind"})
        lesson_id = lc.ident("id")
        lc.where = f"lesson '{lesson_id}': "
        if lesson_id in seen:
            lc.fail(f"id is already used in {seen[lesson_id]}")
        seen[lesson_id] = str(path)
        minutes = lc.get("minutes", int)
        if not 1 <= minutes <= 60:
            lc.fail("'minutes' must be between 1 and 60")
        kind = lc.get("kind", str, required=False, default="lesson")
        if kind not in ("lesson", "summary"):
            lc.fail("'kind' must be 'lesson' or 'summary'")
        file_name = lc.get("file", str)
        source = (module_dir / file_name).resolve()
        if module_dir.resolve() not in source.parents:
            lc.fail(f"'file' {file_name!r} must stay inside the module folder")
        if not source.is_file():
            lc.fail(f"lesson file is missing: {file_name}")
        text = _read_lesson(source)
        boxes = tuple(markdown.dated_boxes(text))
        if freshness:
            _check_dated_boxes(source, boxes)
        lessons.append(Lesson(id=lesson_id, module_id=module_id, title=lc.text("title"), minutes=minutes, kind=kind,
                              iri=f"{course_iri}/lesson/{lesson_id}", source=str(source),
                              html=markdown.render(text), words=len(WORD_RE.findall(text)),
                              position=position + number - 1, boxes=boxes))
    return Module(id=module_id, title=c.text("title"), objectives=objectives, version=str(c.get("version", str)),
                  legal=c.get("legal", bool, required=False, default=False),
                  guideline=c.get("guideline", bool, required=False, default=False),
                  quiz=c.get("quiz", str, required=False), iri=f"{course_iri}/module/{module_id}",
                  lessons=tuple(lessons), position=index)


def _check_dated_boxes(path: Path, boxes: tuple[markdown.Box, ...]) -> None:
    """With `freshness = true`: law/open boxes carry checked=YYYY-MM; every dated box cites an https source URL."""
    for box in boxes:
        if box.checked is None and box.kind in markdown.DATED_KINDS:
            raise ContentError(f"{path}:{box.line}", f"'::: {box.kind}' box needs 'checked=YYYY-MM' right after "
                                                     f"the kind (course.toml sets freshness = true)")
        if not box.has_url:
            raise ContentError(f"{path}:{box.line}", f"'::: {box.kind}' box needs at least one full https:// "
                                                     f"source URL inside the box")


def _read_lesson(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(path, "lesson file is missing") from None
    except UnicodeDecodeError as exc:
        raise ContentError(path, f"not UTF-8: {exc}") from None
    if not text.strip():
        raise ContentError(path, "lesson is empty")
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("# "):
            raise ContentError(f"{path}:{number}", "no top-level '# ' heading; the title comes from module.toml")
    problems = markdown.check_callouts(text)
    if problems:
        number, problem = problems[0]
        raise ContentError(f"{path}:{number}", problem)
    return text


def load_courses(courses_dir: Path) -> dict[str, Course]:
    """Load every package under courses/ (each folder with a course.toml)."""
    if not courses_dir.is_dir():
        raise ContentError(courses_dir, "courses folder does not exist")
    courses = {}
    for child in sorted(courses_dir.iterdir()):
        if child.is_dir() and (child / "course.toml").exists():
            course = load_course(child)
            courses[course.slug] = course
    return courses
