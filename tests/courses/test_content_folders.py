"""Content folders: the bundled course ships in the package; COURSES_DIR/QUIZZES_DIR add courses or replace one."""
import shutil

import pytest
from click.testing import CliRunner

from conftest import TEST_COURSES, TEST_QUIZZES, login, make_app
from factories import build_world
from lms.catalog import bundled_folders, content_folders, load_catalog
from lms.courses.cli import content_check
from lms.courses.content import ContentError

BUNDLED = "social_media_manager"


def _catalog(app):
    return app.extensions["lms_catalog"]


@pytest.fixture
def replacement(tmp_path):
    """A host's folders with the small test course under the bundled course's name (slug = folder name)."""
    courses, quizzes = tmp_path / "host-courses", tmp_path / "host-quizzes"
    shutil.copytree(TEST_COURSES / "mini", courses / BUNDLED)
    shutil.copytree(TEST_QUIZZES / "mini", quizzes / BUNDLED)
    manifest = courses / BUNDLED / "course.toml"
    manifest.write_text(manifest.read_text().replace('slug = "mini"', f'slug = "{BUNDLED}"')
                        .replace('"Minikurs"', '"Minikurs des Hosts"'))
    return courses, quizzes


def test_content_folders_bundled_course_is_inside_the_package():
    """The bundled course and quizzes are found inside the lms package, not in the checkout's top level."""
    courses, quizzes = bundled_folders()
    assert courses.parts[-3:] == ("lms", "content", "courses")
    assert quizzes.parts[-3:] == ("lms", "content", "quizzes")
    assert (courses / BUNDLED / "course.toml").is_file()
    assert (courses / BUNDLED / "content.lock").is_file()


def test_content_folders_default_app_has_only_the_bundled_course(database_url, tmp_path):
    """Without COURSES_DIR the app serves the bundled course (and its quizzes)."""
    app = make_app(database_url, tmp_path, BUNDLED_CONTENT=True, COURSES_DIR=None, QUIZZES_DIR=None)
    catalog = _catalog(app)
    assert list(catalog.courses) == [BUNDLED]
    assert catalog.quiz(BUNDLED, "final") is not None


def test_content_folders_extra_folder_adds_a_course(database_url, tmp_path):
    """A configured extra folder adds its course beside the bundled one, with the quizzes of QUIZZES_DIR."""
    app = make_app(database_url, tmp_path, BUNDLED_CONTENT=True, COURSES_DIR=str(TEST_COURSES),
                   QUIZZES_DIR=str(TEST_QUIZZES))
    catalog = _catalog(app)
    assert sorted(catalog.courses) == ["mini", BUNDLED]
    assert catalog.quiz("mini", "final") is not None and catalog.quiz(BUNDLED, "final") is not None


def test_content_folders_same_named_course_replaces_the_bundled_one(database_url, tmp_path, replacement):
    """A course in the extra folder with the bundled course's name replaces it, quizzes included, on its pages."""
    courses, quizzes = replacement
    app = make_app(database_url, tmp_path, BUNDLED_CONTENT=True, COURSES_DIR=[str(courses)],
                   QUIZZES_DIR=[str(quizzes)])
    catalog = _catalog(app)
    assert list(catalog.courses) == [BUNDLED]
    assert catalog.courses[BUNDLED].path.startswith(str(courses))
    assert sorted(catalog.course_quizzes(BUNDLED)) == ["final", "m1", "m2"]
    with app.app_context():
        session = app.extensions["lms_db"][1]()
        learner = build_world(session)["learner_a"].email
        session.close()
    client = app.test_client()
    login(client, learner)
    page = client.get(f"/courses/{BUNDLED}/").get_data(as_text=True)
    assert "Minikurs des Hosts" in page


def test_content_folders_bundled_content_can_be_switched_off():
    """BUNDLED_CONTENT = False leaves only the configured folders; a string or a list of paths is accepted."""
    assert content_folders({"BUNDLED_CONTENT": False, "COURSES_DIR": str(TEST_COURSES)}) == ([TEST_COURSES], [])
    courses, quizzes = content_folders({"COURSES_DIR": [str(TEST_COURSES)], "QUIZZES_DIR": str(TEST_QUIZZES)})
    assert courses == [bundled_folders()[0], TEST_COURSES] and quizzes == [bundled_folders()[1], TEST_QUIZZES]


def test_content_folders_missing_extra_folder_is_a_content_error(tmp_path):
    """A configured folder that does not exist stops loading with the folder named."""
    with pytest.raises(ContentError, match="does not exist"):
        load_catalog(*content_folders({"COURSES_DIR": str(tmp_path / "nowhere")}))


def test_content_folders_check_cli_reads_extra_folder_from_environment(monkeypatch):
    """`flask content check` checks the bundled course plus LMS_COURSES_DIR / LMS_QUIZZES_DIR."""
    monkeypatch.setenv("LMS_COURSES_DIR", str(TEST_COURSES))
    monkeypatch.setenv("LMS_QUIZZES_DIR", str(TEST_QUIZZES))
    result = CliRunner().invoke(content_check, ["--today", "2026-12-06"])
    assert result.exit_code == 0, result.output
    assert f"ok: {BUNDLED}: 6 modules" in result.output and "ok: mini: 2 modules" in result.output
    monkeypatch.setenv("LMS_BUNDLED_CONTENT", "false")
    result = CliRunner().invoke(content_check, ["--today", "2026-12-06"])
    assert "ok: mini:" in result.output and BUNDLED not in result.output
