"""Re-certification: re-assign a course before its certificate expires, and after a legal module changed."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..assignments import services as assignments
from ..assignments.models import Assignment, LearnerAssignment
from ..auth.models import User
from ..catalog import get_catalog
from ..certificates import services as certificates
from ..certificates.models import Certificate
from ..courses.models import Enrolment
from ..mail import outbox
from ..mail.render import absolute_url

RENEWING = ("recertification", "legal_change")


def reassign_expiring(db: Session) -> int:
    """Close completed assignments whose certificate expires within the lead time and assign the course again."""
    now = clock.now()
    default_lead = int(current_app.config["RECERT_LEAD_DAYS"])
    rows = db.execute(select(LearnerAssignment, User, Assignment.recert_lead_days)
                      .join(User, User.id == LearnerAssignment.user_id)
                      .outerjoin(Assignment, Assignment.id == LearnerAssignment.assignment_id)
                      .where(LearnerAssignment.closed_at.is_(None), LearnerAssignment.completed_at.is_not(None),
                             LearnerAssignment.expires_at.is_not(None), User.active.is_(True))).all()
    courses, count = get_catalog().courses, 0
    for item, user, lead in rows:
        course = courses.get(item.course_slug)
        if course is None or item.expires_at - timedelta(days=default_lead if lead is None else lead) > now:
            continue
        enrolment = db.scalar(select(Enrolment).where(Enrolment.user_id == user.id,
                                                      Enrolment.course_slug == course.slug))
        item.closed_at = now
        db.flush()
        if enrolment is not None:
            certificates.reopen_for_renewal(db, enrolment)
        due = item.expires_at if item.expires_at > now else now + timedelta(days=14)
        count += assignments.assign_user(db, item.assignment, user, course, actor=None, reason="recertification",
                                         due_at=due, mandatory=item.mandatory) is not None
    return count


def reassign_legal_changes(db: Session) -> int:
    """Everyone whose current certificate rests on an old version of a legal module gets the course again."""
    now = clock.now()
    courses, count = get_catalog().courses, 0
    due = now + timedelta(days=int(current_app.config["RECERT_LEGAL_DUE_DAYS"]))
    current = db.execute(select(Certificate, User).join(User, User.id == Certificate.user_id).where(
        Certificate.revoked_at.is_(None), Certificate.superseded_at.is_(None), User.active.is_(True))).all()
    for certificate, user in current:
        course = courses.get(certificate.course_slug)
        if course is None or not certificates.needs_recertification(certificate, course):
            continue
        item = assignments.open_assignment(db, user.id, course.slug)
        if item is not None and item.completed_at is None and item.reason in RENEWING:
            continue  # already re-assigned and under way
        enrolment = db.get(Enrolment, certificate.enrolment_id)
        if item is not None:
            item.closed_at = now
            db.flush()
        certificates.start_recertification(db, user, course, enrolment, certificate)
        count += assignments.assign_user(db, item.assignment if item else None, user, course, actor=None,
                                         reason="legal_change", due_at=due, mandatory=True) is not None
    return count


def queue_expiry_notices(db: Session) -> int:
    """Tell learners once that their certificate expires soon (for assignments not yet re-assigned)."""
    now = clock.now()
    window = timedelta(days=int(current_app.config["ASSIGNMENT_EXPIRING_DAYS"]))
    rows = db.execute(select(LearnerAssignment, User).join(User, User.id == LearnerAssignment.user_id).where(
        LearnerAssignment.closed_at.is_(None), LearnerAssignment.completed_at.is_not(None),
        LearnerAssignment.expires_at > now, LearnerAssignment.expires_at <= now + window,
        User.active.is_(True))).all()
    courses, items = get_catalog().courses, []
    for item, user in rows:
        course = courses.get(item.course_slug)
        if course is None:
            continue
        context = {"name": user.name, "org_name": user.organisation.name, "course_title": course.title,
                   "expires": item.expires_at.date().isoformat(),
                   "course_url": absolute_url("lms.courses.overview", slug=course.slug)}
        items.append((user, context, f"expiring:{item.id}:{item.expires_at.date().isoformat()}"))
    return outbox.queue_many(db, items, "expiring", "expiring")
