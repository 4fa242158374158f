"""Task files in the course package: loading, validation errors naming the file, the shipped course's tasks."""
import shutil
from pathlib import Path

import pytest

from conftest import TEST_COURSES, TEST_QUIZZES
from lms.catalog import bundled_folders, load_catalog
from lms.courses.content import ContentError
from lms.tasks.files import sniff


@pytest.fixture
def copy(tmp_path):
    """A writable copy of the test course."""
    shutil.copytree(TEST_COURSES, tmp_path / "courses")
    return tmp_path / "courses"


def _task_file(courses: Path) -> Path:
    return courses / "mini" / "tasks" / "01-probe.toml"


def test_tasks_definitions_load_with_rubric_and_template():
    """The test task loads with its lesson, minutes, fields, rubric points and template file."""
    catalog = load_catalog(TEST_COURSES, TEST_QUIZZES)
    task = catalog.task("mini", "probe")
    assert task.module == "basics" and task.lesson == "b-one" and task.minutes == 20
    assert [f.id for f in task.fields] == ["ziel", "notiz"] and task.max_points == 3
    assert task.template.name == "probe.md" and "<strong>Ihr Ziel</strong>" in task.instructions_html["de"]
    assert catalog.lesson_tasks("mini", "b-one") == [task] and catalog.exercise_minutes("mini") == 20


@pytest.mark.parametrize("old, new, expected", [
    ('module = "basics"', 'module = "nope"', "'module' = 'nope' is not a module"),
    ('lesson = "b-one"', 'lesson = "m-one"', "'lesson' = 'm-one' is not a lesson of module 'basics'"),
    ("minutes = 20", "minutes = 2", "'minutes' must be between 5 and 240"),
    ('"png"]', '"exe"]', "unknown type(s) ['exe']"),
    ("max_size_mb = 1", "max_size_mb = 50", "'max_size_mb' must be between 1 and 10"),
    ('template = "templates/probe.md"', 'template = "../../course.toml"', "must be a file under tasks/templates/"),
    ('template = "templates/probe.md"', 'template = "templates/gone.md"', "template file is missing"),
    ('id = "probe"', 'id = "other"', "the file name must be <NN>-other.toml"),
    ("points = 2 },", "points = -2 },", "'points' must be >= 0"),
    ('title = { de = "Probeaufgabe", en = "Practice task" }', "title = [", "invalid TOML"),
])
def test_tasks_definitions_broken_file_names_file_and_problem(copy, old, new, expected):
    """Each kind of broken task file raises ContentError naming the file and the problem."""
    path = _task_file(copy)
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ContentError) as info:
        load_catalog(copy, TEST_QUIZZES)
    assert "01-probe.toml" in info.value.path
    assert expected in str(info.value)


def test_tasks_definitions_tasks_required_names_known_modules(copy):
    """course.toml `tasks_required` accepts a list of module ids and rejects unknown ones."""
    manifest = copy / "mini" / "course.toml"
    manifest.write_text(manifest.read_text() + '\ntasks_required = ["basics"]\n')
    course = load_catalog(copy, TEST_QUIZZES).courses["mini"]
    assert [m.tasks_required for m in course.modules] == [True, False]
    manifest.write_text(manifest.read_text().replace('["basics"]', '["ghost"]'))
    with pytest.raises(ContentError, match="unknown module"):
        load_catalog(copy, TEST_QUIZZES)


def test_tasks_definitions_shipped_course_has_six_reviewed_tasks():
    """The shipped course has the six practical tasks of the lessons' exercises, each with a rubric."""
    catalog = load_catalog(*bundled_folders())
    tasks = catalog.course_tasks("social_media_manager")
    assert {task.module for task in tasks.values()} >= {"strategie", "plattformen", "community", "messen"}
    assert len(tasks) == 6
    for task in tasks.values():
        assert task.title.get("en") and len(task.rubric) >= 3, task.id
        assert task.template is None or task.template.is_file()
        if task.template is not None:  # a template is something the upload check itself would accept
            kind = sniff(task.template.read_bytes(), task.template.suffix.lstrip("."))
            assert kind == task.template.suffix.lstrip("."), task.template
