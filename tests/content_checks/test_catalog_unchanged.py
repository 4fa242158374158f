"""The typed-content loaders build the same catalog objects as the loaders they replaced."""
from content_checks.catalog_digest import catalog_digest
from conftest import TEST_COURSES, TEST_QUIZZES
from lms.catalog import bundled_folders

# Recorded with the previous loaders (2026-12-06). A deliberate content edit changes the bundled digest:
# print catalog_digest(...) and update it here in the same commit as the edit.
BUNDLED = "3c6ac0fa2ac36e6367fc9866b41d0006d69449ce1d29e992f110bb3b7bac47e5"
TEST_COURSE = "b14220e3a2560e3f3e46d02f837af980f6232066f19c8239476dd3d04b28e5ff"


def test_content_schema_bundled_course_loads_unchanged():
    """Courses, modules, lessons, quizzes, tasks, questionnaire and guideline steps of the bundled course."""
    assert catalog_digest(*bundled_folders()) == BUNDLED


def test_content_schema_test_course_loads_unchanged():
    """The same for the small test course, which uses tasks_required, freshness and a final exam."""
    assert catalog_digest(TEST_COURSES, TEST_QUIZZES) == TEST_COURSE
