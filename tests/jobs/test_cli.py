"""The commands a cron job runs: `flask jobs run --once` and `flask mail send --once`."""
from __future__ import annotations

from sqlalchemy import select

from lms.mail.models import SENT, Mail


def test_jobs_cli_run_once_then_mail_send_once(app, db, world, runner):
    """jobs run --once prints what each job did; mail send --once delivers (keeps, without SMTP) the queue."""
    from lms.assignments import services

    with app.test_request_context():
        services.create_assignment(db, db.merge(world["trainer_a"]), "mini", scope="organisation", due_days=3)
        db.commit()
    result = runner.invoke(args=["jobs", "run", "--once"])
    assert result.exit_code == 0 and "reminders: 2" in result.output
    result = runner.invoke(args=["mail", "send", "--once"])
    assert result.exit_code == 0 and "delivered 4 mail(s)" in result.output  # 2 assignment notices, 2 reminders
    db.rollback()
    assert {m.status for m in db.scalars(select(Mail))} == {SENT}
    # nothing new the second time (7 scheduler jobs and the registered privacy_retention job)
    assert runner.invoke(args=["jobs", "run", "--once"]).output.count(": 0") == 8


def test_jobs_in_app_loop_runs_scheduler_and_mail(app, db, world, monkeypatch):
    """One turn of the in-app loop (LMS_RELAY_IN_APP) runs the scheduler and delivers mail; the
    `flask xapi relay` process (a loop of the forwarding pass alone) does neither."""
    from lms.assignments import services
    from lms.loops import PASSES_KEY, PassLoop

    with app.test_request_context():
        services.create_assignment(db, db.merge(world["trainer_a"]), "mini", scope="organisation", due_days=3)
        db.commit()
    passes = app.extensions[PASSES_KEY]
    assert {"forwarding", "mail", "jobs", "lti-passback", "cmi5-statements"} <= set(passes)
    cli_relay = PassLoop(app, {"forwarding": passes["forwarding"]}, 1.0)
    monkeypatch.setattr(cli_relay.stop_event, "wait", lambda _interval: cli_relay.stop_event.set())
    cli_relay.loop()
    db.rollback()
    assert {m.status for m in db.scalars(select(Mail))} == {"pending"}
    in_app = PassLoop(app, passes, 1.0)
    monkeypatch.setattr(in_app.stop_event, "wait", lambda _interval: in_app.stop_event.set())
    in_app.loop()
    db.rollback()
    mails = db.scalars(select(Mail)).all()
    assert {m.kind for m in mails} == {"assignment", "reminder"}  # the scheduler ran in the loop
    assert {m.status for m in mails if m.kind == "assignment"} == {SENT}  # queued before the pass: delivered
