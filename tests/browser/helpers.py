"""Page steps shared by the browser tests: sign in, the needs questionnaire, answering quizzes on the page."""
from __future__ import annotations

import re

from factories import PASSWORD


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real login form and wait for the landing page."""
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "/login" not in page.url, f"sign-in failed for {email}: {page.inner_text('main')[:300]}"


def csp_violations(page) -> list:
    """CSP violations the init script recorded on the current document."""
    return page.evaluate("window.__cspViolations || []")


def questionnaire_form(page):
    """The needs questionnaire's form (a main form with choices, not on a lesson or quiz page), else None."""
    if re.search(r"/(lessons|quizzes)/", page.url):
        return None
    forms = page.locator("main form").filter(has=page.locator("input[type=radio], input[type=checkbox], select"))
    return forms.first if forms.count() else None


def answer_questionnaire(page, keyboard: bool = False) -> bool:
    """Answer the needs questionnaire if shown (first option of each question); returns whether it was."""
    form = questionnaire_form(page)
    if form is None:
        return False
    names = form.evaluate("""f => [...new Set([...f.querySelectorAll('input[type=radio], input[type=checkbox]')]
                                     .map(i => i.name))]""")
    for name in names:
        form.locator(f"input[name='{name}']").first.check()
    for select in form.locator("select").all():
        values = [v for v in select.evaluate("s => [...s.options].map(o => o.value)") if v]
        if values:
            select.select_option(values[0])
    button = form.locator("button[type=submit], input[type=submit]").last
    with page.expect_navigation():
        if keyboard:
            button.focus()
            page.keyboard.press("Enter")
        else:
            button.click()
    assert questionnaire_form(page) is None, f"questionnaire not accepted: {page.inner_text('main')[:400]}"
    return True


def quiz_questions(server, slug: str, quiz_id: str) -> dict:
    """The quiz's question pool by question id (as the attempt page names them), from the app's catalog."""
    from lms.quizzes.services import pool_for

    catalog = server.app.extensions["lms_catalog"]
    pool = pool_for(catalog.course_quizzes(slug), catalog.quizzes[(slug, quiz_id)])
    return {question.id: question for question in pool.values()}


def page_question_ids(page) -> list[str]:
    """The question ids of the attempt on the page, in order (from the fieldsets' ids)."""
    return page.eval_on_selector_all("fieldset.question", "els => els.map(e => e.id.replace(/^question-/, ''))")


def _decide_scenario(page, question, correct: bool) -> None:
    """Take the scenario's decisions one step at a time with the 'decide' button (best or worst choice)."""
    steps = {s["id"]: s for s in question.raw["steps"]}
    step = question.raw["start"]
    taken = 0
    while step:
        choices = steps[step]["choices"]
        choice = max(choices, key=lambda c: c.get("points", 0)) if correct else \
            min(choices, key=lambda c: c.get("points", 0))
        fieldset = page.locator(f"[id='question-{question.id}']")
        fieldset.locator(f"input[name='decision-{question.id}'][value='{choice['id']}']").check()
        with page.expect_navigation():
            fieldset.locator(f"button[name=decide][value='{question.id}']").click()
        taken += 1
        step = choice.get("next")
        assert page.locator(f"[id='question-{question.id}'] .trail").count() == taken, (
            f"scenario {question.id}: decision {taken} not recorded ({page.url}); the 'decide' button's name/value "
            "must reach /save (static/js/app.js disables a form's submit buttons inside its submit handler, which "
            "drops the submitter from the posted form data)")
    assert page.locator(f"[id='question-{question.id}'] .done-note").count() == 1


def fill_answer(page, question, correct: bool) -> None:
    """Answer one non-scenario question on the attempt page, right or wrong."""
    raw, name = question.raw, f"q-{question.id}"
    if question.type == "single":
        value = raw["answer"] if correct else next(o["id"] for o in raw["options"] if o["id"] != raw["answer"])
        page.check(f"input[name='{name}'][value='{value}']")
    elif question.type == "multiple":
        values = raw["answer"] if correct else [o["id"] for o in raw["options"] if o["id"] not in raw["answer"]]
        for value in values:
            page.check(f"input[name='{name}'][value='{value}']")
    elif question.type == "truefalse":
        page.check(f"input[name='{name}'][value='{'true' if raw['answer'] == correct else 'false'}']")
    elif question.type == "numeric":
        value = raw["answer"] if correct else raw["answer"] + 1000
        page.fill(f"input[name='{name}']", str(value).replace(".", ","))
    elif question.type == "ordering":
        order = raw["answer"] if correct else list(reversed(raw["answer"]))
        for position, item_id in enumerate(order, start=1):
            page.select_option(f"select[name='{name}-{item_id}']", str(position))
    elif question.type == "matching":
        categories = [c["id"] for c in raw["categories"]]
        for item_id, category in raw["answer"].items():
            if not correct:
                category = next(c for c in categories if c != category)
            page.select_option(f"select[name='{name}-{item_id}']", category)
    else:
        raise AssertionError(f"unknown question type {question.type}")


def take_attempt(page, questions: dict, correct: bool) -> str:
    """Decide scenarios, fill every answer (right or wrong), submit; returns the feedback page's heading."""
    ids = page_question_ids(page)
    assert ids, f"no questions on {page.url}"
    for qid in ids:
        if questions[qid].type == "scenario":
            _decide_scenario(page, questions[qid], correct)
    for qid in ids:
        if questions[qid].type != "scenario":
            fill_answer(page, questions[qid], correct)
    with page.expect_navigation():
        page.click(".quiz-actions button.primary")
    return page.inner_text("main h1")


def start_attempt(page, slug: str, quiz_id: str) -> None:
    """From the quiz intro page, start (or resume) an attempt."""
    page.goto(f"/quizzes/{slug}/{quiz_id}/")
    with page.expect_navigation():
        page.locator("main form.inline-form button[type=submit]").first.click()
    assert "/attempts/" in page.url, f"attempt did not start: {page.inner_text('main')[:300]}"
