"""CLI: `flask --app lms jobs run [--once]`."""
from __future__ import annotations

import signal

import click
from flask import current_app
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="Scheduled jobs: reminders, overdue, re-certification, digests.")


@jobs_cli.command("run")
@click.option("--once", is_flag=True, help="Run every job once (for cron), then exit.")
@click.option("--interval", default=None, type=float, help="Seconds between runs (default: JOBS_INTERVAL).")
def run_command(once: bool, interval: float | None):
    """Compute and queue what is due now; idempotent, safe to run in several processes."""
    from .runner import JobLoop, run_once

    app = current_app._get_current_object()
    if once:
        for name, count in run_once(app).items():
            click.echo(f"{name}: {count}")
        return
    loop = JobLoop(app, interval or float(app.config["JOBS_INTERVAL"]))

    def _stop(_signum, _frame):
        loop.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo(f"scheduler running every {loop.interval:.0f} s; stop with Ctrl+C")
    loop.loop()
