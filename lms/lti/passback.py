"""Grade passback (LTI AGS): a score row per submitted quiz attempt and launched link, written in the attempt's
transaction, then delivered by a relay that claims rows with a lease, posts them and deletes them on success.

Delivery is at least once, and a resend is harmless: the score's timestamp is fixed when it is queued, and an
AGS platform ignores a score whose timestamp is not newer than the one it holds.
"""
from __future__ import annotations

import logging
import random
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from .. import db as dbmod
from ..db import utcnow
from ..outbox import claim_due
from . import platform_client as pc
from .keys import signing_key
from .models import DEAD, PENDING, LtiLinkUser, LtiPlatform, LtiResourceLink, LtiScoreItem

log = logging.getLogger(__name__)
LEASE_SECONDS = 120
BASE_DELAY, MAX_DELAY = 5.0, 900.0


def link_wants(link: LtiResourceLink, course, quiz) -> bool:
    """Whether a quiz's score belongs to a link: the module's quiz for a module link, the final exam otherwise."""
    if link.course_slug != course.slug:
        return False
    if link.target.startswith("module:"):
        return quiz.module == link.target.split(":", 1)[1] and quiz.id != course.final_exam
    return quiz.id == course.final_exam


def on_quiz_submitted(sender: Session, enrolment, user, course, quiz, attempt, **_) -> None:
    """Queue the attempt's score for every link this learner launched that the quiz belongs to (same session)."""
    db = sender
    rows = db.execute(select(LtiResourceLink, LtiLinkUser.sub).join(LtiLinkUser, LtiLinkUser.link_id ==
                                                                     LtiResourceLink.id)
                      .where(LtiLinkUser.user_id == user.id, LtiResourceLink.course_slug == course.slug)).all()
    stamp = (attempt.submitted_at or utcnow()).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    for link, sub in rows:
        if link_wants(link, course, quiz):
            db.add(LtiScoreItem(link_id=link.id, org_id=link.org_id, attempt_id=attempt.id, sub=sub,
                                score_given=float(attempt.score or 0), score_maximum=float(attempt.max_score or 1),
                                activity_progress="Completed", grading_progress="FullyGraded", timestamp=stamp,
                                status=PENDING, attempts=0, next_attempt_at=utcnow(), created_at=utcnow()))


def claim(db: Session, worker: str, limit: int = 20) -> list[int]:
    """Lease due score rows to this worker (inside a write transaction); returns their ids."""
    return claim_due(db, LtiScoreItem, worker=worker, limit=limit, lease=LEASE_SECONDS, now=utcnow())


def score_body(item: LtiScoreItem) -> dict:
    """The AGS score JSON for a queued row."""
    return {"userId": item.sub, "scoreGiven": item.score_given, "scoreMaximum": item.score_maximum,
            "activityProgress": item.activity_progress, "gradingProgress": item.grading_progress,
            "timestamp": item.timestamp}


def _deliver(item: LtiScoreItem, link: LtiResourceLink, platform: LtiPlatform, key, sessions: dict) -> str | None:
    """Post the score (creating the line item first if needed), outside any transaction; returns a new line item."""
    session = sessions.get(platform.id)
    if session is None:
        session = pc.open_session(platform, key, [pc.SCOPE_LINEITEM, pc.SCOPE_SCORE])
        sessions[platform.id] = session
    lineitem, created = link.lineitem_url, None
    if not lineitem:
        if not link.lineitems_url:
            raise pc.PlatformError("the platform offers no grade book for this link", retry=False)
        lineitem = created = pc.find_or_create_lineitem(session, link.lineitems_url, link.resource_link_id,
                                                        link.title, item.score_maximum)
    pc.post_score(session, lineitem, score_body(item))
    return created


def _record_failure(db: Session, item_id: int, worker: str, exc: pc.PlatformError, rng=random) -> None:
    item = db.get(LtiScoreItem, item_id)
    if item is None or item.claimed_by != worker:
        return
    item.attempts += 1
    item.last_error = str(exc)[:2000]
    item.claimed_by = None
    max_attempts = int(current_app.config.get("LTI_PASSBACK_MAX_ATTEMPTS", 20))
    if not exc.retry or item.attempts >= max_attempts:
        item.status = DEAD
        return
    ceiling = min(MAX_DELAY, BASE_DELAY * 2 ** min(item.attempts - 1, 20))
    item.next_attempt_at = utcnow() + timedelta(seconds=rng.uniform(ceiling / 2, ceiling))


def run_pass(app: Flask, worker: str = "lti-relay") -> int:
    """Deliver every due score once; returns how many the platforms acknowledged."""
    delivered, sessions = 0, {}
    with app.app_context():
        with dbmod.session_scope(write=True) as db:
            ids = claim(db, worker)
        try:
            for item_id in ids:
                delivered += _deliver_one(item_id, worker, sessions)
        finally:
            for session in sessions.values():
                session.client.close()
    return delivered


def _deliver_one(item_id: int, worker: str, sessions: dict) -> int:
    with dbmod.session_scope(write=False) as db:
        item = db.get(LtiScoreItem, item_id)
        if item is None or item.claimed_by != worker:
            return 0
        link = db.get(LtiResourceLink, item.link_id)
        platform = db.get(LtiPlatform, link.platform_id)
        key = signing_key(db)
    try:
        created = _deliver(item, link, platform, key, sessions)
    except pc.PlatformError as exc:
        log.warning("LTI score %s not delivered: %s", item_id, exc)
        with dbmod.session_scope(write=True) as db:
            _record_failure(db, item_id, worker, exc)
        return 0
    with dbmod.session_scope(write=True) as db:
        if created:
            db.execute(update(LtiResourceLink).where(LtiResourceLink.id == link.id).values(lineitem_url=created))
        # Delivered is delivered, even if the lease ran out meanwhile.
        db.execute(delete(LtiScoreItem).where(LtiScoreItem.id == item_id))
    return 1
