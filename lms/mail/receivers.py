"""Events that cause mails: each receiver queues its mail in the session (and so the transaction) of the event."""
from __future__ import annotations

from .. import signals
from . import outbox, services
from .render import absolute_url


def on_user_invited(db, user, actor=None, **_):
    """An admin created an account: send the invitation with a set-password link."""
    services.invite(db, user, actor)


def on_users_invited(db, users, actor=None, **_):
    """Many accounts were created at once: the same invitation per user, queued in batches."""
    services.invite_many(db, users, actor)


def _due(item) -> str | None:
    return item.due_at.date().isoformat() if item.due_at is not None else None


def _assigned_mail(assignment, user, course) -> tuple:
    return (user, {"name": user.name, "org_name": user.organisation.name, "course_title": course.title,
                   "due": _due(assignment), "mandatory": assignment.mandatory, "reason": assignment.reason,
                   "course_url": absolute_url("lms.courses.overview", slug=course.slug)},
            f"assigned:{assignment.id}")


def on_course_assigned(db, assignment, user, course, actor=None, **_):
    """A course was assigned (or re-assigned for re-certification): tell the learner, once per assignment."""
    if assignment.completed_at is not None:
        return
    recipient, context, key = _assigned_mail(assignment, user, course)
    outbox.queue(db, recipient, "assignment", "assignment", context, dedupe_key=key)


def on_courses_assigned(db, assigned, course, actor=None, **_):
    """A course was assigned to many learners at once: the same mail per learner, queued in one batch."""
    outbox.queue_many(db, [_assigned_mail(item, user, course) for item, user in assigned
                           if item.completed_at is None], "assignment", "assignment")


def on_certificate_issued(db, user, course, certificate, **_):
    """A certificate was issued: the learner gets the link to the PDF and to the public verification page."""
    outbox.queue(db, user, "certificate", "certificate",
                 {"name": user.name, "org_name": user.organisation.name, "course_title": course.title,
                  "code": certificate.code, "verify_url": absolute_url("lms.certificates.verify", code=certificate.code),
                  "expires": certificate.expires_at.date().isoformat() if certificate.expires_at else None,
                  "pdf_url": absolute_url("lms.certificates.pdf", certificate_id=certificate.id)},
                 dedupe_key=f"certificate:{certificate.id}")


CONNECTIONS = [
    (signals.user_invited, on_user_invited),
    (signals.course_assigned, on_course_assigned),
    (signals.courses_assigned, on_courses_assigned),
    (signals.users_invited, on_users_invited),
    (signals.certificate_issued, on_certificate_issued),
]
