"""The one loop mechanism (lms/loops.py) and the once-or-loop shape of the delivery commands (lms/cli.py)."""
from __future__ import annotations

import signal
import threading

import click
import pytest
from flask import Flask
from flask.cli import with_appcontext

from lms import cli, loops


@pytest.fixture
def bare_app(monkeypatch):
    """A Flask app without the LMS, configured to run its loop in-process like a server (RELAY_IN_APP)."""
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    app = Flask("loops_test")
    app.config.update(RELAY_IN_APP=True, RELAY_INTERVAL=0.01)
    yield app
    loop = app.extensions.get(loops.LOOP_KEY)
    if loop is not None:
        loop.stop(join_timeout=5)


def test_loops_register_pass_runs_every_pass_in_one_thread(bare_app):
    """Passes registered by several packages share the app's one loop thread, which stops on request."""
    ran = {"first": threading.Event(), "second": threading.Event()}
    threads = set()

    def make(name):
        def run_pass(app):
            threads.add(threading.current_thread().name)
            ran[name].set()
        return run_pass

    loops.register_pass(bare_app, "first", make("first"))
    loops.register_pass(bare_app, "second", make("second"))
    assert ran["first"].wait(5) and ran["second"].wait(5)
    loop = bare_app.extensions[loops.LOOP_KEY]
    assert threads == {loop.thread.name}
    loop.stop(join_timeout=5)
    assert not loop.thread.is_alive()


def test_loops_register_pass_starts_nothing_in_tests_or_without_relay_in_app(bare_app):
    """Without RELAY_IN_APP, or under TESTING, a registered pass waits for a CLI command or a test to run it."""
    bare_app.config["RELAY_IN_APP"] = False
    loops.register_pass(bare_app, "quiet", lambda app: None)
    other = Flask("loops_testing")
    other.config.update(RELAY_IN_APP=True, TESTING=True)
    loops.register_pass(other, "quiet", lambda app: None)
    assert loops.LOOP_KEY not in bare_app.extensions and loops.LOOP_KEY not in other.extensions
    assert list(bare_app.extensions[loops.PASSES_KEY]) == ["quiet"]


def test_loops_flask_run_starts_the_thread_with_the_first_request(bare_app, monkeypatch):
    """Under `flask run` the loop starts with the first request, so other CLI commands never grow a thread."""
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    bare_app.add_url_rule("/", "home", lambda: "ok")
    loops.register_pass(bare_app, "idle", lambda app: None)
    loop = bare_app.extensions[loops.LOOP_KEY]
    assert loop.thread is None
    assert bare_app.test_client().get("/").status_code == 200
    assert loop.thread is not None and loop.thread.is_alive()


def test_loops_failing_pass_does_not_stop_the_others(bare_app, caplog):
    """A pass that raises is logged and the next pass still runs."""
    def broken(app):
        raise RuntimeError("database gone")

    loop = loops.PassLoop(bare_app, {"broken": broken, "fine": lambda app: 3}, 1.0)
    assert loop.run_once() == {"broken": None, "fine": 3}
    assert "broken pass failed" in caplog.text


def test_loops_at_most_every_skips_until_the_interval_passed(bare_app, monkeypatch):
    """A throttled pass (the scheduler) runs again only once its configured interval has passed."""
    now = [1000.0]
    monkeypatch.setattr(loops.time, "monotonic", lambda: now[0])
    bare_app.config["SOME_INTERVAL"] = 300
    calls = []
    throttled = loops.at_most_every("SOME_INTERVAL", lambda app: calls.append(now[0]) or len(calls))
    assert throttled(bare_app) == 1
    now[0] += 299
    assert throttled(bare_app) is None
    now[0] += 1
    assert throttled(bare_app) == 2 and calls == [1000.0, 1300.0]


def test_loops_cli_loop_reports_passes_and_stops_on_sigterm(bare_app):
    """In loop mode the command reports passes that did something and SIGTERM ends the loop and the pass."""
    stopped = []

    def run_pass(app):
        signal.raise_signal(signal.SIGTERM)  # as a service manager would
        return 3

    @click.command()
    @with_appcontext
    @cli.once_or_loop(0.01, "once")
    def command(once, interval):
        cli.run_once_or_loop("worker x", run_pass, lambda n: f"did {n}", once=once, interval=interval,
                             stop=lambda: stopped.append(True))

    previous = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    try:
        result = bare_app.test_cli_runner().invoke(command, [])
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["worker x running every 0.01 s; stop with Ctrl+C", "did 3"]
    assert stopped == [True]


@pytest.mark.parametrize("args, expected", [
    (["xapi", "relay", "--once"], "delivered 0 statement(s)"),
    (["mail", "send", "--once"], "delivered 0 mail(s)"),
    (["lti", "relay", "--once"], "0 score(s) delivered."),
    (["cmi5", "relay", "--once"], "0 statement(s) sent."),
])
def test_loops_delivery_commands_share_the_once_shape(runner, args, expected):
    """Every delivery command takes --once and reports what the pass did."""
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == expected
