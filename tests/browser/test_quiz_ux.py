"""Quiz pages in the browser: the scenario's 'choose an option' message at the question with focus there, the
focus on the next step after a decision, and the unanswered-questions warning before grading."""
from __future__ import annotations

import pytest

from tests.browser.helpers import page_question_ids, quiz_questions, sign_in, start_attempt

pytestmark = pytest.mark.browser


def _enrolled(page, server) -> None:
    sign_in(page, server.world["learner_a"].email)
    with page.expect_navigation():
        page.locator("main .course-card form.inline-form button").first.click()


def test_quiz_ux_scenario_error_at_question_with_focus(live_server, new_page):
    """Confirm without a choice: the message is at the scenario, scrolled into view and focused; after a real
    decision the new step has the focus."""
    page = new_page(live_server)
    page.set_viewport_size({"width": 390, "height": 844})
    _enrolled(page, live_server)
    start_attempt(page, "mini", "m2")
    questions = quiz_questions(live_server, "mini", "m2")
    key = next(q for q in page_question_ids(page) if questions[q].type == "scenario")
    fieldset = page.locator(f"[id='question-{key}']")
    with page.expect_navigation():
        fieldset.locator("button[name=decide]").click()
    error = page.locator(f"[id='error-{key}']")
    assert error.inner_text() == "Bitte wählen Sie eine Option."
    page.wait_for_function("id => document.activeElement.id === id", arg=f"error-{key}")
    assert page.url.endswith(f"#question-{key}")
    box = error.bounding_box()
    assert 0 <= box["y"] < 844, "the message is not in view"
    fieldset.locator(f"input[name='decision-{key}']").first.check()
    with page.expect_navigation():
        fieldset.locator("button[name=decide]").click()
    assert page.locator(f"[id='question-{key}'] .trail").count() == 1
    page.wait_for_function("id => document.activeElement.id === id", arg=f"step-{key}")


def test_quiz_ux_unanswered_warning_before_grading(live_server, new_page):
    """Submitting with nothing answered shows the warning (focused, naming the questions); 'submit anyway' grades."""
    page = new_page(live_server)
    _enrolled(page, live_server)
    start_attempt(page, "mini", "m1")
    with page.expect_navigation():
        page.click(".quiz-actions button.primary")
    warning = page.locator("#unanswered")
    assert "Noch nicht beantwortet: 3 von 3 Fragen" in warning.inner_text()
    page.wait_for_function("document.activeElement.id === 'unanswered'")
    assert warning.locator("a").count() == 3
    with page.expect_navigation():
        warning.locator("button[name=confirm_unanswered]").click()
    assert page.locator("main h1").inner_text() == "Leider nicht bestanden"
    assert page.locator(".own-answer em").count() == 3
