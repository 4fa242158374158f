"""The shape every delivery command shares (`flask xapi relay`, `mail send`, `jobs run`, `lti relay`, `cmi5 relay`):
one pass with --once (for cron), else the pass in a loop every --interval seconds until SIGTERM or Ctrl+C."""
from __future__ import annotations

import signal
from typing import Callable

import click
from flask import current_app

from .loops import PassLoop, RunPass


def once_or_loop(default_interval: float | None, once_help: str, interval_help: str | None = None):
    """The --once and --interval options of such a command (interval None: the command picks its default)."""
    def decorate(command):
        command = click.option("--interval", default=default_interval, type=float,
                               show_default=default_interval is not None,
                               help=interval_help or "Seconds between passes when looping.")(command)
        return click.option("--once", is_flag=True, help=once_help)(command)

    return decorate


def run_once_or_loop(name: str, run_pass: RunPass, report: Callable[[object], str], *, once: bool,
                     interval: float, stop: Callable[[], None] | None = None) -> None:
    """Run the pass once and echo report(result), or loop and echo report(result) after each pass that did
    something; a signal stops the loop, and stop() ends the pass at hand (e.g. after the current batch)."""
    app = current_app._get_current_object()
    if once:
        click.echo(report(run_pass(app)))
        return
    loop = PassLoop(app, {name: run_pass}, interval)

    def _stop(_signum, _frame):
        loop.stop()
        if stop is not None:
            stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo(f"{name} running every {interval:g} s; stop with Ctrl+C")
    loop.loop(on_results=lambda results: results.get(name) and click.echo(report(results[name])))


def run_worker_once_or_loop(label: str, worker, report: Callable[[object], str], *, once: bool,
                            interval: float) -> None:
    """run_once_or_loop for a claiming worker (run_pass(), stop() and its claim name ``worker``)."""
    run_once_or_loop(f"{label} {worker.worker}", lambda _app: worker.run_pass(), report, once=once,
                     interval=interval, stop=worker.stop)
