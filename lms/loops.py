"""The one loop of the app's background work: named passes run every few seconds until stopped.

Packages register their passes (forwarding relay, e-mail delivery, scheduler, LTI grade passback, cmi5
statements) with register_pass; under RELAY_IN_APP one daemon thread per server process runs them all in turn.
The CLI commands run their own pass once (cron) or in a PassLoop of their own (lms/cli.py).
"""
from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from typing import Callable

from flask import Flask

log = logging.getLogger(__name__)
PASSES_KEY = "lms_loop_passes"  # app.extensions: {name: run_pass(app)}, in registration order
LOOP_KEY = "lms_in_app_loop"  # app.extensions: the app's in-app PassLoop, once started

RunPass = Callable[[Flask], object]


class PassLoop:
    """Runs passes every ``interval`` seconds until stopped; a failing pass is logged and the others go on."""

    def __init__(self, app: Flask, passes: dict[str, RunPass], interval: float):
        self.app, self.passes, self.interval = app, passes, interval
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None

    def run_once(self) -> dict[str, object]:
        """Run every pass once, in registration order; returns each pass's result (None when it failed)."""
        results = {}
        for name, run_pass in list(self.passes.items()):
            if self.stop_event.is_set():
                break
            try:
                results[name] = run_pass(self.app)
            except Exception:  # noqa: BLE001 - a database or network hiccup must not end the loop
                log.exception("%s pass failed", name)
                results[name] = None
        return results

    def loop(self, on_results: Callable[[dict], None] | None = None) -> None:
        """Run the passes, wait the interval, again, until stopped."""
        while not self.stop_event.is_set():
            results = self.run_once()
            if on_results is not None:
                on_results(results)
            self.stop_event.wait(self.interval)

    def start_thread(self, name: str = "lms-loop") -> threading.Thread:
        """Run the loop in a daemon thread, stopped (and waited for, briefly) at interpreter exit."""
        self.thread = threading.Thread(target=self.loop, name=name, daemon=True)
        self.thread.start()
        atexit.register(self.stop, join_timeout=5.0)
        return self.thread

    def stop(self, join_timeout: float | None = None) -> None:
        """Ask the loop to finish after the pass at hand; optionally wait for its thread."""
        self.stop_event.set()
        if join_timeout is not None and self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(join_timeout)


def register_pass(app: Flask, name: str, run_pass: RunPass) -> None:
    """Add a pass to the app's in-app loop; with RELAY_IN_APP (outside tests) that loop runs in this process."""
    app.extensions.setdefault(PASSES_KEY, {})[name] = run_pass
    if app.config.get("RELAY_IN_APP") and not app.config.get("TESTING"):
        start_in_app(app)


def start_in_app(app: Flask) -> PassLoop:
    """The app's one loop thread over every registered pass: under gunicorn it starts at once; under `flask run`
    with the first request, so that other CLI commands (db upgrade, xapi relay) never grow a loop thread."""
    loop = app.extensions.get(LOOP_KEY)
    if loop is not None:
        return loop
    # The registry itself, not a copy: passes registered after the start join the next turn.
    loop = app.extensions[LOOP_KEY] = PassLoop(app, app.extensions.setdefault(PASSES_KEY, {}),
                                               float(app.config.get("RELAY_INTERVAL", 2.0)))
    if os.environ.get("FLASK_RUN_FROM_CLI") != "true":
        loop.start_thread()
        return loop
    lock = threading.Lock()

    @app.before_request
    def _start_loop_on_first_request():
        with lock:
            if loop.thread is None:
                loop.start_thread()

    return loop


def at_most_every(interval_key: str, run_pass: RunPass) -> RunPass:
    """A pass that runs run_pass only when app.config[interval_key] seconds have passed since its last run."""
    def throttled(app: Flask):
        last_runs = app.extensions.setdefault("lms_loop_last_runs", {})
        now = time.monotonic()
        last = last_runs.get(interval_key)
        if last is not None and now - last < float(app.config[interval_key]):
            return None
        last_runs[interval_key] = now
        return run_pass(app)

    return throttled


def worker_pass(key: str, make_worker: Callable[[Flask], object]) -> RunPass:
    """A pass that runs ``run_pass()`` of one long-lived worker per app (made on first use, kept in extensions)."""
    def run(app: Flask):
        worker = app.extensions.get(key)
        if worker is None:
            worker = app.extensions[key] = make_worker(app)
        return worker.run_pass()

    return run
