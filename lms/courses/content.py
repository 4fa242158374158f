"""Course packages: read course.toml, module.toml and lessons into frozen dataclasses; every problem of a
package is collected (lms/courses/schema.py) and raised together as one ContentError."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import markdown
from .schema import (ID_RE, SCHEMA_VERSION, ContentError, Key, Report, Source, Table, between, collecting, one_of,
                     schema_version)

__all__ = ["ID_RE", "SCHEMA_VERSION", "ContentError", "Course", "Lesson", "Module", "load_course", "load_courses",
           "read_toml"]
IRI_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
WORD_RE = re.compile(r"\w+", re.UNICODE)


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
    guideline_builder: bool = False  # module.toml: the module whose deliverable is the guideline builder


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

    @property
    def guideline_module(self) -> Module | None:
        """The module marked `guideline_builder = true` in its module.toml, or None."""
        return next((module for module in self.modules if module.guideline_builder), None)

    def module_of(self, lesson: Lesson) -> Module:
        """The module a lesson belongs to."""
        return self.module(lesson.module_id)


COURSE = Table({
    "schema_version": Key(int, rule=schema_version), "slug": Key("ident", pattern=SLUG_RE),
    "iri": Key(str, rule=lambda v: None if IRI_RE.match(v) else f"'iri' = {v!r} is not an absolute IRI"),
    "version": Key(str), "language": Key(str), "title": Key("text"), "description": Key("text", False, {}),
    "modules": Key(list, rule=lambda v: None if v else "'modules' must list at least one module folder"),
    "final_exam": Key(str, False), "certificate_valid_days": Key(int, False, 0, between(0)),
    "tasks_required": Key((bool, list), False, False), "freshness": Key(bool, False, False)})
MODULE = Table({
    "schema_version": Key(int, rule=schema_version), "id": Key("ident"), "version": Key(str),
    "legal": Key(bool, False, False), "title": Key("text"),
    "objectives": Key("texts", rule=lambda v: None if 1 <= len(v.get("de", ())) <= 8
                      else "'objectives.de' must list 1 to 8 objectives"),
    "quiz": Key(str, False), "guideline_builder": Key(bool, False, False),
    "lessons": Key(list, rule=lambda v: None if v else "a module needs at least one [[lessons]] entry")})
LESSON = Table({"id": Key("ident"), "file": Key(str), "minutes": Key(int, rule=between(1, 60)),
                "title": Key("text"), "kind": Key(str, False, "lesson", one_of("lesson", "summary"))})


def read_toml(path: Path) -> dict:
    """Parse a TOML file; a missing file or a syntax error raises ContentError with the file and line."""
    with collecting(None) as report:
        data = report.source(path).toml()
    return data


def load_course(course_dir: Path, report: Report | None = None) -> Course | None:
    """Load and validate one course package. Without a report, raise one ContentError listing every problem;
    with one, record the problems there and return what could be read (None when course.toml is unreadable)."""
    with collecting(report) as report:
        course = _read_course(course_dir, report)
    return course


def _read_course(course_dir: Path, report: Report) -> Course | None:
    src = report.source(course_dir / "course.toml")
    data = src.toml()
    if data is None:
        return None
    v = COURSE.read(src, data)
    if v["slug"] is not None and v["slug"] != course_dir.name:
        src.error(f"slug '{v['slug']}' must equal the folder name '{course_dir.name}'", key="slug")
    iri = (v["iri"] or "urn:invalid").rstrip("/")
    modules, seen_lessons = [], {}
    for index, name in enumerate(v["modules"] or []):
        if not isinstance(name, str) or not (course_dir / "modules" / name).is_dir():
            src.error(f"module folder {name!r} does not exist under modules/", key="modules")
            continue
        module = _load_module(report, course_dir / "modules" / name, iri, len(modules),
                              sum(len(m.lessons) for m in modules), seen_lessons, v["freshness"])
        if module is None:
            continue
        if any(m.id == module.id for m in modules):
            report.source(course_dir / "modules" / name / "module.toml").error(
                f"duplicate module id '{module.id}'", key="id")
            continue
        modules.append(module)
    modules = _apply_tasks_required(src, v["tasks_required"], modules)
    if len([m for m in modules if m.guideline_builder]) > 1:
        src.error("only one module may set guideline_builder = true", key="modules")
    qpath = course_dir / "questionnaire.toml"
    questionnaire = report.source(qpath).toml() if qpath.exists() else None
    return Course(slug=v["slug"] or course_dir.name, iri=iri, version=str(v["version"]), language=v["language"],
                  title=v["title"] or {}, description=v["description"], modules=tuple(modules),
                  final_exam=v["final_exam"], certificate_valid_days=v["certificate_valid_days"],
                  path=str(course_dir), questionnaire=questionnaire, freshness=v["freshness"])


def _apply_tasks_required(src: Source, value, modules: list[Module]) -> list[Module]:
    """course.toml `tasks_required`: true (every module), false (none) or a list of module ids."""
    ids = {m.id for m in modules}
    if isinstance(value, bool):
        chosen = ids if value else set()
    elif all(isinstance(item, str) for item in value):
        unknown = sorted(set(value) - ids)
        if unknown:
            src.error(f"'tasks_required' names unknown module(s) {', '.join(unknown)}")
        chosen = set(value)
    else:
        src.error("'tasks_required' must be true, false or a list of module ids")
        chosen = set()
    return [replace(m, tasks_required=m.id in chosen) for m in modules]


def _load_module(report: Report, module_dir: Path, course_iri: str, index: int, position: int, seen: dict,
                 freshness: bool = False) -> Module | None:
    src = report.source(module_dir / "module.toml")
    data = src.toml()
    if data is None:
        return None
    v = MODULE.read(src, data)
    module_id = v["id"] or module_dir.name
    lessons = []
    for number, raw in enumerate(v["lessons"] or [], start=1):
        lesson = _load_lesson(src, module_dir, raw, number, module_id, course_iri, seen, freshness)
        if lesson is not None:
            lessons.append(replace(lesson, position=position + len(lessons)))
    return Module(id=module_id, title=v["title"] or {}, objectives=v["objectives"] or {}, version=str(v["version"]),
                  legal=v["legal"], quiz=v["quiz"], iri=f"{course_iri}/module/{module_id}", lessons=tuple(lessons),
                  position=index, guideline_builder=v["guideline_builder"])


def _load_lesson(src: Source, module_dir: Path, raw, number: int, module_id: str, course_iri: str, seen: dict,
                 freshness: bool) -> Lesson | None:
    """One [[lessons]] entry and its markdown file (position is set by the caller)."""
    ident = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
    item = f"lesson '{ident}'" if ident else f"lesson #{number}"
    v = LESSON.read(src, raw, item, ident)
    if v["id"] is not None and v["id"] in seen:
        src.error(f"id is already used in {seen[v['id']]}", item, ident, key="id")
    elif v["id"]:
        seen[v["id"]] = str(src.path)
    if v["file"] is None:
        return None
    source = (module_dir / v["file"]).resolve()
    if module_dir.resolve() not in source.parents:
        src.error(f"'file' {v['file']!r} must stay inside the module folder", item, ident)
        return None
    if not source.is_file():
        src.error(f"lesson file is missing: {v['file']}", item, ident, key="file")
        return None
    text = _read_lesson(src.report.source(source))
    if text is None or v["id"] is None:
        return None
    boxes = tuple(markdown.dated_boxes(text))
    if freshness:
        _check_dated_boxes(src.report.source(source), boxes)
    return Lesson(id=v["id"], module_id=module_id, title=v["title"] or {}, minutes=v["minutes"] or 0,
                  kind=v["kind"], iri=f"{course_iri}/lesson/{v['id']}", source=str(source),
                  html=markdown.render(text), words=len(WORD_RE.findall(text)), position=0, boxes=boxes)


def _check_dated_boxes(src: Source, boxes: tuple[markdown.Box, ...]) -> None:
    """With `freshness = true`: law/open boxes carry checked=YYYY-MM; every dated box cites an https source URL."""
    for box in boxes:
        if box.checked is None and box.kind in markdown.DATED_KINDS:
            src.error(f"'::: {box.kind}' box needs 'checked=YYYY-MM' right after the kind (course.toml sets "
                      f"freshness = true)", line=box.line)
        if not box.has_url:
            src.error(f"'::: {box.kind}' box needs at least one full https:// source URL inside the box",
                      line=box.line)


def _read_lesson(src: Source) -> str | None:
    """The lesson's markdown, or None when it cannot be used; every problem is recorded with its line."""
    try:
        text = src.path.read_text(encoding="utf-8")
    except FileNotFoundError:
        src.error("lesson file is missing")
        return None
    except UnicodeDecodeError as exc:
        src.error(f"not UTF-8: {exc}")
        return None
    if not text.strip():
        src.error("lesson is empty")
        return None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("# "):
            src.error("no top-level '# ' heading; the title comes from module.toml", line=number)
    for number, problem in markdown.check_callouts(text):
        src.error(problem, line=number)
    return text


def load_courses(courses_dir: Path, report: Report | None = None) -> dict[str, Course]:
    """Load every package under courses/ (each folder with a course.toml); without a report, raise one
    ContentError listing every problem of every package."""
    with collecting(report) as report:
        courses = {}
        if not courses_dir.is_dir():
            report.add(courses_dir, "courses folder does not exist")
        else:
            for child in sorted(courses_dir.iterdir()):
                if child.is_dir() and (child / "course.toml").exists():
                    course = load_course(child, report)
                    if course is not None:
                        courses[course.slug] = course
    return courses
