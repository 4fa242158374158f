"""Course packages: loading, validation errors naming the file, the content check command."""
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import TEST_COURSES, TEST_QUIZZES
from lms.courses.cli import content_check
from lms.courses.content import ContentError, load_course, load_courses
from lms.courses.markdown import render


@pytest.fixture
def broken(tmp_path):
    """A writable copy of the test course and quizzes."""
    courses, quizzes = tmp_path / "courses", tmp_path / "quizzes"
    shutil.copytree(TEST_COURSES, courses)
    shutil.copytree(TEST_QUIZZES, quizzes)
    return courses, quizzes


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_content_course_loads_with_iris_and_order():
    """The test course loads with modules and lessons in manifest order and derived IRIs."""
    course = load_course(TEST_COURSES / "mini")
    assert [m.id for m in course.modules] == ["basics", "more"]
    assert [lesson.id for lesson in course.lessons] == ["b-one", "b-two", "m-one"]
    assert course.lessons[0].iri == "https://lms.example/xapi/activities/course/mini/lesson/b-one"
    assert course.modules[1].legal is True


def test_content_raw_html_is_not_rendered():
    """Raw HTML in a lesson is shown as text, never executed."""
    lesson = load_course(TEST_COURSES / "mini").lessons[0]
    assert "<script>" not in lesson.html and "&lt;script&gt;" in lesson.html


def test_content_tables_and_callouts_render():
    """Tables and callouts become proper HTML with escaped titles."""
    html = render("| a | b |\n|---|---|\n| 1 | 2 |\n\n::: law DDG <b>\nText\n:::\n")
    assert "<table>" in html
    assert 'class="callout callout-law"' in html and "DDG &lt;b&gt;" in html


@pytest.mark.parametrize("file, old, new, expected", [
    ("mini/course.toml", 'slug = "mini"', 'slug = "other"', "must equal the folder name"),
    ("mini/course.toml", "schema_version = 1", "schema_version = 9", "schema_version 9 is not supported"),
    ("mini/course.toml", 'language = "de"', 'language = "de"\ncolour = "red"', "unknown key(s) colour"),
    ("mini/course.toml", '"02-more"]', '"03-missing"]', "module folder '03-missing' does not exist"),
    ("mini/modules/01-basics/module.toml", 'file = "01-one.md"', 'file = "nope.md"', "lesson file is missing"),
    ("mini/modules/01-basics/module.toml", "minutes = 5\ntitle", "minutes = \"five\"\ntitle", "'minutes' must be"),
    ("mini/modules/01-basics/module.toml", 'id = "b-two"', 'id = "b-one"', "id is already used"),
    ("mini/modules/01-basics/module.toml", 'title = { de = "Grundlagen", en = "Basics" }', "title = [", "invalid TOML"),
    ("mini/modules/01-basics/01-one.md", "::: tip Merksatz", "::: fancy", "unknown callout kind 'fancy'"),
    ("mini/modules/01-basics/01-one.md", "## Einstieg", "# Einstieg", "no top-level '# ' heading"),
])
def test_content_broken_package_names_file_and_problem(broken, file, old, new, expected):
    """Each kind of broken file raises ContentError naming that file and the problem."""
    courses, _ = broken
    _replace(courses / file, old, new)
    with pytest.raises(ContentError) as info:
        load_courses(courses)
    assert Path(file).name in info.value.path
    assert expected in str(info.value)


def test_content_check_cli_reports_ok_for_test_course():
    """`flask content check` succeeds on valid content and prints a summary."""
    result = CliRunner().invoke(content_check, ["--courses-dir", str(TEST_COURSES), "--quizzes-dir",
                                                str(TEST_QUIZZES), "--today", "2026-12-06"])
    assert result.exit_code == 0, result.output
    assert "ok: mini: 2 modules, 3 lessons" in result.output


def test_content_check_cli_fails_on_broken_manifest(broken):
    """A broken manifest makes the check exit 1 and name the file."""
    courses, quizzes = broken
    _replace(courses / "mini/modules/02-more/module.toml", 'id = "more"', 'id = "More!"')
    result = CliRunner().invoke(content_check, ["--courses-dir", str(courses), "--quizzes-dir", str(quizzes)])
    assert result.exit_code == 1
    assert "02-more/module.toml" in result.output and "must match" in result.output


def test_content_broken_package_stops_app_start(broken, database_url, tmp_path):
    """The app refuses to start on broken content, naming the file."""
    from conftest import make_app

    courses, quizzes = broken
    _replace(courses / "mini/modules/01-basics/module.toml", 'file = "02-two.md"', 'file = "gone.md"')
    with pytest.raises(ContentError, match="gone.md"):
        make_app(database_url, tmp_path, COURSES_DIR=str(courses), QUIZZES_DIR=str(quizzes))
