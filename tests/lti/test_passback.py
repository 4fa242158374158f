"""Grade passback: quiz scores queued in the attempt's transaction, delivered to the platform's grade book once,
and kept while the platform is down until it is back."""
from __future__ import annotations

from datetime import timedelta

from lti_helpers import launch
from sqlalchemy import select, update
from tests_quiz_helpers import answer_all

from lms.db import utcnow
from lms.lti.models import DEAD, PENDING, LtiResourceLink, LtiScoreItem
from lms.lti.passback import run_pass

MODULE_LINK = {"https://purl.imsglobal.org/spec/lti/claim/custom": {"course": "mini", "target": "module:basics"}}


def _queued(db) -> list[LtiScoreItem]:
    db.rollback()
    return db.scalars(select(LtiScoreItem)).all()


def _make_due(db) -> None:
    db.execute(update(LtiScoreItem).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.commit()


def test_lti_passback_module_quiz_score_reaches_gradebook_once(app, client, db, platform, registered):
    """The module quiz's score goes to a line item created for the link, exactly once."""
    assert launch(client, platform, sub="lea", **MODULE_LINK).status_code == 302
    answer_all(app, client, db, "m1")
    items = _queued(db)
    assert len(items) == 1 and items[0].status == PENDING and items[0].sub == "lea"
    assert run_pass(app) == 1
    assert run_pass(app) == 0
    assert len(platform.scores) == 1
    score = platform.scores[0]
    assert score["userId"] == "lea" and score["scoreGiven"] == score["scoreMaximum"] > 0
    assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"
    (lineitem,) = platform.lineitems.values()
    assert lineitem["resourceLinkId"] == "rl-1"
    db.rollback()
    assert db.scalar(select(LtiResourceLink.lineitem_url)) == lineitem["id"]
    assert _queued(db) == []


def test_lti_passback_other_quiz_not_sent_to_module_link(app, client, db, platform, registered):
    """A quiz of another module does not go to this module's line item."""
    launch(client, platform, sub="lea", **MODULE_LINK)
    answer_all(app, client, db, "m2")
    assert _queued(db) == []


def test_lti_passback_course_link_gets_final_exam(app, client, db, platform, registered):
    """A whole-course link receives the final exam's score, not the module quizzes'."""
    launch(client, platform, sub="lea")
    for lesson in ("b-one", "b-two", "m-one"):
        client.post(f"/courses/mini/lessons/{lesson}/done")
    answer_all(app, client, db, "m1")
    answer_all(app, client, db, "m2")
    assert _queued(db) == []
    answer_all(app, client, db, "final")
    assert len(_queued(db)) == 1


def test_lti_passback_platform_down_delivered_later_once(app, client, db, platform, registered):
    """While the platform is down the score stays queued; once it is back it arrives exactly once."""
    launch(client, platform, sub="lea", **MODULE_LINK)
    answer_all(app, client, db, "m1")
    platform.stop()
    assert run_pass(app) == 0
    (item,) = _queued(db)
    assert item.status == PENDING and item.attempts == 1 and item.last_error
    assert item.next_attempt_at > utcnow()
    assert run_pass(app) == 0  # not due yet: backoff
    platform.start()
    _make_due(db)
    assert run_pass(app) == 1
    _make_due(db)
    assert run_pass(app) == 0
    assert len(platform.scores) == 1 and platform.scores[0]["userId"] == "lea"


def test_lti_passback_refused_score_is_dead_lettered(app, client, db, platform, registered):
    """A link whose platform offers no grade book dead-letters the score instead of retrying forever."""
    ags = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
    launch(client, platform, sub="lea", **MODULE_LINK, **{ags: None})
    answer_all(app, client, db, "m1")
    assert run_pass(app) == 0
    (item,) = _queued(db)
    assert item.status == DEAD and platform.scores == []


def test_lti_passback_claimed_item_not_sent_by_second_relay(app, client, db, platform, registered):
    """An item leased by one relay is not due for another until the lease ends."""
    from lms.db import session_scope
    from lms.lti.passback import claim

    launch(client, platform, sub="lea", **MODULE_LINK)
    answer_all(app, client, db, "m1")
    with app.app_context():
        with session_scope(write=True) as session:
            assert len(claim(session, "relay-a")) == 1
    assert run_pass(app, worker="relay-b") == 0
    assert platform.scores == []
