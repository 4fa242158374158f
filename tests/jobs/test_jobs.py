"""Scheduler jobs: idempotent under two concurrent runs, legal-change re-assignment, unsubscribe, digest rules."""
from __future__ import annotations

import re
import shutil
import threading

from sqlalchemy import select

from conftest import TEST_COURSES, login, make_app
from lms.assignments import services as assignments
from lms.assignments.models import LearnerAssignment
from lms.jobs import reminders
from lms.jobs.runner import run_once
from lms.mail.models import Mail
from lms.mail.worker import MailWorker
from tests_quiz_helpers import answer_all, complete_course


def _assign_all(app, db, world, **kwargs):
    with app.test_request_context():
        assignments.create_assignment(db, db.merge(world["trainer_a"]), "mini", scope="organisation", **kwargs)
        db.commit()


def _mails(db, kind: str) -> list[Mail]:
    db.rollback()
    return db.scalars(select(Mail).where(Mail.kind == kind).order_by(Mail.id)).all()


def test_jobs_stage_picks_one_reminder_per_moment():
    """7 and 1 days before, the due day, then overdue periods; far ahead there is nothing."""
    from datetime import datetime, timedelta, timezone

    due = datetime(2027, 3, 15, 23, 59, tzinfo=timezone.utc)
    at = lambda days: due - timedelta(days=days)  # noqa: E731
    assert reminders.stage(at(8), due, [7, 1], 7) is None
    assert reminders.stage(at(7), due, [7, 1], 7) == "before7"
    assert reminders.stage(at(2), due, [7, 1], 7) == "before7"
    assert reminders.stage(at(1), due, [7, 1], 7) == "before1"
    assert reminders.stage(at(0.9), due, [7, 1], 7) == "dueday"
    assert reminders.stage(at(-3), due, [7, 1], 7) == "overdue0"
    assert reminders.stage(at(-8), due, [7, 1], 7) == "overdue1"


def test_jobs_two_concurrent_runs_queue_each_reminder_once(cycle_app, cycle_db, cycle_world):
    """Two scheduler runs at the same moment (threads) queue one reminder per learner, not two."""
    _assign_all(cycle_app, cycle_db, cycle_world, due_days=5)
    errors = []

    def run():
        try:
            run_once(cycle_app)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    reminder_mails = _mails(cycle_db, "reminder")
    assert sorted(m.to_addr for m in reminder_mails) == ["learner2@alpha.example", "learner@alpha.example"]


def test_jobs_unsubscribe_stops_reminders_not_assignments(cycle_app, cycle_db, cycle_world, smtp_server):
    """The one-click link in a reminder switches reminders off; the next stage sends none to that learner."""
    recorder, _ = smtp_server
    _assign_all(cycle_app, cycle_db, cycle_world, due_days=14)
    cycle_app.clock.advance(days=7)
    run_once(cycle_app)
    MailWorker(cycle_app).run_pass()
    reminder = next(m for m in recorder.messages if m["To"] == "learner@alpha.example" and "Erinnerung" in m["Subject"])
    link = re.match(r"<http://lms\.test(/mail/unsubscribe\?token=[^>]+)>", reminder["List-Unsubscribe"]).group(1)
    assert reminder["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    raw = recorder.raw[recorder.messages.index(reminder)]
    assert f"List-Unsubscribe: <http://lms.test{link}>".encode() in raw  # a plain URL, not encoded words
    mail_program = cycle_app.test_client()
    assert mail_program.post(link, data={"List-Unsubscribe": "One-Click"}, csrf=False).status_code == 200
    cycle_app.clock.advance(days=6)
    run_once(cycle_app)
    recipients = [m.to_addr for m in _mails(cycle_db, "reminder")]
    assert recipients.count("learner@alpha.example") == 1 and recipients.count("learner2@alpha.example") == 2
    assert cycle_app.test_client().post("/mail/unsubscribe?token=forged", csrf=False).status_code == 400


def test_jobs_digest_only_when_something_to_report(cycle_app, cycle_db, cycle_world):
    """No assignments, no digest; an overdue learner makes one digest per trainer and week."""
    assert run_once(cycle_app)["digests"] == 0
    _assign_all(cycle_app, cycle_db, cycle_world, due_days=1)
    cycle_app.clock.advance(days=2)
    assert run_once(cycle_app)["digests"] == 1
    assert run_once(cycle_app)["digests"] == 0  # once per week
    [digest] = _mails(cycle_db, "digest")
    assert digest.to_addr == "trainer@alpha.example" and digest.context["overdue_count"] == 2


def test_jobs_legal_change_reassigns_everyone_on_the_old_version(database_url, tmp_path, smtp_server):
    """A new version of a legal module re-assigns the course to holders of certificates on the old version."""
    from factories import build_world

    first = make_app(database_url, tmp_path)
    db = first.extensions["lms_db"][1]()
    world = build_world(db)
    _assign_all(first, db, world)
    client = first.test_client()
    login(client, world["learner_a"].email)
    complete_course(first, client, db)
    first.extensions["lms_db"][0].dispose()

    courses = tmp_path / "courses"
    shutil.copytree(TEST_COURSES, courses)
    module = courses / "mini" / "modules" / "02-more" / "module.toml"
    module.write_text(re.sub(r'version = "[^"]+"', 'version = "2027-01-01"', module.read_text(encoding="utf-8"),
                             count=1), encoding="utf-8")
    second = make_app(database_url, tmp_path / "second", COURSES_DIR=str(courses))
    assert run_once(second)["reassigned_legal"] == 1
    assert run_once(second)["reassigned_legal"] == 0
    db.rollback()
    items = db.scalars(select(LearnerAssignment).where(LearnerAssignment.user_id == world["learner_a"].id)
                       .order_by(LearnerAssignment.id)).all()
    assert [i.reason for i in items] == ["assigned", "legal_change"] and items[1].due_at is not None
    client = second.test_client()
    login(client, world["learner_a"].email)
    answer_all(second, client, db, "m2")
    db.rollback()
    assert db.get(LearnerAssignment, items[1].id).completed_at is not None
    db.close()
    second.extensions["lms_db"][0].dispose()


def test_jobs_in_app_loops_of_two_nodes_take_turns(app, database_url, tmp_path, world):
    """Two app servers' in-app loops on one database: the second finds the first's run and waits its turn."""
    from datetime import datetime, timezone

    from conftest import make_app
    from lms import clock

    other = make_app(database_url, tmp_path / "node-b")
    frozen = clock.FrozenClock(datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc))
    for node in (app, other):
        clock.install(node, frozen)
    try:
        assert run_once(app, min_interval=300) != {}
        assert run_once(other, min_interval=300) == {}
        assert run_once(other) != {}  # `flask jobs run --once` (cron) always runs
        frozen.advance(seconds=301)
        other.config["JOBS_INTERVAL"] = 300
        assert other.extensions["lms_loop_passes"]["jobs"](other) != {}  # node B's in-app loop takes this turn
        assert run_once(app, min_interval=300) == {}
    finally:
        other.extensions["lms_db"][0].dispose()
