"""Aggregate-only reporting (works agreement): figures for groups of at least k people, never one person.

Every query here counts people, and every count between 1 and k-1 is suppressed (None, shown as "fewer than k").
When one status cell of a group is suppressed, the next smallest is suppressed too, so the group total cannot
give it away. The person-level queries in queries.py refuse to run in this mode (PersonLevelRefused).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from ..auth import scope
from ..auth.models import Department, Organisation, User
from ..converters import query_date
from ..courses.content import Course
from ..courses.models import Enrolment
from ..quizzes.models import QuestionResult, QuizAttempt

STATUSES = ("not_started", "in_progress", "completed")


def suppress(count: int, k: int) -> int | None:
    """The count if it is 0 or at least k, else None (a group too small to show)."""
    return count if count == 0 or count >= k else None


@dataclass(frozen=True)
class AggregateFilters:
    """Department, status and a last-activity date range; each narrows the group that is counted."""

    department: str = ""
    status: str = ""
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_args(cls, args) -> "AggregateFilters":
        """Read the filters from query arguments, ignoring anything invalid."""
        status = args.get("status", "")
        return cls(department=args.get("department", "")[:100], status=status if status in STATUSES else "",
                   since=query_date(args.get("since")), until=query_date(args.get("until")))

    def args(self) -> dict:
        """Query arguments for links that keep these filters."""
        values = {"department": self.department, "status": self.status,
                  "since": self.since and self.since.isoformat(), "until": self.until and self.until.isoformat()}
        return {k: v for k, v in values.items() if v}


@dataclass
class GroupRow:
    """One department: people per status and the average progress, each None when the group is too small."""

    department: str
    learners: int | None
    statuses: dict[str, int | None] = field(default_factory=dict)
    average_progress: float | None = None
    average_score: float | None = None


def _people(db: Session, org: Organisation, course: Course, flt: AggregateFilters, viewer=None):
    """(user id, department, status, progress) of the learners matching the filters (and the viewer's scope)."""
    join = and_(Enrolment.user_id == User.id, Enrolment.course_slug == course.slug)
    query = (select(User.id, Department.name, Enrolment.id, Enrolment.completed_at, Enrolment.progress)
             .outerjoin(Department, Department.id == User.department_id).outerjoin(Enrolment, join)
             .where(User.org_id == org.id, User.role == "learner", User.active.is_(True)))
    if viewer is not None:
        query = query.where(scope.learner_filter(viewer))
    if flt.department:
        query = query.where(Department.name == flt.department)
    if flt.since:
        query = query.where(Enrolment.last_activity_at >= datetime.combine(flt.since, time(), timezone.utc))
    if flt.until:
        query = query.where(Enrolment.last_activity_at
                            < datetime.combine(flt.until, time(), timezone.utc) + timedelta(days=1))
    out = []
    for user_id, department, enrolment_id, completed_at, progress in db.execute(query):
        status = "not_started" if enrolment_id is None else "completed" if completed_at else "in_progress"
        if not flt.status or flt.status == status:
            out.append((user_id, department or "", status, float(progress or 0)))
    return out


def _best_scores(db: Session, org: Organisation, course: Course, viewer=None) -> dict[int, float]:
    """Each learner's mean best quiz score in the course (of the learners the viewer may see)."""
    from .analysis import scoped_attempts

    best = db.execute(select(QuizAttempt.user_id, QuizAttempt.quiz_id, func.max(QuizAttempt.scaled))
                      .where(QuizAttempt.org_id == org.id, QuizAttempt.course_slug == course.slug,
                             QuizAttempt.status == "submitted", *scoped_attempts(viewer))
                      .group_by(QuizAttempt.user_id, QuizAttempt.quiz_id)).all()
    per_user = defaultdict(list)
    for user_id, _quiz, scaled in best:
        per_user[user_id].append(float(scaled or 0))
    return {user_id: sum(v) / len(v) for user_id, v in per_user.items()}


def _row(department: str, people: list, scores: dict[int, float], k: int, with_scores: bool) -> GroupRow:
    counts = Counter(status for _u, _d, status, _p in people)
    statuses = {s: suppress(counts.get(s, 0), k) for s in STATUSES}
    hidden = [s for s in STATUSES if statuses[s] is None]
    if len(hidden) == 1:  # secondary suppression: the total would reveal a single hidden cell
        others = sorted((counts[s], s) for s in STATUSES if statuses[s])
        if others:
            statuses[others[0][1]] = None
    total = suppress(len(people), k)
    row = GroupRow(department, total, statuses)
    if total:
        row.average_progress = sum(p for *_x, p in people) / len(people)
        scored = [scores[u] for u, *_x in people if u in scores]
        if with_scores and len(scored) >= k:
            row.average_score = sum(scored) / len(scored)
    return row


def group_table(db: Session, org: Organisation, course: Course, flt: AggregateFilters, k: int,
                with_scores: bool = True, viewer=None) -> tuple[list[GroupRow], GroupRow]:
    """One row per department (too small ones show no figures) and the row of everyone matching the filters;
    with a viewer only over the learners that viewer may see (a department-limited trainer: their departments)."""
    people = _people(db, org, course, flt, viewer)
    scores = _best_scores(db, org, course, viewer) if with_scores else {}
    by_department = defaultdict(list)
    for person in people:
        by_department[person[1]].append(person)
    rows = [_row(d, group, scores, k, with_scores) for d, group in sorted(by_department.items())]
    hidden = [row for row in rows if row.learners is None]
    if len(hidden) == 1:  # the total minus the other departments would give the one hidden department away
        shown = sorted((row for row in rows if row.learners), key=lambda row: row.learners)
        if shown:
            _hide(shown[0])
    return rows, _row("", people, scores, k, with_scores)


def _hide(row: GroupRow) -> None:
    row.learners, row.average_progress, row.average_score = None, None, None
    row.statuses = {s: None for s in STATUSES}


def suppressed_series(data: list[tuple[str, int]], k: int) -> list[tuple[str, int | None]]:
    """Chart data with every bar of 1..k-1 people replaced by None."""
    return [(label, suppress(value, k)) for label, value in data]


@dataclass
class QuestionAggregate:
    """A question's figures over the people who answered it; None where a group would be smaller than k."""

    key: str
    type: str
    people: int | None
    correct_rate: float | None
    mean_share: float | None


def question_aggregates(db: Session, org_id: int, course_slug: str, quiz_id: str, k: int,
                        viewer=None) -> list[QuestionAggregate]:
    """Per question: people who answered, and the share answering right (only if both sides count ≥ k or 0);
    with a viewer only over the learners that viewer may see."""
    from .analysis import scoped_attempts

    rows = db.execute(select(QuestionResult.question_key, QuestionResult.question_type, QuizAttempt.user_id,
                             QuestionResult.correct, QuestionResult.score, QuestionResult.max_score)
                      .join(QuizAttempt, QuizAttempt.id == QuestionResult.attempt_id)
                      .where(QuestionResult.org_id == org_id, QuestionResult.course_slug == course_slug,
                             QuestionResult.quiz_id == quiz_id, *scoped_attempts(viewer))).all()
    by_person: dict[str, dict[int, tuple]] = defaultdict(dict)
    types = {}
    for key, kind, user_id, correct, score, maximum in rows:
        types[key] = kind
        share = score / maximum if maximum else 0.0
        best = by_person[key].get(user_id)
        if best is None or share > best[1]:
            by_person[key][user_id] = (bool(correct), share)
    out = []
    for key, people in sorted(by_person.items()):
        n = len(people)
        right = sum(1 for correct, _s in people.values() if correct)
        shown = suppress(n, k) is not None and n > 0
        rate_ok = shown and suppress(right, k) is not None and suppress(n - right, k) is not None
        out.append(QuestionAggregate(key, types[key], n if shown else None, right / n if rate_ok else None,
                                     sum(s for _c, s in people.values()) / n if shown else None))
    return out
