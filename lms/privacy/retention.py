"""Retention (Art. 5(1)(e) GDPR): per organisation, remove what is older than its period; every run is logged.

Statements older than N months are deleted (with their index and outbox rows). Attempt details are reduced to
what aggregate reports need: the per-question score stays, the given answer and the attempt's raw form values go.
Certificates and guideline acknowledgements have their own periods. Running twice changes nothing the second time.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import Text, cast, func, null, select, update
from sqlalchemy.orm import Session

from ..auth.models import Organisation
from ..db import utcnow
from . import inventory, settings
from .models import RetentionRun


def months_before(moment: datetime, months: int) -> datetime:
    """The same moment ``months`` calendar months earlier (the day clipped to the month's length)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    month += 1
    days = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
            31][month - 1]
    return moment.replace(year=year, month=month, day=min(moment.day, days))


def apply(db: Session, org: Organisation, now: datetime | None = None) -> RetentionRun:
    """Apply the organisation's retention periods once and log the run."""
    from ..certificates.models import Certificate
    from ..guidelines.models import GuidelineAcknowledgement
    from ..quizzes.models import QuestionResult, QuizAttempt
    from ..lrs.models import Statement

    now = now or utcnow()
    active = settings.current(db, org)
    cutoff = months_before(now, active.retention_months)
    counts = {}
    deleted: Counter = Counter()
    statements = Statement.__table__
    inventory.delete_tree(db, statements, (statements.c.org_id == org.id) & (statements.c.stored < cutoff), deleted)
    old_attempts = select(QuizAttempt.id).where(QuizAttempt.org_id == org.id, QuizAttempt.started_at < cutoff)
    counts["quiz_question_results"] = db.execute(
        update(QuestionResult).where(QuestionResult.attempt_id.in_(old_attempts),
                                     (QuestionResult.answer.is_not(None)) | (QuestionResult.response != ""))
        .values(answer=null(), response="").execution_options(synchronize_session=False)).rowcount or 0
    counts["quiz_attempts"] = db.execute(
        update(QuizAttempt).where(QuizAttempt.id.in_(old_attempts), QuizAttempt.status != "open",
                                  func.length(cast(QuizAttempt.answers, Text)) > 2)
        .values(answers={}).execution_options(synchronize_session=False)).rowcount or 0
    certificates = Certificate.__table__
    inventory.delete_tree(db, certificates, (certificates.c.org_id == org.id) & (
        certificates.c.issued_at < months_before(now, active.certificate_retention_months)), deleted)
    acks = GuidelineAcknowledgement.__table__
    inventory.delete_tree(db, acks, (acks.c.org_id == org.id) & (
        acks.c.acknowledged_at < months_before(now, active.acknowledgement_retention_months)), deleted)
    counts.update({k: v for k, v in deleted.items() if v})
    run = RetentionRun(org_id=org.id, ran_at=now, settings_version=active.version,
                       counts={k: v for k, v in sorted(counts.items()) if v})
    db.add(run)
    db.flush()
    return run


def apply_all(db: Session, now: datetime | None = None) -> list[RetentionRun]:
    """Apply retention to every organisation (what the scheduled job calls)."""
    return [apply(db, org, now) for org in db.scalars(select(Organisation).order_by(Organisation.id))]


def apply_due(db: Session, now: datetime | None = None, every: timedelta = timedelta(hours=23)) -> int:
    """The scheduler's job: apply retention to organisations whose last run is older than ``every``."""
    now = now or utcnow()
    count = 0
    for org in db.scalars(select(Organisation).order_by(Organisation.id)):
        last = db.scalar(select(func.max(RetentionRun.ran_at)).where(RetentionRun.org_id == org.id))
        if isinstance(last, str):  # aggregates bypass the column type on SQLite
            last = datetime.fromisoformat(last)
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=now.tzinfo)
        if last is None or now - last >= every:
            apply(db, org, now)
            count += 1
    return count


def runs(db: Session, org_id: int, limit: int = 20) -> list[RetentionRun]:
    """The organisation's latest retention runs, newest first."""
    return list(db.scalars(select(RetentionRun).where(RetentionRun.org_id == org_id)
                           .order_by(RetentionRun.ran_at.desc(), RetentionRun.id.desc()).limit(limit)))

