"""The password-hash helper process that lms/auth/hashing.py starts: lowest priority first, then one JSON request
per line.

Lowest priority: nice 19 and, where the kernel has it (Linux), the SCHED_IDLE policy. With nice 19 alone a hash
still gets a share of the CPU and the kernel lets it run to the end of its time slice when a server thread wakes up,
so every wake-up of a page or a writer (a new request, SQLite's write lock freed, its GIL handed over) may wait a
slice behind a hash. A SCHED_IDLE task is preempted as soon as a normal task on its CPU wakes up: the hashes use only
time nobody else wants. Lowering one's own priority needs no privileges.

Both only rank the hash against the processes of its own scheduling group. Linux's autogroups (one per session,
on by default) share the CPU fairly between groups first: a hash in the server's group made the whole group as
busy as a normal process to every other group (the database server, clients on the same machine), which then
waited behind it. So the helper starts a session of its own and sets its autogroup to nice 19: against every other
group too it only gets what is left over. It still ends with its stdin (the server process that started it).

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
try:  # a session, and so a scheduling autogroup, of its own at nice 19: see the module docstring
    os.setsid()
    with open("/proc/self/autogroup", "w") as autogroup:
        autogroup.write("19")
except OSError:
    pass  # no autogroups (kernel option off, or not Linux): the priority within the server's group still holds

from werkzeug.security import check_password_hash, generate_password_hash  # noqa: E402


def answer(request: list):
    """The result of one request: ["check", hash, password], ["new", password, method] or ["priority"]."""
    operation = request[0]
    if operation == "check":
        return check_password_hash(request[1], request[2])
    if operation == "new":
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
