"""CLI: `flask --app lms mail send [--once]` delivers the outbox (cron: --once)."""
from __future__ import annotations

import signal

import click
from flask import current_app
from flask.cli import AppGroup

mail_cli = AppGroup("mail", help="Transactional e-mail.")


@mail_cli.command("send")
@click.option("--once", is_flag=True, help="One pass over all due mails (for cron), then exit.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes when looping.")
def send_command(once: bool, interval: float):
    """Deliver queued mails over SMTP (or keep them, in development mode)."""
    from .worker import MailWorker

    worker = MailWorker(current_app._get_current_object())
    if once:
        click.echo(f"delivered {worker.run_pass()} mail(s)")
        return

    def _stop(_signum, _frame):
        worker.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo(f"mail worker {worker.worker} running; stop with Ctrl+C")
    worker.loop(interval)
