"""Assign courses, change due dates, follow completion and certificates, record overdue assignments."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import clock, signals
from ..auth.models import Department, User
from ..catalog import get_catalog
from ..courses.content import Course
from ..courses.models import Enrolment
from ..i18n import _l
from .models import SCOPES, Assignment, LearnerAssignment


CHUNK = 500  # IN lists stay well below every database's parameter limit


class AssignmentError(ValueError):
    """A user-facing problem with assignment data."""


def due_for(assignment: Assignment, assigned_at: datetime) -> datetime | None:
    """The due date of one learner's copy: the absolute date, or the relative days after assignment."""
    if assignment.due_at is not None:
        return assignment.due_at
    if assignment.due_days is not None:
        return assigned_at + timedelta(days=assignment.due_days)
    return None


def _check(db: Session, actor: User, course: Course | None, scope: str, department_id: int | None,
           due_at: datetime | None, due_days: int | None, now: datetime) -> Department | None:
    if course is None:
        raise AssignmentError(_l("Unbekannter Kurs."))
    if scope not in SCOPES:
        raise AssignmentError(_l("Unbekannte Zielgruppe."))
    if due_at is not None and due_days is not None:
        raise AssignmentError(_l("Bitte entweder ein festes Datum oder eine Anzahl Tage angeben, nicht beides."))
    if due_at is not None and due_at <= now:
        raise AssignmentError(_l("Das Fälligkeitsdatum muss in der Zukunft liegen."))
    if due_days is not None and not 1 <= due_days <= 3650:
        raise AssignmentError(_l("Die Frist muss zwischen 1 und 3650 Tagen liegen."))
    if scope != "department":
        return None
    department = db.scalar(select(Department).where(Department.id == department_id,
                                                    Department.org_id == actor.org_id))
    if department is None:
        raise AssignmentError(_l("Bitte eine Abteilung Ihrer Organisation wählen."))
    return department


def members(db: Session, assignment: Assignment, user_ids: list[int] | None = None) -> list[User]:
    """Active users the assignment reaches: the chosen users, the department's, or the organisation's learners."""
    query = select(User).where(User.org_id == assignment.org_id, User.active.is_(True))
    if assignment.scope == "users":
        query = query.where(User.id.in_(user_ids or []))
    elif assignment.scope == "department":
        query = query.where(User.department_id == assignment.department_id)
    else:
        query = query.where(User.role == "learner")
    return list(db.scalars(query.order_by(User.id)))


def create_assignment(db: Session, actor: User, course_slug: str, *, scope: str, user_ids: list[int] | None = None,
                      department_id: int | None = None, due_at: datetime | None = None, due_days: int | None = None,
                      mandatory: bool = True, include_future: bool = False,
                      recert_lead_days: int = 30) -> tuple[Assignment, int]:
    """Assign a course within the actor's organisation; returns the rule and how many learners got it now."""
    now = clock.now()
    course = get_catalog().courses.get(course_slug)
    department = _check(db, actor, course, scope, department_id, due_at, due_days, now)
    if scope == "users" and not user_ids:
        raise AssignmentError(_l("Bitte mindestens eine Person wählen."))
    if not 0 <= recert_lead_days <= 365:
        raise AssignmentError(_l("Die Vorlaufzeit muss zwischen 0 und 365 Tagen liegen."))
    assignment = Assignment(org_id=actor.org_id, course_slug=course.slug, scope=scope,
                            department_id=department.id if department else None,
                            include_future=include_future and scope != "users", due_at=due_at, due_days=due_days,
                            mandatory=mandatory, recert_lead_days=recert_lead_days, created_by=actor.id,
                            created_at=now)
    db.add(assignment)
    db.flush()
    targets = members(db, assignment, user_ids)
    if scope == "users" and len(targets) != len(set(user_ids)):
        raise AssignmentError(_l("Bitte nur aktive Personen Ihrer Organisation wählen."))
    created = sum(1 for user in targets if assign_user(db, assignment, user, course, actor=actor) is not None)
    return assignment, created


def open_assignment(db: Session, user_id: int, course_slug: str) -> LearnerAssignment | None:
    """The learner's open (not superseded) assignment of the course."""
    return db.scalar(select(LearnerAssignment).where(LearnerAssignment.user_id == user_id,
                                                     LearnerAssignment.course_slug == course_slug,
                                                     LearnerAssignment.closed_at.is_(None)))


def assign_user(db: Session, assignment: Assignment | None, user: User, course: Course, *, actor: User | None,
                reason: str = "assigned", due_at: datetime | None = None,
                mandatory: bool | None = None) -> LearnerAssignment | None:
    """Give one learner the course unless an open assignment exists; None when nothing was created."""
    if open_assignment(db, user.id, course.slug) is not None:
        return None
    now = clock.now()
    enrolment = db.scalar(select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_slug == course.slug))
    item = LearnerAssignment(
        org_id=user.org_id, user_id=user.id, assignment_id=assignment.id if assignment else None,
        course_slug=course.slug, reason=reason, assigned_at=now,
        mandatory=assignment.mandatory if mandatory is None else mandatory,
        due_at=due_at if due_at is not None else (due_for(assignment, now) if assignment else None),
        # Someone who already finished the course counts as done (re-certification takes over from there).
        completed_at=enrolment.completed_at if enrolment is not None else None)
    try:
        with db.begin_nested():
            db.add(item)
    except IntegrityError:  # another process assigned the same learner at the same moment
        return None
    signals.course_assigned.send(db, assignment=item, user=user, course=course, actor=actor)
    return item


def assign_users(db: Session, assignment: Assignment, users: list[User], course: Course, *,
                 actor: User | None) -> list[LearnerAssignment]:
    """`assign_user` for many learners of one rule at once (bulk import): two queries and one INSERT per batch,
    one `courses_assigned` signal; the same rows, statements and mails as one call per learner."""
    ids = [user.id for user in users]
    have, finished = set(), {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        have.update(db.scalars(select(LearnerAssignment.user_id).where(
            LearnerAssignment.user_id.in_(chunk), LearnerAssignment.course_slug == course.slug,
            LearnerAssignment.closed_at.is_(None))))
        finished.update(db.execute(select(Enrolment.user_id, Enrolment.completed_at).where(
            Enrolment.user_id.in_(chunk), Enrolment.course_slug == course.slug)).all())
    now = clock.now()
    wanted = [user for user in dict.fromkeys(users) if user.id not in have]
    items = [LearnerAssignment(org_id=user.org_id, user_id=user.id, assignment_id=assignment.id,
                               course_slug=course.slug, reason="assigned", assigned_at=now,
                               mandatory=assignment.mandatory, due_at=due_for(assignment, now),
                               completed_at=finished.get(user.id)) for user in wanted]
    try:
        with db.begin_nested():
            db.add_all(items)
    except IntegrityError:  # another process assigned one of them meanwhile: settle it learner by learner
        return [item for item in (assign_user(db, assignment, user, course, actor=actor) for user in wanted) if item]
    if items:
        signals.courses_assigned.send(db, assigned=list(zip(items, wanted)), course=course, actor=actor)
    return items


def change_due(db: Session, actor: User, item: LearnerAssignment, due_at: datetime | None) -> None:
    """Move one learner's due date; announces the change."""
    if item.org_id != actor.org_id:
        raise AssignmentError(_l("Unbekannte Zuweisung."))
    previous = item.due_at
    if previous == due_at:
        return
    item.due_at = due_at
    if due_at is None or due_at > clock.now():
        item.overdue_recorded_at = None
    db.flush()
    course = get_catalog().courses.get(item.course_slug)
    if course is not None:
        signals.assignment_due_changed.send(db, assignment=item, user=item.user, course=course, actor=actor,
                                            previous=previous)


def sync_future_members(db: Session) -> int:
    """Assign 'include users added later' rules to members who joined since; returns learners assigned."""
    added = 0
    catalog = get_catalog().courses
    rules = db.scalars(select(Assignment).where(Assignment.active.is_(True), Assignment.include_future.is_(True)))
    for rule in list(rules):
        course = catalog.get(rule.course_slug)
        if course is None:
            continue
        have = select(LearnerAssignment.user_id).where(LearnerAssignment.course_slug == rule.course_slug,
                                                       LearnerAssignment.org_id == rule.org_id)
        assigned = set(db.scalars(have))
        for user in members(db, rule):
            if user.id in assigned:
                continue
            added += assign_user(db, rule, user, course, actor=None) is not None
    return added


def record_overdue(db: Session) -> int:
    """Mark open, unfinished assignments past their due date as overdue, once each; returns how many."""
    now = clock.now()
    items = db.scalars(select(LearnerAssignment).where(
        LearnerAssignment.closed_at.is_(None), LearnerAssignment.completed_at.is_(None),
        LearnerAssignment.overdue_recorded_at.is_(None), LearnerAssignment.due_at < now)).all()
    catalog = get_catalog().courses
    for item in items:
        item.overdue_recorded_at = now
        course = catalog.get(item.course_slug)
        if course is not None:
            signals.assignment_overdue.send(db, assignment=item, user=item.user, course=course)
    db.flush()
    return len(items)


def on_course_completed(db: Session, enrolment, user, course, **_) -> None:
    """Receiver: completing the course completes the learner's open assignment (in time or late)."""
    item = open_assignment(db, user.id, course.slug)
    if item is None or item.completed_at is not None:
        return
    now = clock.now()
    item.completed_at = now
    db.flush()
    late = item.due_at is not None and now > item.due_at
    signals.assignment_completed.send(db, assignment=item, user=user, course=course, late=late)


def on_certificate_issued(db: Session, user, course, certificate, **_) -> None:
    """Receiver: the assignment remembers when the certificate it led to expires."""
    item = open_assignment(db, user.id, course.slug)
    if item is not None:
        item.expires_at = certificate.expires_at
        db.flush()


def may_self_enrol(db: Session, user: User, course: Course) -> bool:
    """Enrolment guard: learners start unassigned courses only where their organisation allows self-enrolment."""
    if user.role != "learner" or user.organisation.self_enrolment:
        return True
    return open_assignment(db, user.id, course.slug) is not None
