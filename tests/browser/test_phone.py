"""Phone widths: no page scrolls sideways at 320 or 390 px; the header folds into a menu that opens and marks
the current page."""
from __future__ import annotations

import pytest

from tests.browser.helpers import answer_questionnaire, quiz_questions, sign_in, start_attempt, take_attempt

pytestmark = pytest.mark.browser
WIDTHS = (320, 390)
OVERFLOW = """w => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1)
  .filter(e => { for (let a = e.parentElement; a; a = a.parentElement) {
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(a).overflowX)) return false; } return true; })
  .slice(-3).map(e => e.tagName.toLowerCase() + '.' + e.className + ' → ' + Math.round(e.getBoundingClientRect().right))"""


def _check_widths(page, label: str, found: dict) -> None:
    """Record, for each phone width, whether the document is wider than the viewport (and which elements)."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            found[f"{label} @ {width}px"] = (scroll, page.evaluate(OVERFLOW, width))


def _nav_links(page) -> list[str]:
    """The header menu's links (relative URLs)."""
    return page.eval_on_selector_all(".main-nav a", "els => els.map(a => a.getAttribute('href'))")


def _phone_page(new_page, server):
    page = new_page(server)
    page.set_viewport_size({"width": 320, "height": 800})
    return page


def test_phone_learner_pages_fit_320_and_390(live_server, new_page):
    """Every lesson of the test course, the overview, quiz pages and every menu page fit a 320/390 px phone."""
    page = _phone_page(new_page, live_server)
    found: dict = {}
    sign_in(page, live_server.world["learner_a"].email)
    _check_widths(page, "course list", found)
    with page.expect_navigation():
        page.locator("main .course-card form.inline-form button").first.click()
    answer_questionnaire(page)
    _check_widths(page, "after start", found)
    course = live_server.app.extensions["lms_catalog"].courses["mini"]
    for lesson in course.lessons:
        page.goto(f"/courses/mini/lessons/{lesson.id}")
        _check_widths(page, f"lesson {lesson.id}", found)
    page.goto("/courses/mini/")
    _check_widths(page, "overview", found)
    for link in _nav_links(page):
        page.goto(link)
        _check_widths(page, link, found)
    start_attempt(page, "mini", "m1")
    _check_widths(page, "quiz attempt", found)
    take_attempt(page, quiz_questions(live_server, "mini", "m1"), correct=False)
    _check_widths(page, "quiz feedback", found)
    assert not found, f"pages wider than the phone: {found}"


@pytest.mark.parametrize("role", ["trainer_a", "admin_a"])
def test_phone_staff_pages_fit_320_and_390(live_server, new_page, role):
    """Every page in a trainer's or admin's menu, and a learner's report, fit a 320/390 px phone."""
    page = _phone_page(new_page, live_server)
    found: dict = {}
    sign_in(page, live_server.world[role].email)
    _check_widths(page, "start", found)
    for link in _nav_links(page):
        page.goto(link)
        _check_widths(page, link, found)
    page.goto(f"/reports/learners/{live_server.world['learner_a'].id}?course=mini")
    _check_widths(page, "learner report", found)
    assert not found, f"pages wider than the phone: {found}"


def test_phone_menu_folds_opens_and_marks_current_page(live_server, new_page):
    """On a phone the menu is folded behind a 'Menü' button; opened, it shows the groups and marks the page."""
    page = _phone_page(new_page, live_server)
    sign_in(page, live_server.world["admin_a"].email)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/reports/")
    toggle = page.locator(".menu-toggle")
    assert toggle.is_visible() and not page.locator(".main-nav").is_visible()
    toggle.click()
    assert page.locator(".main-nav").is_visible()
    summaries = page.locator(".nav-group > summary").all_inner_texts()
    assert [s.splitlines()[0].strip() for s in summaries] == ["Lernen", "Auswertung", "Verwaltung"]
    current = page.locator(".nav-group.is-current")
    assert current.locator("summary").inner_text().startswith("Auswertung")
    current.locator("summary").click()
    assert current.locator("a[aria-current=page]").inner_text() == "Auswertung"


def test_phone_desktop_menu_open_with_dropdown_groups(live_server, new_page):
    """At 1366 px the menu is open without a toggle; a group opens as a dropdown and Escape closes it."""
    page = new_page(live_server)
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, live_server.world["admin_a"].email)
    page.goto("/admin/users")
    assert not page.locator(".menu-toggle").is_visible()
    admin_group = page.locator(".nav-group").nth(2)
    assert "is-current" in admin_group.get_attribute("class")
    admin_group.locator("summary").click()
    assert admin_group.locator("a[aria-current=page]").is_visible()
    page.keyboard.press("Escape")
    assert not admin_group.locator("a[aria-current=page]").is_visible()


def test_phone_every_lesson_of_the_real_course_fits(live_server_factory, new_page):
    """Each lesson of the shipped course (tables, long words) fits 320 and 390 px without sideways scrolling."""
    server = live_server_factory(BUNDLED_CONTENT=True, COURSES_DIR=None, QUIZZES_DIR=None)
    page = _phone_page(new_page, server)
    found: dict = {}
    sign_in(page, server.world["learner_a"].email)
    course = next(iter(server.app.extensions["lms_catalog"].courses.values()))
    page.goto("/courses/")
    with page.expect_navigation():
        page.locator("main .course-card form.inline-form button").first.click()
    for lesson in course.lessons:
        page.goto(f"/courses/{course.slug}/lessons/{lesson.id}")
        _check_widths(page, f"lesson {lesson.id}", found)
    assert len(course.lessons) > 30 and not found, f"lessons wider than the phone: {found}"
