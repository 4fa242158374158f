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
    assert runner.invoke(args=["jobs", "run", "--once"]).output.count(": 0") == 7  # nothing new the second time
