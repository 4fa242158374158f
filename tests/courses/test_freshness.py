"""Content freshness: checked= on law/open boxes, the age report of `content check`, content.lock, admin list."""
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import TEST_COURSES, TEST_QUIZZES
from lms.courses import freshness
from lms.courses.cli import content_check, content_lock
from lms.courses.content import ContentError, load_course, load_courses
from lms.courses.markdown import check_callouts, dated_boxes, render

LESSON = "mini/modules/02-more/01-one.md"


@pytest.fixture
def copy(tmp_path):
    """A writable copy of the test course and quizzes."""
    shutil.copytree(TEST_COURSES, tmp_path / "courses")
    shutil.copytree(TEST_QUIZZES, tmp_path / "quizzes")
    return tmp_path / "courses", tmp_path / "quizzes"


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def _check(courses, quizzes, today="2026-12-06", env=None):
    return CliRunner().invoke(content_check, ["--courses-dir", str(courses), "--quizzes-dir", str(quizzes),
                                              "--today", today], env=env or {})


def test_freshness_checked_token_leaves_title_and_renders_date_line():
    """`::: law checked=2026-12 Title`: the title shows without the token, plus a 'Geprüft: Dezember 2026' line."""
    html = render("::: law checked=2026-12 DDG §5\nText https://example.org/a\n:::\n")
    assert '<p class="callout-title">DDG §5</p>' in html and "checked=2026" not in html
    assert '<p class="callout-checked" data-checked="2026-12">Geprüft: Dezember 2026</p>' in html
    assert '<p class="callout-title">Rechtslage</p>' in render("::: law checked=2026-01\nText\n:::\n")


def test_freshness_boxes_found_with_line_date_and_url():
    """dated_boxes lists law/open boxes with line, title, date and whether they cite an https URL."""
    text = "Intro\n\n::: tip x\nno\n:::\n\n::: law checked=2025-03 A\nsee https://example.org/x\n:::\n\n::: open B\n:::\n"
    boxes = dated_boxes(text)
    assert [(b.kind, b.line, b.title, b.checked, b.has_url) for b in boxes] == [
        ("law", 7, "A", "2025-03", True), ("open", 11, "B", None, False)]
    dated_figure = dated_boxes("::: info checked=2026-11 Nutzerzahlen\n60 %, https://example.org/studie\n:::\n")
    assert [(b.kind, b.checked, b.has_url) for b in dated_figure] == [("info", "2026-11", True)]


@pytest.mark.parametrize("line, problem", [
    ("::: law checked=2026-13 X", "'checked=2026-13' is not a month"),
    ("::: open checked=12.2026", "'checked=12.2026' is not a month"),
    ("::: info checked=2026-1 Zahlen", "'checked=2026-1' is not a month"),
])
def test_freshness_malformed_date_is_a_content_error(line, problem):
    """A malformed checked= value, on any callout kind, is reported with its line."""
    problems = check_callouts(f"Text\n\n{line}\nBody\n:::\n")
    assert len(problems) == 1 and problems[0][0] == 3 and problem in problems[0][1]


@pytest.mark.parametrize("old, new, expected", [
    ("::: law checked=2026-10 Testgesetz", "::: law Testgesetz", "needs 'checked=YYYY-MM'"),
    ("[Gesetz](https://www.gesetze-im-internet.de/ddg/__5.html)", "das Gesetz", "https:// source URL"),
    ("::: open checked=2026-11", "::: open checked=2026-1", "is not a month"),
])
def test_freshness_strict_course_names_file_and_line(copy, old, new, expected):
    """With freshness = true a box without checked= or without URL, or a bad date, stops loading at file:line."""
    courses, _ = copy
    _replace(courses / LESSON, old, new)
    with pytest.raises(ContentError) as info:
        load_courses(courses)
    assert info.value.path.endswith("01-one.md") and info.value.line in (5, 9)
    assert expected in str(info.value)


def test_freshness_flag_off_allows_undated_boxes(copy):
    """Without `freshness = true` undated boxes load (the check counts them), malformed dates still fail."""
    courses, quizzes = copy
    _replace(courses / "mini/course.toml", "freshness = true", "freshness = false")
    summary = courses / "mini/modules/01-basics/02-two.md"  # not a legal module: content.lock stays valid
    _replace(summary, "::: law checked=2026-09 DDG", "::: law DDG")
    assert load_course(courses / "mini").lessons[1].boxes[0].checked is None
    result = _check(courses, quizzes)
    assert result.exit_code == 0 and "1 law/open boxes without checked=" in result.output
    _replace(summary, "::: open checked=2026-09", "::: open checked=2026-9")
    with pytest.raises(ContentError, match="is not a month"):
        load_courses(courses)


def test_freshness_check_warns_after_review_months_and_fails_after_limit(copy):
    """Boxes 12+ months old are warnings; 24+ months fail the check; both limits come from the environment."""
    courses, quizzes = copy
    assert _check(courses, quizzes, "2027-08-01").exit_code == 0
    result = _check(courses, quizzes, "2027-10-15")
    assert result.exit_code == 0 and "warning:" in result.output and "Testgesetz §1" in result.output
    assert "01-one.md:5" in result.output and "12 months ago" in result.output
    result = _check(courses, quizzes, "2028-10-01")
    assert result.exit_code == 1 and "24 months ago (limit 24)" in result.output
    result = _check(courses, quizzes, "2027-01-01", env={"LMS_CONTENT_MAX_AGE_MONTHS": "3"})
    assert result.exit_code == 1 and "limit 3" in result.output


def test_freshness_lock_detects_legal_change_without_version_bump(copy):
    """Changing a legal lesson without a version bump fails; bump + `content lock` makes the check pass again."""
    courses, quizzes = copy
    assert _check(courses, quizzes).exit_code == 0
    _replace(courses / LESSON, "Ein Satz zur Rechtslage.", "Ein geänderter Satz zur Rechtslage.")
    result = _check(courses, quizzes)
    assert result.exit_code == 1 and "legal module 'more' changed but its version 2026-01-01 did not" in result.output
    _replace(courses / "mini/modules/02-more/module.toml", 'version = "2026-01-01"', 'version = "2026-12-06"')
    result = _check(courses, quizzes)
    assert result.exit_code == 1 and "the lock records 2026-01-01" in result.output
    lock = CliRunner().invoke(content_lock, ["--courses-dir", str(courses), "--quizzes-dir", str(quizzes)])
    assert lock.exit_code == 0 and 'version = "2026-12-06"' in (courses / "mini/content.lock").read_text()
    assert _check(courses, quizzes).exit_code == 0


def test_freshness_lock_ignores_non_legal_modules_and_requires_the_file(copy):
    """Non-legal lessons may change freely; a course with legal modules but no content.lock fails the check."""
    courses, quizzes = copy
    _replace(courses / "mini/modules/01-basics/01-one.md", "Ein Tipp.", "Ein anderer Tipp.")
    assert _check(courses, quizzes).exit_code == 0
    (courses / "mini/content.lock").unlink()
    result = _check(courses, quizzes)
    assert result.exit_code == 1 and "content.lock: missing" in result.output


def test_freshness_due_boxes_oldest_first():
    """due_boxes lists boxes at least review_months old, oldest first, with course, module and lesson."""
    course = load_course(TEST_COURSES / "mini")
    due = freshness.due_boxes([course], date(2027, 10, 1), 12)
    assert [(b.lesson.id, b.checked, b.age_months) for b in due] == [
        ("b-two", "2026-09", 13), ("b-two", "2026-09", 13), ("m-one", "2026-10", 12)]
    assert freshness.due_boxes([course], date(2027, 1, 1), 12) == []


def test_freshness_admin_page_lists_due_boxes(app, client, login_as):
    """Admins see 'Inhalte zur Prüfung fällig' with course, module, lesson, box and date; others are refused."""
    app.config["CONTENT_REVIEW_MONTHS"] = 0
    login_as("admin_a")
    body = client.get("/courses/admin/review-due").get_data(as_text=True)
    assert "Inhalte zur Prüfung fällig" in body and "Testgesetz §1" in body and "2026-10" in body
    assert "Minikurs" in body and "Mehr" in body and "Dritte Lektion" in body


def test_freshness_lesson_shows_localised_checked_line(client, login_as):
    """The lesson page shows 'Geprüft: Oktober 2026', and 'Checked: October 2026' in English."""
    login_as("learner_a")
    client.post("/courses/mini/start")
    assert "Geprüft: Oktober 2026" in client.get("/courses/mini/lessons/m-one").get_data(as_text=True)
    client.post("/language", data={"lang": "en"})
    assert "Checked: October 2026" in client.get("/courses/mini/lessons/m-one").get_data(as_text=True)
