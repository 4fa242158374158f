"""Automated accessibility check with axe-core (npm, fetched by scripts/fetch-axe.sh) on every learner page,
under the app's real CSP: axe is served from the app's origin through a Playwright route."""
from __future__ import annotations

import json

import pytest

from tests.browser.helpers import (answer_questionnaire, questionnaire_form, quiz_questions, sign_in, start_attempt,
                                   take_attempt)

pytestmark = pytest.mark.browser
SLUG = "mini"
AXE_PATH = "/__axe.js"  # never reaches the app: the route below answers it, so script-src 'self' allows it
BLOCKING = ("serious", "critical")
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 160),
                              summary: (n.failureSummary || '').slice(0, 300)}))}));
}"""


def _axe(page, label: str, found: dict) -> None:
    """Inject axe-core into the current page from the app origin and record its violations under label."""
    origin = "/".join(page.url.split("/")[:3])
    page.add_script_tag(url=origin + AXE_PATH)
    assert page.evaluate("typeof axe") == "object", f"{label}: axe-core did not load (CSP?)"
    found[label] = page.evaluate(AXE_RUN)


def _report(found: dict) -> str:
    """Violations as readable lines: page, impact, rule, element and what is wrong."""
    lines = []
    for label, violations in found.items():
        for v in violations:
            for node in v["nodes"]:
                lines.append(f"[{label}] {v['impact']} {v['id']} ({v['help']}): {node['target']} "
                             f"{node['html']} -- {node['summary']}")
    return "\n".join(lines)


def test_a11y_learner_pages_axe_clean(live_server, new_page, axe_script):
    """axe-core finds no serious or critical violation on any learner page, from login to quiz feedback."""
    page = new_page(live_server)
    page.context.route(f"**{AXE_PATH}", lambda route: route.fulfill(
        path=str(axe_script), content_type="text/javascript; charset=utf-8"))
    found: dict[str, list] = {}

    page.goto("/login")
    _axe(page, "login", found)
    sign_in(page, live_server.world["learner_a"].email)
    _axe(page, "course list", found)
    with page.expect_navigation():
        page.locator("main .course-card form.inline-form button").first.click()
    if questionnaire_form(page) is not None:
        _axe(page, "needs questionnaire", found)
        answer_questionnaire(page)
        _axe(page, "learning path", found)
    page.goto(f"/courses/{SLUG}/lessons/b-one")
    _axe(page, "lesson", found)
    page.goto(f"/courses/{SLUG}/")
    _axe(page, "overview", found)
    page.goto(f"/quizzes/{SLUG}/m1/")
    _axe(page, "quiz intro", found)
    start_attempt(page, SLUG, "m1")
    _axe(page, "quiz attempt", found)
    take_attempt(page, quiz_questions(live_server, SLUG, "m1"), correct=False)
    _axe(page, "quiz feedback", found)
    start_attempt(page, SLUG, "m2")  # numeric, ordering and the scenario's decision step
    _axe(page, "quiz attempt with scenario", found)

    assert page.problems.csp_console == [], page.problems.csp_console
    print("axe-core findings (all impacts):\n" + (_report(found) or "none"))
    blocking = {label: [v for v in violations if v["impact"] in BLOCKING] for label, violations in found.items()}
    assert not any(blocking.values()), "axe-core serious/critical violations:\n" + _report(blocking) + \
        "\n\nraw: " + json.dumps(blocking)[:2000]
