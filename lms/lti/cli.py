"""CLI: `flask lti relay` delivers queued grade-book scores (once, or in a loop)."""
from __future__ import annotations

from flask.cli import AppGroup

from ..cli import once_or_loop, run_once_or_loop

lti_cli = AppGroup("lti", help="LTI 1.3 tool: grade passback.")


@lti_cli.command("relay")
@once_or_loop(5.0, "Deliver what is due now and stop.")
def relay(once: bool, interval: float):
    """Post queued scores to the platforms' grade books; failed posts are retried with backoff."""
    from .passback import run_pass

    run_once_or_loop("lti passback relay", run_pass, lambda delivered: f"{delivered} score(s) delivered.",
                     once=once, interval=interval)
