"""Helpers for the privacy tests: learners who did something, settings saved through the service."""
from __future__ import annotations

import re

from conftest import login


def learn(app, email: str, lessons=("b-one",), quiz: bool = False):
    """Sign a learner in on a client of their own, start the test course, finish lessons, maybe answer quiz m1."""
    client = app.test_client()
    assert login(client, email).status_code == 302
    client.post("/courses/mini/start")
    for lesson in lessons:
        client.post(f"/courses/mini/lessons/{lesson}/done")
    if quiz:
        location = client.post("/quizzes/mini/m1/start").headers["Location"]
        attempt_id = re.search(r"/attempts/(\d+)", location).group(1)
        client.post(f"/quizzes/mini/m1/attempts/{attempt_id}/submit", data={"q-q1": "b", "q-q2": "false", "confirm_unanswered": "1"})
    return client


def set_privacy(app, db, org, actor, **values):
    """Save a new version of the organisation's privacy settings as ``actor`` and commit."""
    from lms.privacy import settings

    with app.test_request_context():
        db.info.pop("lms_privacy_settings", None)
        saved = settings.save(db, actor, org, values)
        db.commit()
    return saved
