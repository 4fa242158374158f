"""Read-only queries for trainer reports; every one is scoped to one organisation and reads projections."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, literal, or_, select, true, union_all
from sqlalchemy.orm import Session, load_only

from ..auth.models import Department, Organisation, User
from ..auth.pseudonyms import display_name
from ..courses.content import Course
from ..courses.models import Enrolment, LessonProgress, ModuleProgress, module_status
from ..db import utcnow
from ..privacy import settings as privacy_settings
from ..quizzes.models import QuizAttempt

STATUSES = ("not_started", "in_progress", "completed")


class PersonLevelRefused(Exception):
    """The organisation reports in aggregate only: no query may return one person's data."""


def require_person_level(db: Session, org: Organisation):
    """The privacy settings in force; raises PersonLevelRefused when the organisation reports in aggregate only."""
    active = privacy_settings.current(db, org)
    if active.aggregate_only:
        raise PersonLevelRefused(org.id)
    return active


SORTS = {"name": User.name,
         "department": select(Department.name).where(Department.id == User.department_id).scalar_subquery(), "progress": Enrolment.progress,
         "activity": Enrolment.last_activity_at}


@dataclass(frozen=True)
class Filters:
    """What the trainer chose on the overview: department, status, search text, sort, page."""

    department: str = ""
    status: str = ""
    search: str = ""
    sort: str = "name"
    descending: bool = False
    page: int = 1
    per_page: int = 50

    @classmethod
    def from_args(cls, args) -> "Filters":
        """Read filters from query arguments, ignoring anything invalid."""
        sort = args.get("sort", "name")
        status = args.get("status", "")
        try:
            page = min(max(1, int(args.get("page", 1))), 1_000_000)  # the OFFSET must fit a 64-bit integer
        except ValueError:
            page = 1
        try:
            per_page = min(500, max(10, int(args.get("per_page", 50))))
        except ValueError:
            per_page = 50
        return cls(department=args.get("department", "")[:100], status=status if status in STATUSES else "",
                   search=args.get("q", "").strip()[:100], sort=sort if sort in SORTS else "name",
                   descending=args.get("dir") == "desc", page=page, per_page=per_page)

    def args(self, **changes) -> dict:
        """Query arguments for a link with some filters changed."""
        values = {"department": self.department, "status": self.status, "q": self.search, "sort": self.sort,
                  "dir": "desc" if self.descending else "asc", "page": self.page, "per_page": self.per_page}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}


@dataclass
class LearnerRow:
    """One line of the learners × modules matrix."""

    user: User
    display_name: str
    enrolment: Enrolment | None
    modules: dict[str, str] = field(default_factory=dict)  # module id -> not_started/in_progress/done/passed
    average_score: float | None = None
    final_score: float | None = None

    @property
    def status(self) -> str:
        """not_started / in_progress / completed for the whole course."""
        if self.enrolment is None:
            return "not_started"
        return "completed" if self.enrolment.completed_at else "in_progress"


def sort_column(org: Organisation, sort: str):
    """The column to sort by; in pseudonymous mode "name" orders by the random actor id, never by the real name."""
    if sort == "name" and org.pseudonymous_reports:
        return User.actor_id
    return SORTS[sort]


def _learner_query(org: Organisation, course: Course, filters: Filters):
    join = and_(Enrolment.user_id == User.id, Enrolment.course_slug == course.slug)
    query = (select(User, Enrolment).outerjoin(Enrolment, join)
             .where(User.org_id == org.id, User.role == "learner", User.active.is_(True)))
    if filters.department:
        query = query.where(User.department_id.in_(select(Department.id).where(
            Department.org_id == org.id, Department.name == filters.department)))
    if filters.status == "not_started":
        query = query.where(Enrolment.id.is_(None))
    elif filters.status == "in_progress":
        query = query.where(Enrolment.id.is_not(None), Enrolment.completed_at.is_(None))
    elif filters.status == "completed":
        query = query.where(Enrolment.completed_at.is_not(None))
    if filters.search and not org.pseudonymous_reports:
        pattern = f"%{filters.search.lower()}%"
        query = query.where(or_(func.lower(User.name).like(pattern), func.lower(User.email).like(pattern)))
    return query


def learner_rows(db: Session, org: Organisation, course: Course, filters: Filters,
                 paginate: bool = True, viewer=None) -> tuple[list[LearnerRow], int]:
    """The matrix rows for one page (or all rows), and the number of learners matching the filters; with a
    ``viewer``, only the learners in their scope (lms/auth/scope.py)."""
    from ..auth.scope import learner_filter

    require_person_level(db, org)
    query = _learner_query(org, course, filters)
    if viewer is not None:
        query = query.where(learner_filter(viewer))
    total = db.scalar(select(func.count()).select_from(query.subquery()))
    column = sort_column(org, filters.sort)
    order = column.desc() if filters.descending else column.asc()
    query = query.order_by(order.nulls_last() if filters.sort in ("progress", "activity") else order, User.id)
    if paginate:
        query = query.limit(filters.per_page).offset((filters.page - 1) * filters.per_page)
    else:  # the exports of every learner read these columns only (_export_rows in views.py)
        query = query.options(load_only(User.name, User.actor_id, User.department_id, User.org_id),
                              load_only(Enrolment.progress, Enrolment.completed_at, Enrolment.last_activity_at))
    pairs = db.execute(query).all()
    rows = [LearnerRow(user=u, display_name=display_name(org, u), enrolment=e) for u, e in pairs]
    _fill_rows(db, course, rows)
    return rows, total


def _fill_rows(db: Session, course: Course, rows: list[LearnerRow]) -> None:
    """Module states and scores for the given rows only, so the cost follows the rows shown."""
    by_enrolment = {row.enrolment.id: row for row in rows if row.enrolment is not None}
    if not by_enrolment:
        return
    # Columns, not objects: a CSV of all learners reads tens of thousands of these rows.
    progress = select(ModuleProgress.enrolment_id, ModuleProgress.module_id, ModuleProgress.completed_at,
                      ModuleProgress.lessons_done, ModuleProgress.lessons_total, ModuleProgress.quiz_best_score)
    for enrolment_id, module_id, *state in db.execute(progress.where(ModuleProgress.enrolment_id.in_(by_enrolment))):
        by_enrolment[enrolment_id].modules[module_id] = module_status(*state)
    best = db.execute(select(QuizAttempt.enrolment_id, QuizAttempt.quiz_id, func.max(QuizAttempt.scaled))
                      .where(QuizAttempt.enrolment_id.in_(by_enrolment), QuizAttempt.status == "submitted")
                      .group_by(QuizAttempt.enrolment_id, QuizAttempt.quiz_id)).all()
    scores = defaultdict(dict)
    for enrolment_id, quiz_id, scaled in best:
        scores[enrolment_id][quiz_id] = scaled
    for enrolment_id, row in by_enrolment.items():
        module_scores = [s for q, s in scores[enrolment_id].items() if q != course.final_exam]
        row.average_score = sum(module_scores) / len(module_scores) if module_scores else None
        row.final_score = scores[enrolment_id].get(course.final_exam) if course.final_exam else None


def sessions(events: list[dict], gap_minutes: int = 30) -> list[dict]:
    """Timeline events (newest first) grouped into learning sessions: a new one after ``gap_minutes`` idle."""
    groups: list[dict] = []
    for event in events:
        if groups and groups[-1]["start"] - event["when"] <= timedelta(minutes=gap_minutes):
            groups[-1]["events"].append(event)
            groups[-1]["start"] = event["when"]
        else:
            groups.append({"start": event["when"], "end": event["when"], "events": [event]})
    return groups


def departments(db: Session, org: Organisation, viewer=None) -> list[str]:
    """The organisation's departments (groups) that have learners (those the viewer may see)."""
    people = select(User.department_id).where(User.org_id == org.id, User.role == "learner", _scope(viewer))
    return list(db.scalars(select(Department.name).where(Department.org_id == org.id, Department.id.in_(people))
                           .order_by(Department.name)))


def _scope(viewer):
    """The viewer's department scope as a condition on User (no condition without a viewer)."""
    from ..auth.scope import learner_filter

    return learner_filter(viewer) if viewer is not None else true()


@dataclass(frozen=True)
class Summary:
    """Headline figures for the organisation in one course."""

    learners: int
    enrolled: int
    completed: int
    average_progress: float
    average_score: float | None


def summary(db: Session, org: Organisation, course: Course, bands: ScoreBands, viewer=None) -> Summary:
    """Learners, enrolled, completed, average progress, and 'Ø Quiz' (same definition as the matrix column, computed
    with the score bands: pass the viewer's bands), over the learners the viewer may see."""
    learners = db.scalar(select(func.count(User.id)).where(User.org_id == org.id, User.role == "learner",
                                                           User.active.is_(True), _scope(viewer)))
    enrolled, completed, progress = db.execute(
        select(func.count(Enrolment.id), func.count(Enrolment.completed_at), func.avg(Enrolment.progress))
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.org_id == org.id, Enrolment.course_slug == course.slug, User.active.is_(True),
               _scope(viewer))).one()
    return Summary(learners, enrolled, completed, float(progress or 0), bands.quiz_average)


def average_quiz_score(db: Session, org: Organisation, course: Course, viewer=None) -> float | None:
    """'Ø Quiz' as in the matrix column, over all active learners: each learner's mean best module-quiz score
    (final exam excluded), averaged over the learners who have one."""
    best = (select(QuizAttempt.enrolment_id.label("enrolment_id"), func.max(QuizAttempt.scaled).label("best"))
            .join(User, User.id == QuizAttempt.user_id)
            .where(QuizAttempt.org_id == org.id, QuizAttempt.course_slug == course.slug,
                   QuizAttempt.status == "submitted", QuizAttempt.quiz_id != (course.final_exam or ""),
                   User.active.is_(True), _scope(viewer))
            .group_by(QuizAttempt.enrolment_id, QuizAttempt.quiz_id).subquery())
    per_learner = select(func.avg(best.c.best).label("mean")).group_by(best.c.enrolment_id).subquery()
    value = db.scalar(select(func.avg(per_learner.c.mean)))
    return None if value is None else float(value)


def completions_by_week(db: Session, org: Organisation, course: Course, weeks: int = 12,
                        viewer=None) -> list[tuple[datetime, int]]:
    """Completed enrolments per ISO week over the last weeks (oldest first), of the learners the viewer may see."""
    now = utcnow()
    start = (now - timedelta(weeks=weeks - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    start -= timedelta(days=start.weekday())
    dates = db.scalars(select(Enrolment.completed_at).join(User, User.id == Enrolment.user_id)
                       .where(Enrolment.org_id == org.id, Enrolment.course_slug == course.slug,
                              Enrolment.completed_at >= start, _scope(viewer)))
    counts = Counter((d - timedelta(days=d.weekday())).date() for d in dates)
    return [(start + timedelta(weeks=i), counts.get((start + timedelta(weeks=i)).date(), 0)) for i in range(weeks)]


@dataclass
class ScoreBands:
    """Best quiz scores per (learner, quiz): how many fall into each 10 % band, and their mean; and 'Ø Quiz'."""

    counts: list[int]
    average: float | None
    quiz_average: float | None = None  # 'Ø Quiz' as in average_quiz_score, from the same best scores


def score_bands(db: Session, org: Organisation, course: Course, buckets: int = 10, viewer=None) -> ScoreBands:
    """Count and average the best submitted score per (enrolment, quiz), and 'Ø Quiz' (average_quiz_score's
    definition), in one statement: the best scores are computed once (a CTE over the covering index
    ix_quiz_attempts_org_best) for both aggregates, of the learners the viewer may see."""
    best = (select(QuizAttempt.enrolment_id, QuizAttempt.quiz_id, func.max(QuizAttempt.scaled).label("best"),
                   func.min(case((User.active.is_(True), 1), else_=0)).label("active"))
            .join(User, User.id == QuizAttempt.user_id)
            .where(QuizAttempt.org_id == org.id, QuizAttempt.course_slug == course.slug,
                   QuizAttempt.status == "submitted", _scope(viewer))
            .group_by(QuizAttempt.enrolment_id, QuizAttempt.quiz_id).cte("best"))
    # Banding in SQL with CASE (not CAST, which rounds on PostgreSQL and truncates on SQLite).
    band = case(*[(func.coalesce(best.c.best, 0) >= i / buckets, i) for i in range(buckets - 1, 0, -1)], else_=0)
    per_learner = (select(func.avg(best.c.best).label("mean"))
                   .where(best.c.active == 1, best.c.quiz_id != (course.final_exam or ""))
                   .group_by(best.c.enrolment_id).subquery())
    statement = union_all(
        select(literal("band").label("kind"), band.label("band"), func.count().label("n"),
               func.sum(best.c.best).label("value")).group_by(band),
        select(literal("quiz").label("kind"), literal(0).label("band"), literal(0).label("n"),
               func.avg(per_learner.c.mean).label("value")))
    counts = [0] * buckets
    total, weighted, quiz_average = 0, 0.0, None
    for kind, index, count, value in db.execute(statement):
        if kind == "quiz":
            quiz_average = None if value is None else float(value)
            continue
        counts[int(index)] += count
        total += count
        weighted += float(value or 0)
    return ScoreBands(counts, weighted / total if total else None, quiz_average)


def inactive_learners(db: Session, org: Organisation, course: Course, days: int) -> list[tuple[User, datetime | None]]:
    """Active learners without course activity for `days` days (never started counts from account creation)."""
    require_person_level(db, org)
    cutoff = utcnow() - timedelta(days=days)
    join = and_(Enrolment.user_id == User.id, Enrolment.course_slug == course.slug)
    rows = db.execute(select(User, Enrolment.last_activity_at).outerjoin(Enrolment, join)
                      .where(User.org_id == org.id, User.role == "learner", User.active.is_(True),
                             Enrolment.completed_at.is_(None),
                             or_(Enrolment.last_activity_at < cutoff,
                                 and_(Enrolment.id.is_(None), User.created_at < cutoff)))
                      .order_by(Enrolment.last_activity_at.asc().nulls_first(),
                                sort_column(org, "name")).limit(200)).all()
    return [(user, last) for user, last in rows]


def learner(db: Session, org: Organisation, user_id: int) -> User | None:
    """A learner of this organisation, or None (so other organisations' ids answer 404)."""
    require_person_level(db, org)
    return db.scalar(select(User).where(User.id == user_id, User.org_id == org.id))


def lesson_records(db: Session, enrolment: Enrolment) -> dict[str, LessonProgress]:
    """The learner's lesson records by lesson id."""
    return {r.lesson_id: r for r in db.scalars(select(LessonProgress)
                                               .where(LessonProgress.enrolment_id == enrolment.id))}


def attempts_of(db: Session, enrolment: Enrolment) -> list[QuizAttempt]:
    """All quiz attempts of an enrolment, newest first."""
    return list(db.scalars(select(QuizAttempt).where(QuizAttempt.enrolment_id == enrolment.id)
                           .order_by(QuizAttempt.started_at.desc())))


def timeline(db: Session, org: Organisation, user: User, limit: int = 100, lang: str = "de") -> list[dict]:
    """The learner's most recent xAPI statements (course data only), newest first, texts in ``lang`` where
    present; a question's text (its description) instead of its key."""
    import json

    if not require_person_level(db, org).shows_answers:
        return []

    from ..lrs.models import Statement

    rows = db.scalars(select(Statement).where(Statement.org_id == org.id, Statement.user_id == user.id)
                      .order_by(Statement.seq.desc()).limit(limit))
    out = []
    for row in rows:
        data = json.loads(row.raw)
        verb = data.get("verb", {}).get("display", {})
        obj = data.get("object", {})
        definition = obj.get("definition", {}) if isinstance(obj, dict) else {}
        name = definition.get("description") or definition.get("name") or {}
        result = data.get("result", {})
        first, second = ("en-US", "de-DE") if lang == "en" else ("de-DE", "en-US")
        out.append({"when": row.timestamp, "verb": verb.get(first) or verb.get(second) or row.verb_id,
                    "object": name.get(first) or name.get(second) or (row.activity_id or ""),
                    "score": (result.get("score") or {}).get("scaled"), "success": result.get("success"),
                    "id": row.statement_id})
    return out
