"""CLI: `flask --app lms mail send [--once]` delivers the outbox (cron: --once)."""
from __future__ import annotations

from flask import current_app
from flask.cli import AppGroup

from ..cli import once_or_loop, run_worker_once_or_loop

mail_cli = AppGroup("mail", help="Transactional e-mail.")


@mail_cli.command("send")
@once_or_loop(5.0, "One pass over all due mails (for cron), then exit.")
def send_command(once: bool, interval: float):
    """Deliver queued mails over SMTP (or keep them, in development mode)."""
    from .worker import MailWorker

    run_worker_once_or_loop("mail worker", MailWorker(current_app._get_current_object()),
                            lambda delivered: f"delivered {delivered} mail(s)", once=once, interval=interval)
