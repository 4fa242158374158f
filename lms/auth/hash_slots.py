"""A machine-wide budget for password hashes: at most N hashes computed at once, across every server process.

One scrypt check takes 70–110 ms of one core and 32 MiB. The helpers (hash_helper.py) run under SCHED_IDLE, so a
waking request preempts a hash at once; but a core that spends its idle moments hashing still slows the requests
that run on it (its caches refilled after every preemption), and with one helper per gunicorn worker a burst of
sign-ins kept every core hashing. The budget keeps hashes to a part of the cores: N is LMS_HASH_CONCURRENCY, else
half the usable cores (at least one). On two cores one hash runs at a time: about ten sign-ins a second.

Slots are files locked with flock(2) in a directory of this user's own (LMS_HASH_SLOTS_DIR, else one in the temp
directory); the kernel frees a slot when its holder exits, however it ends. Standard library only: hash_helper.py,
which starts without the lms package, imports this file by its path.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import sys
import tempfile


def concurrency() -> int:
    """Hashes computed at once on this machine: LMS_HASH_CONCURRENCY, else half the usable cores (at least 1)."""
    try:
        wanted = int(os.environ.get("LMS_HASH_CONCURRENCY", "0"))
    except ValueError:
        wanted = 0
    if wanted > 0:
        return wanted
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores // 2)


def slots_dir() -> str:
    """The slot files' directory: LMS_HASH_SLOTS_DIR, else <temp>/lms-hash-slots-<uid>, created private (0700).

    A directory of that name that is not ours, is a symlink or is open to others is refused (OSError): another
    user holding our slots could stall every sign-in."""
    path = os.environ.get("LMS_HASH_SLOTS_DIR") or os.path.join(tempfile.gettempdir(),
                                                                 f"lms-hash-slots-{os.getuid()}")
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise OSError(f"hash slot directory {path} is not a private directory of this user")
    return path


def _open(directory: str, number: int) -> int:
    return os.open(os.path.join(directory, f"slot-{number}.lock"),
                   os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0), 0o600)


def acquire(directory: str, count: int) -> int:
    """Take a free slot (waiting for one if all are taken); returns the open file whose lock holds it."""
    first = os.getpid() % count  # holders spread over the slots when they have to wait
    order = [(first + step) % count for step in range(count)]
    for number in order:
        handle = _open(directory, number)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return handle
        except BlockingIOError:
            os.close(handle)
    handle = _open(directory, first)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
    except BaseException:
        os.close(handle)
        raise
    return handle


class Slot:
    """A slot taken (its locked file); a context manager that gives it back at the end of the with-block."""

    def __init__(self, handle: int) -> None:
        """Hold the slot whose locked file is `handle`."""
        self.handle = handle

    def __enter__(self) -> "Slot":
        return self

    def __exit__(self, *exc) -> None:
        os.close(self.handle)  # closing the file releases its lock


def slot() -> Slot:
    """One of this machine's hash slots, taken now (waiting for a free one): `with slot(): <hash>`."""
    return Slot(acquire(slots_dir(), concurrency()))


def budget():
    """A slot held for one hash (`with budget(): <hash>`); none when the slot directory is unusable (said on
    stderr, i.e. in the server's log): sign-ins keep working, only without the machine-wide limit."""
    try:
        return slot()
    except OSError as exc:
        print(f"password hashing: no hash slot ({exc}); hashing without the machine-wide limit", file=sys.stderr,
              flush=True)
        return contextlib.nullcontext()
