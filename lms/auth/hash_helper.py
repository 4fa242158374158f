"""The password-hash helper process that lms/auth/hashing.py starts: lowest priority first, then one JSON request
per line.

Lowest priority: nice 19 and, where the kernel has it (Linux), the SCHED_IDLE policy. With nice 19 alone a hash
still gets a share of the CPU and the kernel lets it run to the end of its time slice when a server thread wakes up,
so every wake-up of a page or a writer (a new request, SQLite's write lock freed, its GIL handed over) may wait a
slice behind a hash. A SCHED_IDLE task is preempted as soon as a normal task on its CPU wakes up: the hashes use only
time nobody else wants. Lowering one's own priority needs no privileges.

At most LMS_HASH_CONCURRENCY hashes run at once on the machine (hash_slots.py): each one waits for a slot first.

Run by file path (not as a module of the lms package), so it starts with the standard library and werkzeug only.
"""
import json
import os
import sys

try:
    os.setpriority(os.PRIO_PROCESS, 0, 19)  # before anything else: even the imports run at low priority
except (AttributeError, OSError):
    pass
try:
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
except (AttributeError, OSError):
    pass  # not Linux: nice 19 only

from werkzeug.security import check_password_hash, generate_password_hash  # noqa: E402

import hash_slots  # noqa: E402 - beside this file, which Python puts first on sys.path


def answer(request: list):
    """The result of one request: ["check", hash, password], ["new", password, method] or ["priority"]."""
    operation = request[0]
    if operation == "check":
        with hash_slots.budget():
            return check_password_hash(request[1], request[2])
    if operation == "new":
        with hash_slots.budget():
            return generate_password_hash(request[1], method=request[2])
    if operation == "priority":
        return [os.getpid(), os.getpriority(os.PRIO_PROCESS, 0)]
    raise ValueError(f"unknown operation {operation!r}")


def main() -> None:
    """Answer requests from stdin until it closes (the server process ended)."""
    for line in sys.stdin:
        try:
            reply = {"ok": answer(json.loads(line))}
        except Exception as exc:  # noqa: BLE001 - the caller raises it; the helper keeps serving
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
