"""SQLite writers queue at a gate instead of polling for the write lock.

SQLite's busy handler retries a locked BEGIN IMMEDIATE after sleeping 1, 2, 5, 10, 15, 20, 25, 50 and 100 ms, so
under steady concurrent writes the write lock sits idle while the next writer sleeps. The gate is a thread lock
(the writers of one process) plus an exclusive ``flock`` on a file beside the database (the writers of every
process: gunicorn workers, CLI commands, job runners), taken before BEGIN IMMEDIATE and released as soon as the
transaction ends, so the next writer wakes the moment the lock is free.

The gate never decides who may write: SQLite's own lock still does. A writer that does not pass the gate (a
deferred transaction that starts writing, another program) simply waits on busy_timeout as before, and a writer
that cannot pass the gate within the busy timeout gets SQLite's "database is locked", as it would have from
SQLite. A thread that already holds the gate (a second write connection of the same request) skips it instead of
waiting for itself, and then waits on busy_timeout as before. One gate per database file and process, shared by
every engine of the process. The gate is released by
the transaction's end (commit or rollback, including the pool's reset on check-in), by closing the connection
and when the connection is garbage-collected; the kernel releases the flock when a process dies.
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
import threading

from .sqlite_wal import WalCheckpoints

_GATES: dict[str, WriterGate] = {}
_GATES_LOCK = threading.Lock()


def gate_for(database: str, timeout: float) -> WriterGate:
    """The process's gate of a database file (lock file: the database's path + "-writer.lock")."""
    path = os.path.realpath(database) + "-writer.lock"
    with _GATES_LOCK:
        if path not in _GATES:
            _GATES[path] = WriterGate(path, timeout)
        return _GATES[path]


class WriterGate:
    """One writing transaction at a time among the gated connections to one database file, in every process."""

    def __init__(self, lock_path: str, timeout: float) -> None:
        self.lock_path, self.timeout = lock_path, timeout
        self._fd: int | None = None
        self._reset()

    def _reset(self) -> None:
        # A forked child starts with a fresh lock and its own open file: flock belongs to the open file, which
        # the child would otherwise share with its parent (and could keep locked after the parent exits).
        if self._fd is not None:
            os.close(self._fd)
        self._fd = None
        self._lock = threading.Lock()
        self._owner: int | None = None

    def _file(self) -> int:
        if self._fd is None:
            self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return self._fd

    def acquire(self) -> bool:
        """Pass the gate (True), or skip it because this thread holds it already (False)."""
        if self._owner == threading.get_ident():
            return False
        if not self._lock.acquire(timeout=self.timeout):
            raise sqlite3.OperationalError("database is locked (waited for the writer gate)")
        try:
            fcntl.flock(self._file(), fcntl.LOCK_EX)
        except BaseException:
            self._lock.release()
            raise
        self._owner = threading.get_ident()
        return True

    def release(self) -> None:
        """Open the gate for the next writer (of any process)."""
        self._owner = None
        try:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._lock.release()

    @property
    def held(self) -> bool:
        """Whether some thread of this process holds the gate."""
        return self._lock.locked()


def _reset_after_fork() -> None:
    global _GATES_LOCK
    _GATES_LOCK = threading.Lock()
    for gate in _GATES.values():
        gate._reset()


os.register_at_fork(after_in_child=_reset_after_fork)


class GatedConnection(sqlite3.Connection):
    """A sqlite3 connection whose BEGIN IMMEDIATE passes its database's writer gate (``lms_gate``, set on connect)."""

    lms_gate: WriterGate | None = None
    lms_wal: WalCheckpoints | None = None  # set on connect for a database file (sqlite_wal.py)
    _lms_gated = False
    _lms_changes = 0  # total_changes at the last checkpoint check: a deferred transaction that wrote differs

    def begin_immediate(self) -> None:
        """Pass the gate, then take SQLite's write lock; the gate is released when the transaction ends."""
        gate = self.lms_gate
        gated = gate is not None and gate.acquire()
        try:
            self.execute("BEGIN IMMEDIATE")
        except BaseException:
            if gated:
                gate.release()
            raise
        self._lms_gated = gated

    def commit(self) -> None:
        """Commit, then open the gate if the transaction ended, then checkpoint the log if it is due (after a
        transaction that wrote: a read adds no frames, and every page request would pay for reading the count)."""
        try:
            wrote = self._lms_gated or self.total_changes != self._lms_changes
            super().commit()
        finally:
            still_open = self._open()
            self._release(still_open=still_open)
        if self.lms_wal is not None and not still_open and wrote:
            self._lms_changes = self.total_changes
            self.lms_wal.after_commit(self)

    def rollback(self) -> None:
        """Roll back, then open the gate."""
        try:
            super().rollback()
        finally:
            self._release(still_open=self._open())

    def close(self) -> None:
        """Close the connection (SQLite rolls back any open transaction), then open the gate."""
        try:
            super().close()
        finally:
            self._release(still_open=False)

    def __del__(self) -> None:
        self._release(still_open=False)

    def _open(self) -> bool:
        try:
            return self.in_transaction
        except sqlite3.ProgrammingError:  # closed
            return False

    def _release(self, still_open: bool) -> None:
        if self._lms_gated and not still_open:
            self._lms_gated = False
            self.lms_gate.release()
