"""Password hashing (scrypt) in small low-priority helper processes next to each server process.

One scrypt check costs about 70 ms of CPU and 32 MiB of memory. Fifty sign-ins at once would otherwise take the
processor from everyone else's page requests. So the hashes run in helper processes (lms/auth/hash_helper.py)
that lower their own scheduling priority to nice 19 and, on Linux, the SCHED_IDLE policy: the kernel runs page
requests first, preempts a hash as soon as a server thread wakes up, and runs the hashes in the time left over. The request thread only waits for the answer; with gunicorn's gthread workers (scripts/serve.sh)
that ties up one thread, not a whole worker process.

Why processes and not low-priority threads: hashlib.scrypt releases the GIL, but a thread still needs the GIL to
start and to return, and CPython hands the GIL over by making the holder wait until the waiting thread has taken
it. A nice-19 thread that the kernel does not schedule for a while then stalls every request thread of its
process. A helper process shares no GIL with the server.

At most LMS_HASH_CONCURRENCY hashes run at once on the whole machine, whichever process asks (hash_slots.py: half
the cores by default), so a burst of sign-ins leaves the other cores to the pages.

The work factor is werkzeug's default and is not lowered: only who computes the hash and when changes.
LMS_HASH_PROCESSES=0 hashes in the request thread instead; so does a process whose helper cannot run twice in a
row (a host server whose sys.executable is no Python, as under uWSGI): sign-ins keep working, at normal priority.
"""
from __future__ import annotations

import json
import logging
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

from . import hash_slots

# Same work factor as werkzeug's default scrypt (N=2**15, r=8, p=1), stated so it cannot silently drop.
PASSWORD_METHOD = "scrypt:32768:8:1"
LOW_PRIORITY = 19  # set by the helper itself (hash_helper.py)
HELPER = Path(__file__).with_name("hash_helper.py")

log = logging.getLogger(__name__)
_lock = threading.Lock()
_idle: queue.Queue | None = None
_owner_pid = 0


class HashHelperError(RuntimeError):
    """The helper answered with an error (a malformed stored hash, for example)."""


class _Helper:
    """One helper process and its pipes; used by one thread at a time."""

    def __init__(self) -> None:
        """Start the helper with this interpreter."""
        self.process = subprocess.Popen([sys.executable, str(HELPER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, bufsize=1, close_fds=True)

    def ask(self, request: list):
        """Send one request and return the helper's answer."""
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise BrokenPipeError("password-hash helper ended")
        reply = json.loads(line)
        if "error" in reply:
            raise HashHelperError(reply["error"])
        return reply["ok"]

    def stop(self) -> None:
        """End the helper (it also ends by itself when its stdin closes)."""
        self.process.kill()
        self.process.wait(5)


def pool_size() -> int:
    """Helpers per server process: LMS_HASH_PROCESSES, else 1 (each gunicorn worker process has its own); 0: none."""
    try:
        return max(0, int(os.environ.get("LMS_HASH_PROCESSES", 1)))
    except ValueError:
        return 1


def _in_process(request: list):
    """The request computed in this thread (no helper wanted, or none can run here)."""
    from werkzeug.security import check_password_hash, generate_password_hash

    if request[0] == "check":
        try:
            with hash_slots.budget():
                return check_password_hash(request[1], request[2])
        except ValueError as exc:  # the helper reports a malformed hash the same way
            raise HashHelperError(f"ValueError: {exc}") from exc
    if request[0] == "new":
        with hash_slots.budget():
            return generate_password_hash(request[1], method=request[2])
    return [os.getpid(), os.getpriority(os.PRIO_PROCESS, 0)]


def _helpers() -> queue.Queue:
    """This process's idle helpers (slots: None = not started yet); new ones in a forked child."""
    global _idle, _owner_pid
    with _lock:
        if _idle is None or _owner_pid != os.getpid():
            _idle = queue.Queue()
            for _ in range(pool_size()):
                _idle.put(None)
            _owner_pid = os.getpid()
        return _idle


def ask(request: list):
    """Run one request on an idle helper (waiting for one if all are busy); restart a helper that died."""
    if pool_size() == 0:
        return _in_process(request)
    idle = _helpers()
    helper = idle.get()
    try:
        for attempt in range(2):
            try:
                helper = helper or _Helper()
                return helper.ask(request)
            except (BrokenPipeError, OSError, ValueError):
                if helper is not None:
                    helper.stop()
                helper = None
        log.warning("password-hash helper cannot run (%s); hashing in the request thread", sys.executable)
        return _in_process(request)
    finally:
        idle.put(helper)


def check(password_hash: str, password: str) -> bool:
    """Whether the password matches the stored hash, computed in a low-priority helper process."""
    return ask(["check", password_hash, password])


def new_hash(password: str) -> str:
    """A new scrypt hash of the password (werkzeug's format and work factor), computed in a helper process."""
    return ask(["new", password, PASSWORD_METHOD])


def helper_priority() -> tuple[int, int]:
    """(process id, nice value) of a helper, to prove where the hashes run."""
    pid, nice = ask(["priority"])
    return pid, nice
