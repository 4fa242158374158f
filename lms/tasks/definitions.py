"""Practical task definitions: courses/<slug>/tasks/<NN-task-id>.toml, validated like the rest of the content."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..courses import markdown
from ..courses.content import ContentError, Course, _Checker, read_toml

FILE_TYPES = ("pdf", "docx", "xlsx", "odt", "png", "jpg", "txt", "md", "csv")
FIELD_KINDS = ("text", "textarea")
MAX_SIZE_MB = 10


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


def load_tasks(course: Course) -> dict[str, Task]:
    """Every task file of a course package (none when it has no tasks/ folder), by task id."""
    folder = Path(course.path) / "tasks"
    if not folder.is_dir():
        return {}
    tasks = {}
    for path in sorted(folder.glob("*.toml")):
        task = load_task(path, course)
        if task.id in tasks:
            raise ContentError(path, f"duplicate task id '{task.id}' (also in {tasks[task.id].path})")
        tasks[task.id] = task
    return tasks


def load_task(path: Path, course: Course) -> Task:
    """Load and validate one task file against its course."""
    c = _Checker(path, read_toml(path))
    c.only({"schema_version", "id", "module", "lesson", "title", "minutes", "instructions", "template", "fields",
            "rubric", "file_types", "max_size_mb", "file_required"})
    c.schema()
    task_id = c.ident("id")
    if path.stem.split("-", 1)[-1] != task_id:
        c.fail(f"the file name must be <NN>-{task_id}.toml")
    module, lesson = c.ident("module"), c.ident("lesson")
    if course.module(module) is None:
        c.fail(f"'module' = '{module}' is not a module of course '{course.slug}'")
    found = course.lesson(lesson)
    if found is None or found.module_id != module:
        c.fail(f"'lesson' = '{lesson}' is not a lesson of module '{module}'")
    minutes = c.get("minutes", int)
    if not 5 <= minutes <= 240:
        c.fail("'minutes' must be between 5 and 240")
    instructions = c.text("instructions")
    file_types = tuple(c.get("file_types", list, required=False, default=[]))
    unknown = [t for t in file_types if t not in FILE_TYPES]
    if unknown:
        c.fail(f"'file_types' has unknown type(s) {unknown} (allowed: {', '.join(FILE_TYPES)})")
    max_size = c.get("max_size_mb", int, required=False, default=5)
    if not 1 <= max_size <= MAX_SIZE_MB:
        c.fail(f"'max_size_mb' must be between 1 and {MAX_SIZE_MB}")
    fields = _fields(path, c.get("fields", list, required=False, default=[]))
    file_required = c.get("file_required", bool, required=False, default=False)
    if not fields and not file_types:
        c.fail("a task needs [[fields]] for an in-browser answer, 'file_types' for an upload, or both")
    if file_required and not file_types:
        c.fail("'file_required' needs 'file_types'")
    return Task(id=task_id, course_slug=course.slug, module=module, lesson=lesson, title=c.text("title"),
                minutes=minutes, instructions_html={lang: markdown.render(text) for lang, text in instructions.items()},
                template=_template(c, path), fields=fields, rubric=_rubric(path, c.get("rubric", list)),
                file_types=file_types, max_size_mb=max_size, file_required=file_required,
                iri=f"{course.iri}/task/{task_id}", path=str(path))


def _template(c: _Checker, path: Path) -> Path | None:
    name = c.get("template", str, required=False)
    if name is None:
        return None
    folder = (path.parent / "templates").resolve()
    template = (path.parent / name).resolve()
    if folder not in template.parents:
        c.fail(f"'template' {name!r} must be a file under tasks/templates/")
    if not template.is_file():
        c.fail(f"template file is missing: {name}")
    return template


def _fields(path: Path, raw: list) -> tuple[Field, ...]:
    fields, seen = [], set()
    for number, item in enumerate(raw, start=1):
        fc = _Checker(path, item if isinstance(item, dict) else {}, where=f"field #{number}: ")
        if not isinstance(item, dict):
            fc.fail("must be a table")
        fc.only({"id", "label", "kind", "required", "help"})
        field_id = fc.ident("id")
        if field_id in seen:
            fc.fail(f"duplicate field id '{field_id}'")
        seen.add(field_id)
        kind = fc.get("kind", str, required=False, default="textarea")
        if kind not in FIELD_KINDS:
            fc.fail(f"'kind' must be one of {', '.join(FIELD_KINDS)}")
        fields.append(Field(field_id, fc.text("label"), kind, fc.get("required", bool, required=False, default=True),
                            fc.text("help", required=False)))
    return tuple(fields)


def _rubric(path: Path, raw: list) -> tuple[Criterion, ...]:
    if not raw:
        _Checker(path, {}).fail("a task needs at least one [[rubric]] criterion")
    criteria, seen = [], set()
    for number, item in enumerate(raw, start=1):
        rc = _Checker(path, item if isinstance(item, dict) else {}, where=f"rubric #{number}: ")
        if not isinstance(item, dict):
            rc.fail("must be a table")
        rc.only({"id", "title", "description", "levels"})
        criterion_id = rc.ident("id")
        if criterion_id in seen:
            rc.fail(f"duplicate criterion id '{criterion_id}'")
        seen.add(criterion_id)
        rc.where = f"rubric '{criterion_id}': "
        levels = []
        for raw_level in rc.get("levels", list):
            lc = _Checker(path, raw_level if isinstance(raw_level, dict) else {}, where=rc.where + "level: ")
            lc.only({"id", "label", "points"})
            points = lc.get("points", int)
            if points < 0:
                lc.fail("'points' must be >= 0")
            levels.append(Level(lc.ident("id"), lc.text("label"), points))
        if not 2 <= len(levels) <= 5 or len({level.id for level in levels}) != len(levels):
            rc.fail("needs 2 to 5 levels with distinct ids")
        criteria.append(Criterion(criterion_id, rc.text("title"), rc.text("description", required=False),
                                  tuple(levels)))
    return tuple(criteria)
