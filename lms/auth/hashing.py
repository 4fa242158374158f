"""Password hashing (scrypt) on a small pool of low-priority threads in each process.

One scrypt check costs about 70 ms of CPU and 32 MiB of memory. Fifty sign-ins at once would otherwise take the
processor from the page requests of everyone else. The hashes therefore run on dedicated threads that lower their
own scheduling priority (nice 19; Linux lets a thread do that to itself, see setpriority(2)), so the kernel runs
page requests first and the hashes in the time left over. hashlib.scrypt releases the GIL, so a hash on such a
thread does not hold up the request threads of the same process either. The calling request thread only waits;
with gunicorn's gthread workers (scripts/serve.sh) that ties up one thread, not a whole worker process.

The work factor is werkzeug's default and is not lowered: only who computes the hash and when changes.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

from werkzeug.security import check_password_hash, generate_password_hash

# Same work factor as werkzeug's default scrypt (N=2**15, r=8, p=1), stated so it cannot silently drop.
PASSWORD_METHOD = "scrypt:32768:8:1"
LOW_PRIORITY = 19  # the largest nice value: the thread runs when nothing of normal priority wants the CPU
DEFAULT_THREADS = 1

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_pid = 0


def _lower_own_priority() -> None:
    """Pool thread initializer: lower this thread's (not the process's) priority; a no-op where unsupported."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOW_PRIORITY)
    except (AttributeError, OSError):  # not Linux: the hash runs at normal priority, still off the request thread
        pass


def pool_size() -> int:
    """Hash threads per process: LMS_HASH_THREADS, else 1 (each worker process has its own pool)."""
    try:
        return max(1, int(os.environ.get("LMS_HASH_THREADS", DEFAULT_THREADS)))
    except ValueError:
        return DEFAULT_THREADS


def _executor() -> ThreadPoolExecutor:
    """This process's pool, created on first use (and again in a forked child, whose copy has no threads)."""
    global _pool, _pool_pid
    with _lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(max_workers=pool_size(), thread_name_prefix="lms-hash",
                                       initializer=_lower_own_priority)
            _pool_pid = os.getpid()
        return _pool


def check(password_hash: str, password: str) -> bool:
    """Whether the password matches the stored hash, computed on a low-priority hash thread."""
    return _executor().submit(check_password_hash, password_hash, password).result()


def new_hash(password: str) -> str:
    """A new scrypt hash of the password (werkzeug's format and work factor), computed on a hash thread."""
    return _executor().submit(generate_password_hash, password, method=PASSWORD_METHOD).result()
