"""cmi5 in Chromium: the LMS role launches the module's AU in its own window; the learner passes the quiz and
exits; the LMS's LRS (this product's built-in LRS) holds launched, initialized, passed, completed, terminated."""
from __future__ import annotations

import pytest

from tests.browser.helpers import quiz_questions, start_attempt, take_attempt
from tests.browser.interop_hosts import Cmi5LmsRole

pytestmark = pytest.mark.browser
MODULE_IRI = "https://lms.example/xapi/activities/course/mini/module/basics"


def test_interop_cmi5_au_launch_reports_to_lms(live_server_factory, new_page):
    """AU launch → lesson → quiz passed → exit to returnURL → the cmi5 statements arrive in the LMS's LRS."""
    from lms.cmi5.models import Cmi5Lms
    from lms.cmi5.relay import run_pass
    from lms.lrs.lrs_auth import create_credential

    credentials = {}

    def setup(db, world):
        credentials["pair"] = create_credential(db, world["org_b"].id, "external LMS")
        credentials["org_a"] = world["org_a"].id

    # Sent by the test's relay pass only, so the check below does not race the server's after-response send.
    server = live_server_factory(setup=setup, CMI5_SEND_AFTER_RESPONSE=False)
    credential, secret = credentials["pair"]
    session = server.session()
    session.add(Cmi5Lms(org_id=credentials["org_a"], name="Extern", endpoint=f"{server.url}/xapi/"))
    session.commit()
    session.close()
    role = Cmi5LmsRole(f"{server.url}/xapi/", credential.key, secret).start()
    try:
        launch = role.launch(f"{server.url}/cmi5/au/mini?au=module-basics&org=alpha", MODULE_IRI, mastery=0.7,
                             return_url=f"http://127.0.0.1:{role.port}/return")
        page = new_page(server)
        page.goto(launch["url"])
        assert "/courses/mini/lessons/b-one" in page.url
        start_attempt(page, "mini", "m1")
        take_attempt(page, quiz_questions(server, "mini", "m1"), correct=True)
        with page.expect_navigation():
            page.click("#cmi5-exit")
        with page.expect_navigation():
            page.click("#cmi5-return")
        assert page.locator("#lms-home").is_visible()
        run_pass(server.app)
        statements = role.statements()
    finally:
        role.stop()
    verbs = [s["verb"]["id"].rsplit("/", 1)[1] for s in statements]
    assert verbs == ["launched", "initialized", "passed", "completed", "terminated"]
    assert statements[2]["result"]["score"]["scaled"] >= 0.7
