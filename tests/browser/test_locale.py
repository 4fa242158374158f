"""Both languages in the browser: dates and numbers in the user's locale, German content marked lang='de' with a
note in the English UI, and axe-core clean in English as well."""
from __future__ import annotations

import re

import pytest

from tests.browser.helpers import quiz_questions, sign_in, start_attempt, take_attempt
from tests.browser.test_a11y import AXE_PATH, BLOCKING, _axe, _report

pytestmark = pytest.mark.browser


def _switch_language(page, code: str) -> None:
    with page.expect_navigation():
        page.click(f"footer.site-footer button[name=lang][value={code}]")


def test_locale_formats_and_lang_marks_in_german_and_english(live_server, new_page, axe_script):
    """German: '06.12.2026'-style dates and '4,5'; English: 'Dec 6, 2026' and '4.5', German bodies lang='de'."""
    page = new_page(live_server)
    page.context.route(f"**{AXE_PATH}", lambda route: route.fulfill(
        path=str(axe_script), content_type="text/javascript; charset=utf-8"))
    sign_in(page, live_server.world["learner_a"].email)
    with page.expect_navigation():
        page.locator("main .course-card form.inline-form button").first.click()
    page.goto("/courses/mini/lessons/b-one")
    with page.expect_navigation():
        page.click("main .lesson-actions form button[type=submit]")
    page.goto("/courses/mini/lessons/b-one")
    assert re.search(r"Erledigt am \d{2}\.\d{2}\.\d{4}", page.inner_text(".done-note"))
    assert page.locator(".content-language").count() == 0
    start_attempt(page, "mini", "m2")
    take_attempt(page, quiz_questions(live_server, "mini", "m2"), correct=True)
    german_score = page.inner_text(".score")
    assert re.search(r"von \d+ Punkten \(\d+\xa0%\)", german_score), german_score

    _switch_language(page, "en")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert re.search(r"of \d+ points \(\d+%\)", page.inner_text(".score"))
    found: dict = {}
    _axe(page, "quiz feedback (en)", found)
    page.goto("/courses/mini/lessons/b-one")
    assert re.search(r"Done on [A-Z][a-z]{2} \d{1,2}, \d{4}", page.inner_text(".done-note"))
    assert "German only" in page.inner_text(".content-language")
    assert page.get_attribute(".lesson-body", "lang") == "de"
    _axe(page, "lesson (en)", found)
    for path in ("/courses/", "/courses/mini/", "/certificates/", "/account", "/quizzes/mini/final/"):
        page.goto(path)
        _axe(page, f"{path} (en)", found)
    start_attempt(page, "mini", "m1")
    assert page.get_attribute("fieldset.question .prompt", "lang") == "de"
    _axe(page, "quiz attempt (en)", found)
    blocking = {label: [v for v in vs if v["impact"] in BLOCKING] for label, vs in found.items()}
    assert not any(blocking.values()), _report(blocking)


@pytest.mark.parametrize("role", ["trainer_a", "admin_a"])
def test_locale_staff_pages_axe_clean_in_both_languages(live_server, new_page, axe_script, role):
    """Every page in a trainer's or admin's menu has no serious or critical axe finding, in German and English."""
    page = new_page(live_server)
    page.context.route(f"**{AXE_PATH}", lambda route: route.fulfill(
        path=str(axe_script), content_type="text/javascript; charset=utf-8"))
    sign_in(page, live_server.world[role].email)
    links = page.eval_on_selector_all(".main-nav a", "els => els.map(a => a.getAttribute('href'))")
    found: dict = {}
    for lang in ("de", "en"):
        _switch_language(page, lang)
        for link in links:
            page.goto(link)
            _axe(page, f"{link} ({lang})", found)
    blocking = {label: [v for v in vs if v["impact"] in BLOCKING] for label, vs in found.items()}
    assert not any(blocking.values()), _report(blocking)
