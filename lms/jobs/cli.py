"""CLI: `flask --app lms jobs run [--once]`."""
from __future__ import annotations

from flask import current_app
from flask.cli import AppGroup

from ..cli import once_or_loop, run_once_or_loop

jobs_cli = AppGroup("jobs", help="Scheduled jobs: reminders, overdue, re-certification, digests.")


@jobs_cli.command("run")
@once_or_loop(None, "Run every job once (for cron), then exit.", "Seconds between runs (default: JOBS_INTERVAL).")
def run_command(once: bool, interval: float | None):
    """Compute and queue what is due now; idempotent, safe to run in several processes."""
    from .runner import run_once

    run_once_or_loop("scheduler", run_once, lambda done: "\n".join(f"{name}: {count}" for name, count in done.items()),
                     once=once, interval=interval or float(current_app.config["JOBS_INTERVAL"]))
