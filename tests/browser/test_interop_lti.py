"""LTI 1.3 in Chromium: the test platform shows the tool in an iframe; login initiation, the platform's signed
launch, the module opens inside the frame (framing allowed for that platform only), the learner passes the quiz,
and the score arrives in the platform's grade book."""
from __future__ import annotations

import pytest

from tests.browser.helpers import quiz_questions, start_attempt, take_attempt
from tests.browser.interop_hosts import TestPlatform

pytestmark = pytest.mark.browser
MODULE = {"https://purl.imsglobal.org/spec/lti/claim/custom": {"course": "mini", "target": "module:basics"}}


def test_interop_lti_launch_in_iframe_and_score_arrives(live_server_factory, new_page):
    """Platform iframe → tool login → signed launch → lesson in the frame → quiz → score in the grade book."""
    from lms.lti.passback import run_pass
    from lms.lti.services import PlatformFields, save_platform

    platform = TestPlatform().start()

    def register(db, world):
        reg = platform.registration()
        save_platform(db, world["org_a"], PlatformFields(reg["name"], reg["issuer"], reg["client_id"],
                                                         reg["auth_login_url"], reg["auth_token_url"],
                                                         reg["jwks_url"], [reg["deployment_ids"]]))

    try:
        server = live_server_factory(setup=register)
        platform.tool_jwks_url = f"{server.url}/lti/jwks.json"
        platform.tool_login_url = f"{server.url}/lti/login"
        platform.pending_auth = {**MODULE, "sub": "platform-user-77"}
        page = new_page(server)
        page.goto(platform.url + "/course")
        tool = page.frame_locator("#tool")
        tool.locator("#go").click()
        heading = tool.locator("main h1")
        heading.wait_for(state="visible")
        frame = next(f for f in page.frames if f.url.startswith(server.url))
        assert "/courses/mini/lessons/b-one" in frame.url
        assert page.evaluate("document.querySelector('#tool').contentDocument") is None  # cross-origin, rendered
        course = page.context.new_page()  # the same session in a new window
        start_attempt(course, "mini", "m1")
        take_attempt(course, quiz_questions(server, "mini", "m1"), correct=True)
        assert run_pass(server.app) == 1
        assert len(platform.scores) == 1
        score = platform.scores[0]
        assert score["userId"] == "platform-user-77" and score["scoreGiven"] == score["scoreMaximum"]
    finally:
        platform.stop()
