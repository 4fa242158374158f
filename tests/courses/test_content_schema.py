"""The content schema layer: every problem of a package is reported together with file, item and line;
unknown keys are refused in every file format."""
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import TEST_COURSES, TEST_QUIZZES
from lms.catalog import load_catalog
from lms.courses.cli import content_check
from lms.courses.schema import ContentError, Report, locate
from lms.guidelines.steps import STEPS_FILE, parse_steps


@pytest.fixture
def package(tmp_path):
    """A writable copy of the test course and its quizzes."""
    courses, quizzes = tmp_path / "courses", tmp_path / "quizzes"
    shutil.copytree(TEST_COURSES, courses)
    shutil.copytree(TEST_QUIZZES, quizzes)
    return courses, quizzes


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _line(path: Path, fragment: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if fragment in line)


def _break_six_files(courses: Path, quizzes: Path) -> None:
    mini = courses / "mini"
    _replace(mini / "course.toml", 'language = "de"', 'language = "de"\ncolour = "red"')
    _replace(mini / "modules/01-basics/module.toml", "minutes = 5\ntitle = { de = \"Erste",
             "minutes = 99\ntitle = { de = \"Erste")
    _replace(mini / "modules/01-basics/01-one.md", "## Einstieg", "# Einstieg")
    _replace(quizzes / "mini/m1.toml", 'answer = "b"', 'answer = "z"')
    _replace(mini / "tasks/01-probe.toml", "minutes = 20", "minutes = 2")
    _replace(mini / "questionnaire.toml", 'lessons = ["b-one"]', 'lessons = ["b-zero"]')


def test_content_schema_broken_package_reports_every_error(package):
    """Six broken files in one package: one ContentError lists all six, each with path, item and line."""
    courses, quizzes = package
    _break_six_files(courses, quizzes)
    with pytest.raises(ContentError) as info:
        load_catalog(courses, quizzes)
    found = {(Path(e.path).name, e.item, e.line, e.problem) for e in info.value.errors}
    assert ("course.toml", "", _line(courses / "mini/course.toml", "colour"), "unknown key(s) colour") in found
    assert ("module.toml", "lesson 'b-one'", 11, "'minutes' must be between 1 and 60") in found
    assert any(f[0] == "01-one.md" and "'# ' heading" in f[3] and f[2] for f in found)
    assert ("m1.toml", "question q1", 19, "answer 'z' is not an option id") in found
    assert ("01-probe.toml", "", 6, "'minutes' must be between 5 and 240") in found
    assert any(f[0] == "questionnaire.toml" and f[1].startswith("rule '") and "b-zero" in f[3] and f[2]
               for f in found)
    assert len(info.value.errors) == 6 and str(info.value).count("\n") == 5


def test_content_schema_check_cli_prints_every_error(package):
    """`flask content check` prints each problem as path:line: item: problem and exits 1."""
    courses, quizzes = package
    _break_six_files(courses, quizzes)
    result = CliRunner().invoke(content_check, ["--courses-dir", str(courses), "--quizzes-dir", str(quizzes)])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 6 and "6 content error(s)" in result.output
    assert any(line.endswith("m1.toml:19: question q1: answer 'z' is not an option id") for line in errors)
    assert any("01-probe.toml:6: 'minutes' must be between 5 and 240" in line for line in errors)


@pytest.mark.parametrize("file, anchor", [
    ("courses/mini/course.toml", 'language = "de"'),
    ("courses/mini/modules/01-basics/module.toml", 'quiz = "m1"'),
    ("courses/mini/modules/01-basics/module.toml", 'file = "01-one.md"'),
    ("courses/mini/tasks/01-probe.toml", "minutes = 20"),
    ("courses/mini/questionnaire.toml", 'lessons = ["b-one"]'),
    ("quizzes/mini/m1.toml", "pass_mark = 0.7"),
    ("quizzes/mini/m1.toml", 'answer = "b"'),
])
def test_content_schema_unknown_keys_are_refused(package, file, anchor):
    """A misspelt key in any content file (top level or an inner table) is an error naming it."""
    courses, _ = package
    _replace(courses.parent / file, anchor, f"{anchor}\ncolour = \"red\"")
    with pytest.raises(ContentError) as info:
        load_catalog(*package)
    error = info.value.errors[0]
    assert Path(error.path).name == Path(file).name and "unknown key" in error.problem and "colour" in error.problem
    assert error.line is not None


def test_content_schema_guideline_steps_refuse_unknown_keys_and_collect():
    """Guideline steps: an unknown key and a missing title are both reported, each with its step."""
    import tomllib

    data = tomllib.loads(STEPS_FILE.read_text(encoding="utf-8"))
    data["steps"][0]["colour"] = "red"
    del data["steps"][1]["title"]
    report = Report()
    parse_steps(data, STEPS_FILE, report)
    assert [(e.item, e.problem) for e in report.errors] == [
        ("step 'ziele'", "unknown key(s) colour"), ("step 'geltungsbereich'", "'title' is required")]
    assert report.errors[1].line == _line(STEPS_FILE, 'id = "geltungsbereich"')


def test_content_schema_locate_finds_key_of_item():
    """locate() finds a key's line inside the table of an id, falling back to the id's line."""
    text = 'schema_version = 1\n[[q]]\nid = "a"\nanswer = 1\n[[q]]\nid = "b"\nprompt = "x"\nanswer = 2\n'
    assert locate(text, "b", "answer") == 8
    assert locate(text, "b", "missing") == 6
    assert locate(text, None, "schema_version") == 1
    assert locate(text, "nope", "answer") is None
    inline = 'options = [{ id = "q2", text = "x" }]\n[[q]]\nid = "q2"\nanswer = 1\n[[from]]\nquiz = "m1"\ncount = 9\n'
    assert locate(inline, "q2", "answer") == 4 and locate(inline, "q2") == 3
    assert locate(inline, "m1", "count", id_key="quiz") == 7


def test_content_schema_guideline_builder_flag_names_one_module(package):
    """module.toml `guideline_builder = true` marks the builder's module; two marked modules are an error."""
    from lms.catalog import bundled_folders
    from lms.courses.content import load_course

    assert load_course(bundled_folders()[0] / "social_media_manager").guideline_module.id == "richtlinien"
    courses, quizzes = package
    assert load_course(courses / "mini").guideline_module is None
    for folder in ("01-basics", "02-more"):
        _replace(courses / f"mini/modules/{folder}/module.toml", "schema_version = 1",
                 "schema_version = 1\nguideline_builder = true")
    with pytest.raises(ContentError, match="only one module may set guideline_builder"):
        load_course(courses / "mini")


def test_content_schema_check_command_runs_when_the_app_cannot_start(package, monkeypatch):
    """Broken content stops create_app, yet `flask --app lms content check` lists every problem: the command is
    a flask.commands entry point (pyproject.toml), which Flask resolves without loading the app."""
    import tomllib
    from importlib import metadata

    from flask.cli import FlaskGroup

    from lms import create_app

    courses, quizzes = package
    _break_six_files(courses, quizzes)
    target = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())["project"]["entry-points"]["flask.commands"]
    monkeypatch.setattr(metadata, "entry_points", lambda group: [
        metadata.EntryPoint(name=name, value=value, group=group) for name, value in target.items()])
    monkeypatch.setenv("LMS_COURSES_DIR", str(courses))
    monkeypatch.setenv("LMS_QUIZZES_DIR", str(quizzes))
    with pytest.raises(ContentError):
        create_app()
    result = CliRunner().invoke(FlaskGroup(create_app=create_app), ["content", "check"])
    assert result.exit_code == 1 and "6 content error(s)" in result.output
    assert len([line for line in result.output.splitlines() if line.startswith("error: ")]) == 6
