"""CLI: `flask lti relay` delivers queued grade-book scores (once, or in a loop)."""
from __future__ import annotations

import threading

import click
from flask import current_app
from flask.cli import AppGroup

lti_cli = AppGroup("lti", help="LTI 1.3 tool: grade passback.")


@lti_cli.command("relay")
@click.option("--once", is_flag=True, help="Deliver what is due now and stop.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
def relay(once: bool, interval: float):
    """Post queued scores to the platforms' grade books; failed posts are retried with backoff."""
    from .passback import run_pass

    app = current_app._get_current_object()
    if once:
        click.echo(f"{run_pass(app)} score(s) delivered.")
        return
    stop = threading.Event()
    try:
        while not stop.is_set():
            delivered = run_pass(app)
            if delivered:
                click.echo(f"{delivered} score(s) delivered.")
            stop.wait(interval)
    except KeyboardInterrupt:
        stop.set()
