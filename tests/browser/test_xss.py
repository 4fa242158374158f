"""XSS in a real browser: hostile lesson markdown and hostile user names must render as text, with no script run
(no dialog) and nothing for the CSP to block (no violation)."""
from __future__ import annotations

import shutil

import pytest

from factories import create_user
from tests.browser.helpers import answer_questionnaire, csp_violations, sign_in
from tests.conftest import TEST_COURSES

pytestmark = pytest.mark.browser
SLUG = "mini"
HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_MARKDOWN = """

## Feindlicher Inhalt

<script>alert(1)</script>

<img src=x onerror=alert(1)>

Ein Link: [x](javascript:alert(1)) und <a href="javascript:alert(1)">roh</a>.

::: tip <img src=x onerror=alert(1)>
Callout mit feindlichem Titel.
:::
"""


@pytest.fixture
def hostile_server(live_server_factory, tmp_path):
    """A live server with hostile markdown in lesson b-one and a learner with a hostile name and department."""
    courses = tmp_path / "hostile-courses"
    shutil.copytree(TEST_COURSES, courses)
    lesson = courses / SLUG / "modules" / "01-basics" / "01-one.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + HOSTILE_MARKDOWN, encoding="utf-8")

    def setup(db, world):
        """Add the hostile learner to organisation A."""
        world["hostile"] = create_user(db, world["org_a"], "learner", "hostile@alpha.example", HOSTILE_NAME,
                                       department="<script>alert(1)</script>")

    return live_server_factory(setup=setup, COURSES_DIR=str(courses))


def _assert_clean(page, label: str) -> None:
    """No dialog, CSP violation, injected image request, javascript: link or inline script on the page."""
    page.wait_for_load_state("load")
    problems = page.problems
    assert problems.dialogs == [], f"{label}: a dialog opened: {problems.dialogs}"
    assert csp_violations(page) == [], f"{label}: CSP violations: {csp_violations(page)}"
    assert problems.csp_console == [], f"{label}: CSP console messages: {problems.csp_console}"
    assert problems.injected_requests == [], f"{label}: injected <img> was loaded: {problems.injected_requests}"
    assert problems.page_errors == [], f"{label}: script errors: {problems.page_errors}"
    assert page.locator("a[href^='javascript:' i]").count() == 0, f"{label}: live javascript: link"
    assert page.locator("script:not([src])").count() == 0, f"{label}: inline <script> element in the DOM"
    assert page.locator("img[src='x'], [onerror]").count() == 0, f"{label}: injected element in the DOM"


def test_security_xss_hostile_content_inert(hostile_server, new_page):
    """Hostile markdown and names stay text on lesson, overview, admin user list and trainer pages."""
    server = hostile_server
    hostile = server.world["hostile"]

    learner = new_page(server)
    sign_in(learner, hostile.email)
    _assert_clean(learner, "course list")
    assert HOSTILE_NAME in learner.inner_text("header .who")
    with learner.expect_navigation():
        learner.locator("main .course-card form.inline-form button").first.click()
    answer_questionnaire(learner)
    learner.goto(f"/courses/{SLUG}/lessons/b-one")
    body = learner.inner_text("main .lesson-body")
    assert "<script>alert(1)</script>" in body and "<img src=x onerror=alert(1)>" in body
    assert "[x](javascript:alert(1))" in body
    _assert_clean(learner, "lesson")
    learner.goto(f"/courses/{SLUG}/")
    _assert_clean(learner, "overview")

    admin = new_page(server)
    sign_in(admin, server.world["admin_a"].email)
    admin.goto("/admin/users")
    assert admin.locator("main table td", has_text=HOSTILE_NAME).count() == 1
    _assert_clean(admin, "admin user list")

    trainer = new_page(server)
    sign_in(trainer, server.world["trainer_a"].email)
    trainer.goto("/reports/")
    link = trainer.locator("main table.matrix a", has_text=HOSTILE_NAME)
    assert link.count() == 1, trainer.inner_text("main table.matrix")
    _assert_clean(trainer, "trainer dashboard")
    with trainer.expect_navigation():
        link.click()
    _assert_clean(trainer, "trainer learner detail")
