"""SCORM in Chromium: a host LMS page offers the runtime API (1.2 or 2004) and shows the package's launcher; the
learner opens the hosted module from it, passes the quiz, and the launcher reports status, score and completion
to the API (initialize, set values, commit, finish)."""
from __future__ import annotations

import pytest

from tests.browser.interop_hosts import ScormHost
from tests.browser.helpers import quiz_questions, start_attempt, take_attempt

pytestmark = pytest.mark.browser


def _package(server, version: str) -> bytes:
    from lms.auth.models import Organisation
    from lms.db import session_scope
    from lms.scorm.services import export

    with server.app.app_context():
        catalog = server.app.extensions["lms_catalog"]
        with session_scope(write=True) as db:
            org = db.get(Organisation, server.world["org_a"].id)
            return export(db, org, catalog.courses["mini"], catalog.course_quizzes("mini"), version, server.url)


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_interop_scorm_launcher_reports_score(live_server_factory, new_page, version):
    """Launcher → new window with the module → quiz passed → the API receives status, score, commit, finish."""
    server = live_server_factory(SCORM_POLL_MS=300)
    host = ScormHost(_package(server, version), "module-basics")
    try:
        page = new_page(server)
        page.goto(host.url + "/")
        launcher = page.frame_locator("#sco")
        launcher.locator("#open").wait_for(state="visible")
        with page.context.expect_page() as opened:
            launcher.locator("#open").click()
        course = opened.value
        course.wait_for_load_state()
        assert "/courses/mini/lessons/b-one" in course.url, course.url
        start_attempt(course, "mini", "m1")
        take_attempt(course, quiz_questions(server, "mini", "m1"), correct=True)
        finish = "LMSFinish" if version == "1.2" else "Terminate"
        page.wait_for_function(f"window.calls.some(c => c[0] === '{finish}')", timeout=15_000)
        calls = page.evaluate("window.calls")
    finally:
        host.stop()
    names = [c[0] for c in calls]
    sets = {c[1]: c[2] for c in calls if c[0] in ("LMSSetValue", "SetValue")}
    if version == "1.2":
        assert names[0] == "LMSInitialize" and names[-1] == "LMSFinish"
        assert sets["cmi.core.lesson_status"] == "passed" and sets["cmi.core.score.raw"] == "100"
        assert "LMSCommit" in names and names.index("LMSCommit") < names.index("LMSFinish")
    else:
        assert names[0] == "Initialize" and names[-1] == "Terminate"
        assert sets["cmi.success_status"] == "passed" and sets["cmi.completion_status"] == "completed"
        assert sets["cmi.score.scaled"] == "1" and sets["cmi.score.raw"] == "100"
        assert "Commit" in names and names.index("Commit") < names.index("Terminate")
    assert names.count("LMSFinish") + names.count("Terminate") == 1
