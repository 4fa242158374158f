"""cmi5 AU runtime: an external LMS (the test role) launches an AU; the product fetches the token, reads
LMS.LaunchData, signs the learner in, and the launching LMS's LRS receives the cmi5 defined statements in order
with the context template, registration, session id, categories, durations and a moveOn-satisfying result."""
from __future__ import annotations

import re

from sqlalchemy import select
from tests_quiz_helpers import correct_form

from lms.auth.models import User
from lms.cmi5.relay import run_pass

MODULE_IRI = "https://lms.example/xapi/activities/course/mini/module/basics"
CMI5 = {"id": "https://w3id.org/xapi/cmi5/context/categories/cmi5"}
MOVEON = {"id": "https://w3id.org/xapi/cmi5/context/categories/moveon"}
SESSION_EXT = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"


def _au_url(live_url: str) -> str:
    return f"{live_url}/cmi5/au/mini?au=module-basics&org=alpha"


def _take_quiz(app, client, db, correct: bool) -> None:
    from lms.quizzes.models import QuizAttempt

    location = client.post("/quizzes/mini/m1/start").headers["Location"]
    attempt_id = int(re.search(r"/attempts/(\d+)", location).group(1))
    db.rollback()
    form, _pool = correct_form(app, db.get(QuizAttempt, attempt_id))
    client.post(f"/quizzes/mini/m1/attempts/{attempt_id}/submit", data=form if correct else {})


def _verbs(statements: list[dict]) -> list[str]:
    return [s["verb"]["id"].rsplit("/", 1)[1] for s in statements]


def test_cmi5_runtime_normal_launch_sends_defined_statements(app, client, db, world, lms_role, live_url):
    """launched (LMS) → initialized → passed → completed → terminated, each by the cmi5 rules."""
    launch = lms_role.launch(_au_url(live_url), MODULE_IRI, mastery=0.7)
    response = client.get(launch["url"].removeprefix(live_url))
    assert response.status_code == 302 and response.headers["Location"].endswith("/courses/mini/lessons/b-one")
    db.rollback()
    user = db.scalar(select(User).where(User.email.like("cmi5-%")))
    assert user.org_id == world["org_a"].id and user.role == "learner"
    _take_quiz(app, client, db, correct=True)
    exit_page = client.get("/courses/mini/")
    assert b"cmi5-exit" in exit_page.data
    back = client.post("/cmi5/exit")
    assert back.status_code == 200 and b'href="http://lms-role.example/return"' in back.data
    run_pass(app)
    statements = lms_role.statements()
    assert _verbs(statements) == ["launched", "initialized", "passed", "completed", "terminated"]
    for statement in statements[1:]:
        context = statement["context"]
        assert statement["actor"]["account"] == lms_role.actor["account"]
        assert statement["object"]["id"] == launch["activity_id"]
        assert context["registration"] == lms_role.registration
        assert context["extensions"][SESSION_EXT] == launch["session_id"]
        assert {"id": MODULE_IRI} in context["contextActivities"]["grouping"]  # the context template
        assert CMI5 in context["contextActivities"]["category"]
    passed, completed, terminated = statements[2:]
    assert MOVEON in passed["context"]["contextActivities"]["category"]
    assert MOVEON in completed["context"]["contextActivities"]["category"]
    assert MOVEON not in terminated["context"]["contextActivities"]["category"]
    assert passed["result"]["success"] is True and passed["result"]["score"]["scaled"] >= 0.7
    assert completed["result"]["completion"] is True
    assert all(s["result"]["duration"].startswith("PT") for s in (passed, completed, terminated))


def test_cmi5_runtime_failed_below_mastery_then_no_completed(app, client, db, lms_role, live_url):
    """A score below masteryScore is "failed" (with success false) and no "completed" is sent."""
    launch = lms_role.launch(_au_url(live_url), MODULE_IRI, mastery=0.7)
    client.get(launch["url"].removeprefix(live_url))
    _take_quiz(app, client, db, correct=False)
    run_pass(app)
    statements = lms_role.statements()
    assert _verbs(statements) == ["launched", "initialized", "failed"]
    assert statements[2]["result"]["success"] is False and statements[2]["result"]["score"]["scaled"] < 0.7


def test_cmi5_runtime_browse_mode_sends_no_result(app, client, db, lms_role, live_url):
    """In Browse mode the AU sends no passed/failed/completed."""
    launch = lms_role.launch(_au_url(live_url), MODULE_IRI, mastery=0.7, mode="Browse")
    client.get(launch["url"].removeprefix(live_url))
    _take_quiz(app, client, db, correct=True)
    client.post("/cmi5/exit")
    run_pass(app)
    assert _verbs(lms_role.statements()) == ["launched", "initialized", "terminated"]


def test_cmi5_runtime_untrusted_endpoint_refused(client, lms_role, live_url):
    """A launch naming an LRS the organisation did not register is refused before anything is fetched."""
    launch = lms_role.launch(_au_url(live_url), MODULE_IRI, mastery=0.7)
    url = launch["url"].removeprefix(live_url).replace("endpoint=http", "endpoint=http%3A%2F%2Fevil.example%2F")
    assert client.get(url).status_code == 400
    assert lms_role.fetches == {}


def test_cmi5_runtime_fetch_url_single_use(client, lms_role, live_url):
    """A second launch with the same (used) fetch URL is refused."""
    launch = lms_role.launch(_au_url(live_url), MODULE_IRI, mastery=0.7)
    path = launch["url"].removeprefix(live_url)
    assert client.get(path).status_code == 302
    assert client.get(path).status_code == 400


def test_cmi5_runtime_missing_parameters_refused(client, world):
    """A launch without the cmi5 parameters is a clear 400."""
    assert client.get("/cmi5/au/mini?au=module-basics&org=alpha").status_code == 400


def test_cmi5_runtime_lrs_down_statements_kept_and_sent_in_order_once(app, client, db, lms_role, live_url):
    """While the LMS's LRS is unreachable the statements stay queued; later they arrive once, in order."""
    import socket
    from datetime import timedelta

    from sqlalchemy import update

    from lms.cmi5.models import Cmi5Outgoing, Cmi5Session
    from lms.db import utcnow

    app.config["CMI5_SEND_AFTER_RESPONSE"] = False
    launch = lms_role.launch(_au_url(live_url), MODULE_IRI, mastery=0.7)
    client.get(launch["url"].removeprefix(live_url))
    _take_quiz(app, client, db, correct=True)
    client.post("/cmi5/exit")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/xapi/"
    db.rollback()
    db.execute(update(Cmi5Session).values(endpoint=dead))
    db.commit()
    assert run_pass(app) == 0
    db.rollback()
    rows = db.scalars(select(Cmi5Outgoing).order_by(Cmi5Outgoing.id)).all()
    assert len(rows) == 4 and rows[0].attempts == 1 and all(r.status == "pending" for r in rows)
    assert all(r.next_attempt_at >= rows[0].next_attempt_at for r in rows)  # the rest wait behind the first
    db.rollback()
    db.execute(update(Cmi5Session).values(endpoint=f"{live_url}/xapi/"))
    db.execute(update(Cmi5Outgoing).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.commit()
    assert run_pass(app) == 4
    assert run_pass(app) == 0
    assert _verbs(lms_role.statements()) == ["launched", "initialized", "passed", "completed", "terminated"]


def test_cmi5_runtime_fetch_on_other_host_refused(client, lms_role, live_url):
    """A launch whose fetch URL points away from the registered LMS's host is refused without calling it."""
    launch = lms_role.launch(_au_url(live_url), MODULE_IRI, mastery=0.7)
    path = launch["url"].removeprefix(live_url).replace("fetch=http%3A%2F%2F127.0.0.1", "fetch=http%3A%2F%2Flocalhost")
    assert client.get(path).status_code == 400
    assert lms_role.fetches == {}
