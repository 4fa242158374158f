"""The scheduler: assignments for late joiners, overdue marks, reminders, re-certification, expiry notices, digest.

Driven by `flask --app lms jobs run [--once]` (cron: --once) and by the in-app relay loop (LMS_RELAY_IN_APP).
"""
from flask import Flask


def init_app(app: Flask) -> None:
    """Settings, the CLI, and a pass in the in-app loop (run at most every JOBS_INTERVAL seconds)."""
    from ..loops import at_most_every, register_pass
    from . import cli
    from .runner import run_in_turn

    app.config.setdefault("REMINDER_DAYS", [7, 1])  # reminders this many days before the due date
    app.config.setdefault("REMINDER_OVERDUE_EVERY_DAYS", 7)  # at most one overdue reminder per period
    app.config.setdefault("RECERT_LEAD_DAYS", 30)  # default lead time when an assignment has none
    app.config.setdefault("RECERT_LEGAL_DUE_DAYS", 30)  # due date after a legal module changed
    app.config.setdefault("JOBS_INTERVAL", 300.0)  # seconds between runs in the in-app loop
    app.cli.add_command(cli.jobs_cli)
    # The interval is checked here (cheap, per process) and again against the shared job_runs row (per database).
    register_pass(app, "jobs", at_most_every("JOBS_INTERVAL", run_in_turn))

