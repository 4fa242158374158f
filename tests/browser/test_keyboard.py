"""Keyboard-only use of the learner pages: skip link, visible focus on every stop, sign in, start, mark a lesson
done, all with Tab, Space and Enter."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.courses.models import Enrolment, LessonProgress
from tests.browser.helpers import questionnaire_form

pytestmark = pytest.mark.browser
SLUG = "mini"
MAX_TABS = 80
# What the focused element looks like: whether it is :focus-visible with a real outline, and where it is.
FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), type: el.type || '', name: el.name || '', id: el.id || '',
          text: (el.innerText || el.value || '').trim().slice(0, 80), href: el.getAttribute('href') || '',
          focusVisible: el.matches(':focus-visible'), outlineStyle: style.outlineStyle,
          outlineWidth: parseFloat(style.outlineWidth) || 0, boxShadow: style.boxShadow,
          inViewport: rect.width > 0 && rect.height > 0 && rect.bottom > 0 && rect.right > 0
                      && rect.top < innerHeight && rect.left < innerWidth,
          inMain: !!el.closest('main'), checked: !!el.checked,
          groupChecked: el.name ? [...document.getElementsByName(el.name)].some(i => i.checked) : false};
}"""


def _focus(page) -> dict | None:
    """The focused element's state."""
    return page.evaluate(FOCUS_STATE)


def _assert_visible_focus(state: dict, where: str) -> None:
    """The focused element shows a visible focus indicator and is on screen."""
    assert state is not None, f"{where}: focus left the page"
    indicated = state["outlineStyle"] != "none" and state["outlineWidth"] >= 2 or state["boxShadow"] != "none"
    assert state["focusVisible"] and indicated, f"{where}: no visible focus indicator on {state}"
    assert state["inViewport"], f"{where}: focused element is off screen: {state}"


def _tab_until(page, wanted, where: str) -> dict:
    """Press Tab until wanted(state) holds, checking the focus indicator at every stop."""
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        state = _focus(page)
        _assert_visible_focus(state, where)
        seen.append(state["text"] or state["name"] or state["href"])
        if wanted(state):
            return state
    raise AssertionError(f"{where}: not reached with Tab; stops were {seen}")


def _skip_link(page, where: str) -> None:
    """The first Tab stop is the visible skip link; Enter moves focus into main, past the header."""
    page.keyboard.press("Tab")
    state = _focus(page)
    _assert_visible_focus(state, f"{where} skip link")
    assert state["href"] == "#main", f"{where}: first Tab stop is not the skip link: {state}"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main", f"{where}: skip link did not focus main"
    page.keyboard.press("Tab")
    state = _focus(page)
    _assert_visible_focus(state, f"{where} after skip link")
    assert state["inMain"], f"{where}: after the skip link, Tab left main: {state}"


def _answer_questionnaire_by_keyboard(page) -> None:
    """Answer the needs questionnaire (if shown) with Tab, Space on each group's first option, and Enter."""
    if questionnaire_form(page) is None:
        return
    for _ in range(MAX_TABS * 2):
        page.keyboard.press("Tab")
        state = _focus(page)
        _assert_visible_focus(state, "questionnaire")
        if state["type"] in ("radio", "checkbox") and not state["groupChecked"]:
            page.keyboard.press("Space")
        elif state["tag"] == "select":
            page.keyboard.press("ArrowDown")
        elif state["tag"] == "button" and state["type"] == "submit" and state["inMain"]:
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert questionnaire_form(page) is None, f"questionnaire not accepted: {page.inner_text('main')[:300]}"
            return
    raise AssertionError("questionnaire: submit button not reached with Tab")


def test_keyboard_learner_lesson_done(live_server, page):
    """Sign in, start the course and mark the first lesson done using only the keyboard, with visible focus."""
    learner = live_server.world["learner_a"]
    page.goto("/login")
    _skip_link(page, "login")
    assert page.evaluate("document.activeElement.name") == "email"
    page.keyboard.type(learner.email)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "password"
    page.keyboard.type(live_server.password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert re.search(r"/courses/(#\w*)?$", page.url), page.url

    # The login form posts to its own URL, so "#main" from the skip link carries over and focus starts in main.
    _tab_until(page, lambda s: s["tag"] == "button" and s["text"] == "Kurs starten", "course list")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _answer_questionnaire_by_keyboard(page)
    if "/lessons/" not in page.url:  # e.g. the questionnaire led to the overview: follow the resume link
        _tab_until(page, lambda s: "/resume" in s["href"] or "/lessons/" in s["href"], "overview")
        with page.expect_navigation():
            page.keyboard.press("Enter")
    match = re.search(rf"/courses/{SLUG}/lessons/([\w-]+)", page.url)
    assert match, page.url
    lesson_id = match.group(1)

    _skip_link(page, "lesson")
    _tab_until(page, lambda s: s["tag"] == "button" and s["text"].startswith("Als erledigt markieren"), "lesson")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"/lessons/{lesson_id}" not in page.url, f"still on the lesson after marking it done: {page.url}"

    with live_server.session() as db:
        enrolment = db.scalar(select(Enrolment).where(Enrolment.user_id == learner.id))
        record = db.scalar(select(LessonProgress).where(LessonProgress.enrolment_id == enrolment.id,
                                                        LessonProgress.lesson_id == lesson_id))
        assert record is not None and record.completed_at is not None
    assert page.problems.page_errors == []
