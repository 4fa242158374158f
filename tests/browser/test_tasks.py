"""Practical task in headless Chromium: a learner hands in with a file, a trainer reviews with the rubric and asks
for a revision, the learner sees the feedback, hands in again, and the trainer accepts."""
from __future__ import annotations

import pytest

from tests.browser.helpers import answer_questionnaire, sign_in

pytestmark = pytest.mark.browser
TASK = "/tasks/mini/probe"


def _learner_hands_in(page, tmp_path, goal: str) -> None:
    """From the lesson page's task link: fill the form, attach a Markdown file, hand in."""
    page.goto("/courses/mini/lessons/b-one")
    assert "Übungszeit ca. 20 Minuten" in page.inner_text("main header")
    with page.expect_navigation():
        page.click("main .lesson-tasks a")
    assert page.url.endswith(TASK)
    page.fill("#field-ziel", goal)
    upload = tmp_path / "ziel.md"
    upload.write_text("# Mein Ziel\n\n" + goal + "\n", encoding="utf-8")
    page.set_input_files("#task-file", str(upload))
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "Ihre Abgabe ist eingegangen" in page.inner_text("main"), page.inner_text("main")[:500]


def _trainer_reviews(page, decision: str, levels: dict, feedback: str) -> None:
    """Open the newest open hand-in from the task list and submit the rubric with a decision."""
    page.goto("/tasks/review")
    with page.expect_navigation():
        page.click("main table a[href^='/tasks/review/']")
    for criterion, level in levels.items():
        page.check(f"input[name='level-{criterion}'][value='{level}']")
        page.fill(f"#comment-{criterion}", f"Zu {criterion}: {level}")
    page.fill("#feedback", feedback)
    with page.expect_navigation():
        page.click(f"main button[name=decision][value={decision}]")
    assert "Die Bewertung ist gespeichert" in page.inner_text("main")


def test_browser_task_hand_in_review_and_feedback(new_page, live_server, tmp_path):
    """Hand in, revision requested with rubric feedback, hand in again, accepted; the learner sees each review."""
    world = live_server.world
    learner, trainer = new_page(live_server), new_page(live_server)
    sign_in(learner, world["learner_a"].email)
    learner.goto("/courses/mini/")
    with learner.expect_navigation():
        learner.click("main form button[type=submit]")  # "Kurs starten"
    answer_questionnaire(learner)
    _learner_hands_in(learner, tmp_path, "Mehr Bewerbungen.")
    assert "wird geprüft" in learner.inner_text("main")

    sign_in(trainer, world["trainer_a"].email)
    _trainer_reviews(trainer, "revision_requested", {"klarheit": "teilweise", "messbar": "nein"},
                     "Bitte mit Zahl und Stichtag formulieren.")

    learner.goto(TASK)
    text = learner.inner_text("main")
    assert "Bitte mit Zahl und Stichtag formulieren." in text and "Überarbeitung erbeten" in text
    assert "Zu messbar: nein" in text and "nicht messbar" in text
    _learner_hands_in(learner, tmp_path, "Bis 31.03.2027 sechs Bewerbungen über Instagram.")

    _trainer_reviews(trainer, "accepted", {"klarheit": "klar", "messbar": "ja"}, "Sehr gut.")
    trainer.goto("/tasks/review?status=accepted")
    assert world["learner_a"].name in trainer.inner_text("main table")

    learner.goto(TASK)
    text = learner.inner_text("main")
    assert "Sehr gut." in text and "angenommen" in text and "Abgabe 1" in text and "Abgabe 2" in text
    with learner.expect_download() as download:
        learner.click("main details[open] a[href^='/tasks/files/']")
    assert download.value.suggested_filename == "ziel.md"
    for page in (learner, trainer):
        assert not page.problems.page_errors and not page.problems.csp_console


def test_browser_task_pages_axe_clean(new_page, live_server, axe_script, tmp_path):
    """axe-core finds no serious or critical violation on the task, task list, review and review-due pages."""
    from tests.browser.test_a11y import AXE_PATH, BLOCKING, _axe, _report

    world = live_server.world
    learner, staff = new_page(live_server), new_page(live_server)
    for page in (learner, staff):
        page.context.route(f"**{AXE_PATH}", lambda route: route.fulfill(
            path=str(axe_script), content_type="text/javascript; charset=utf-8"))
    found: dict[str, list] = {}
    sign_in(learner, world["learner_a"].email)
    learner.goto("/courses/mini/")
    with learner.expect_navigation():
        learner.click("main form button[type=submit]")
    answer_questionnaire(learner)
    learner.goto(TASK)
    _axe(learner, "task", found)
    _learner_hands_in(learner, tmp_path, "Ein Ziel.")
    _axe(learner, "task handed in", found)
    sign_in(staff, world["admin_a"].email)
    staff.goto("/tasks/review")
    _axe(staff, "task list", found)
    with staff.expect_navigation():
        staff.click("main table a[href^='/tasks/review/']")
    _axe(staff, "review", found)
    staff.goto("/courses/admin/review-due")
    _axe(staff, "content due for review", found)
    blocking = {label: [v for v in found[label] if v["impact"] in BLOCKING] for label in found}
    assert not any(blocking.values()), "axe-core serious/critical violations:\n" + _report(blocking)
