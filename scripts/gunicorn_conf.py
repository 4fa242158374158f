"""gunicorn settings beyond the command line, shared by scripts/serve.sh and the benchmarks (bench/bench_load.py).

GIL switch interval (LMS_SWITCH_INTERVAL_MS, default 0.5; Python's own default is 5). A gthread worker's request
threads let go of the GIL around every SQLite call and every socket operation. A thread that comes back from a
20 µs database call then waits until the thread that took the GIL meanwhile gives it back: at the latest after the
switch interval, so up to 5 ms per statement while another thread of the process renders a page (CPython's convoy
effect). With 0.5 ms, lesson completions beside other requests wait far less (bench/bench_login_lock.py).
"""
import os
import sys

DEFAULT_SWITCH_INTERVAL_MS = 0.5


def switch_interval() -> float:
    """Seconds for sys.setswitchinterval: LMS_SWITCH_INTERVAL_MS (a positive number), else the default."""
    try:
        milliseconds = float(os.environ.get("LMS_SWITCH_INTERVAL_MS", DEFAULT_SWITCH_INTERVAL_MS))
    except ValueError:
        milliseconds = DEFAULT_SWITCH_INTERVAL_MS
    return (milliseconds if milliseconds > 0 else DEFAULT_SWITCH_INTERVAL_MS) / 1000


def post_fork(server, worker):
    """In each new worker process: the GIL switch interval above."""
    sys.setswitchinterval(switch_interval())
