"""Retention: statements and answers older than N months go, scores stay; certificates by their own period;
every run is logged; a second run changes nothing."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from helpers import learn, set_privacy
from lms.privacy import retention
from lms.privacy.models import RetentionRun
from lms.quizzes.models import QuestionResult, QuizAttempt
from lms.lrs.models import Statement


def test_retention_months_before_clips_the_day():
    """31 March minus one month is 28/29 February; 12 months back is the same day a year earlier."""
    moment = datetime(2026, 3, 31, 12, tzinfo=timezone.utc)
    assert retention.months_before(moment, 1).date().isoformat() == "2026-02-28"
    assert retention.months_before(moment, 12).date().isoformat() == "2025-03-31"
    assert retention.months_before(datetime(2024, 3, 30, tzinfo=timezone.utc), 1).day == 29


def test_retention_purges_old_statements_and_answers_once(app, world, db):
    """Twelve months later everything older goes: statements deleted, answers blanked, scores kept; idempotent."""
    learn(app, "learner@alpha.example", quiz=True)
    set_privacy(app, db, world["org_a"], world["admin_a"], retention_months=12)
    count = db.scalar(select(func.count()).select_from(Statement).where(Statement.org_id == world["org_a"].id))
    answered = len(db.scalars(select(QuestionResult)).all())
    later = datetime.now(timezone.utc) + timedelta(days=370)
    with app.app_context():
        run = retention.apply(db, world["org_a"], later)
        db.commit()
        assert run.counts["xapi_statements"] == count and run.counts["quiz_question_results"] == answered
        assert run.settings_version == 1
        again = retention.apply(db, world["org_a"], later)
        db.commit()
    assert again.counts == {}
    assert db.scalar(select(func.count()).select_from(Statement).where(Statement.org_id == world["org_a"].id)) == 0
    results = db.scalars(select(QuestionResult)).all()
    assert results and all(r.answer is None and r.response == "" for r in results)
    attempt = db.scalar(select(QuizAttempt))
    assert attempt.scaled is not None and attempt.answers == {}
    assert len(db.scalars(select(RetentionRun).where(RetentionRun.org_id == world["org_a"].id)).all()) == 2


def test_retention_keeps_recent_data_and_other_orgs(app, world, db):
    """Data younger than the period stays; another organisation's data is untouched by A's run."""
    learn(app, "learner@alpha.example")
    learn(app, "learner@beta.example")
    with app.app_context():
        retention.apply_all(db, datetime.now(timezone.utc) + timedelta(days=30))
        db.commit()
    assert db.scalar(select(func.count()).select_from(Statement)) > 0


def test_retention_cli_logs_each_organisation(runner, world, db):
    """`flask privacy retention` runs once per organisation and logs the run."""
    result = runner.invoke(args=["privacy", "retention"])
    assert result.exit_code == 0, result.output
    assert "org " in result.output
    assert len(db.scalars(select(RetentionRun)).all()) == 2


def test_retention_runs_from_the_jobs_scheduler_once_a_day(app, world, db):
    """`flask jobs run` applies retention to each organisation; a second run the same day does not log again."""
    from lms.jobs.runner import run_once

    first = run_once(app)
    second = run_once(app)
    assert first["privacy_retention"] == 2 and second["privacy_retention"] == 0
    assert len(db.scalars(select(RetentionRun)).all()) == 2
