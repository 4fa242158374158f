"""Practical task definitions: courses/<slug>/tasks/<NN-task-id>.toml, validated like the rest of the content."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..courses import markdown
from ..courses.content import Course
from ..courses.schema import Key, Report, Source, Table, between, collecting, one_of, schema_version

FILE_TYPES = ("pdf", "docx", "xlsx", "odt", "png", "jpg", "txt", "md", "csv")
FIELD_KINDS = ("text", "textarea")
MAX_SIZE_MB = 10

TASK = Table({
    "schema_version": Key(int, rule=schema_version), "id": Key("ident"), "module": Key("ident"),
    "lesson": Key("ident"), "title": Key("text"), "minutes": Key(int, rule=between(5, 240)),
    "instructions": Key("text"), "template": Key(str, False), "fields": Key(list, False, []),
    "rubric": Key(list, rule=lambda v: None if v else "a task needs at least one [[rubric]] criterion"),
    "file_types": Key(list, False, [], lambda v: None if all(isinstance(t, str) and t in FILE_TYPES for t in v) else
                      f"{{key}} has unknown type(s) {[t for t in v if t not in FILE_TYPES]} "
                      f"(allowed: {', '.join(FILE_TYPES)})"),
    "max_size_mb": Key(int, False, 5, between(1, MAX_SIZE_MB)), "file_required": Key(bool, False, False)})
FIELD = Table({"id": Key("ident"), "label": Key("text"), "kind": Key(str, False, "textarea", one_of(*FIELD_KINDS)),
               "required": Key(bool, False, True), "help": Key("text", False, {})})
CRITERION = Table({"id": Key("ident"), "title": Key("text"), "description": Key("text", False, {}),
                   "levels": Key(list, rule=lambda v: None if 2 <= len(v) <= 5 else "{key} needs 2 to 5 levels")})
LEVEL = Table({"id": Key("ident"), "label": Key("text"), "points": Key(int, rule=between(0))})


@dataclass(frozen=True)
class Field:
    """One in-browser answer field."""

    id: str
    label: dict
    kind: str
    required: bool
    help: dict


@dataclass(frozen=True)
class Level:
    """One level of a rubric criterion."""

    id: str
    label: dict
    points: int


@dataclass(frozen=True)
class Criterion:
    """A rubric criterion with its levels (worst first)."""

    id: str
    title: dict
    description: dict
    levels: tuple[Level, ...]

    @property
    def max_points(self) -> int:
        """Points of the best level."""
        return max(level.points for level in self.levels)


@dataclass(frozen=True)
class Task:
    """A practical task that a trainer reviews with a rubric."""

    id: str
    course_slug: str
    module: str
    lesson: str
    title: dict
    minutes: int
    instructions_html: dict
    template: Path | None
    fields: tuple[Field, ...]
    rubric: tuple[Criterion, ...]
    file_types: tuple[str, ...]
    max_size_mb: int
    file_required: bool
    iri: str
    path: str

    @property
    def max_points(self) -> int:
        """Points for the best level in every criterion."""
        return sum(criterion.max_points for criterion in self.rubric)


def load_tasks(course: Course, report: Report | None = None) -> dict[str, Task]:
    """Every task file of a course package (none when it has no tasks/ folder), by task id; without a report,
    raise one ContentError listing every problem."""
    with collecting(report) as report:
        folder = Path(course.path) / "tasks"
        tasks: dict[str, Task] = {}
        for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
            task = load_task(path, course, report)
            if task is not None and task.id in tasks:
                report.source(path).error(f"duplicate task id '{task.id}' (also in {tasks[task.id].path})", key="id")
            elif task is not None:
                tasks[task.id] = task
    return tasks


def load_task(path: Path, course: Course, report: Report | None = None) -> Task | None:
    """Load and validate one task file against its course (None when it is broken; problems go to the report)."""
    with collecting(report) as report:
        src = report.source(path)
        data = src.toml()
        task = None if data is None else _build(src, data, course)
    return task


def _build(src: Source, data: dict, course: Course) -> Task | None:
    errors = len(src.report.errors)
    v = TASK.read(src, data)
    task_id, module, lesson = v["id"], v["module"], v["lesson"]
    if task_id and src.path.stem.split("-", 1)[-1] != task_id:
        src.error(f"the file name must be <NN>-{task_id}.toml", key="id")
    if module and course.module(module) is None:
        src.error(f"'module' = '{module}' is not a module of course '{course.slug}'")
    found = course.lesson(lesson) if lesson else None
    if lesson and (found is None or found.module_id != module):
        src.error(f"'lesson' = '{lesson}' is not a lesson of module '{module}'")
    fields = _fields(src, v["fields"])
    if not v["fields"] and not v["file_types"]:
        src.error("a task needs [[fields]] for an in-browser answer, 'file_types' for an upload, or both")
    if v["file_required"] and not v["file_types"]:
        src.error("'file_required' needs 'file_types'")
    template, rubric = _template(src, v["template"]), _rubric(src, v["rubric"] or [])
    if len(src.report.errors) > errors:
        return None
    return Task(id=task_id, course_slug=course.slug, module=module, lesson=lesson, title=v["title"],
                minutes=v["minutes"], template=template, fields=fields, rubric=rubric,
                instructions_html={lang: markdown.render(text) for lang, text in v["instructions"].items()},
                file_types=tuple(v["file_types"]), max_size_mb=v["max_size_mb"], file_required=v["file_required"],
                iri=f"{course.iri}/task/{task_id}", path=str(src.path))


def _template(src: Source, name: str | None) -> Path | None:
    if name is None:
        return None
    folder = (src.path.parent / "templates").resolve()
    template = (src.path.parent / name).resolve()
    if folder not in template.parents:
        src.error(f"'template' {name!r} must be a file under tasks/templates/")
    elif not template.is_file():
        src.error(f"template file is missing: {name}", key="template")
    return template


def _ident(raw) -> str | None:
    return raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None


def _fields(src: Source, raw: list) -> tuple[Field, ...]:
    fields, seen = [], set()
    for number, item in enumerate(raw, start=1):
        ident = _ident(item)
        v = FIELD.read(src, item, f"field #{number}", ident)
        if v["id"] is not None and v["id"] in seen:
            src.error(f"duplicate field id '{v['id']}'", f"field #{number}", ident)
        seen.add(v["id"])
        fields.append(Field(v["id"], v["label"], v["kind"], v["required"], v["help"]))
    return tuple(fields)


def _rubric(src: Source, raw: list) -> tuple[Criterion, ...]:
    criteria, seen = [], set()
    for number, item in enumerate(raw, start=1):
        ident = _ident(item)
        where = f"rubric '{ident}'" if ident else f"rubric #{number}"
        v = CRITERION.read(src, item, where, ident)
        if v["id"] is not None and v["id"] in seen:
            src.error(f"duplicate criterion id '{v['id']}'", where, ident)
        seen.add(v["id"])
        levels = tuple(_level(src, raw_level, f"{where}: level", ident) for raw_level in v["levels"] or [])
        if len({level.id for level in levels}) != len(levels):
            src.error("needs 2 to 5 levels with distinct ids", where, ident)
        criteria.append(Criterion(v["id"], v["title"], v["description"], levels))
    return tuple(criteria)


def _level(src: Source, raw, where: str, criterion: str | None) -> Level:
    v = LEVEL.read(src, raw, where, _ident(raw) and criterion)
    return Level(v["id"], v["label"], v["points"])
