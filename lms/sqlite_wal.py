"""SQLite's write-ahead log is checkpointed after a commit has opened the writer gate, not inside the commit.

SQLite checkpoints automatically inside COMMIT once the log holds ``wal_autocheckpoint`` pages. Its own write lock
is already free by then, but the writer gate (sqlite_gate.py) opens only when COMMIT returns, so every writer of
every process waited for the copy: 40–60 ms per 10,000 pages (mostly fsync), once in every dozen LRS batches.
Connections with a gate therefore turn the automatic checkpoint off, and after each commit that wrote
(sqlite_gate.py), with the gate open, the committing connection runs the same PASSIVE checkpoint once as many
frames wait as SQLite's threshold allowed.
Durability is unchanged: a checkpoint only copies committed pages from the log into the database file.

The frames waiting are read from the WAL-index header in the ``-shm`` file (https://www.sqlite.org/walformat.html,
2.2: ``mxFrame``, the frames in the log, at byte 16; ``nBackfill``, the frames already copied, at byte 96; both
32-bit in the machine's byte order). A read racing a writer only moves the next checkpoint by one commit.
"""
from __future__ import annotations

import os
import sqlite3
import struct

CHECKPOINT_FRAMES = 10_000  # as PRAGMA wal_autocheckpoint=10000 before: a page that several commits changed is
# copied (and synced) once
_HEADER = struct.Struct("=I")
_MX_FRAME, _N_BACKFILL, _HEADER_BYTES = 16, 96, 100


class WalCheckpoints:
    """Checkpoints the log of one database file once `frames` frames wait to be copied into it."""

    def __init__(self, database: str, frames: int = CHECKPOINT_FRAMES) -> None:
        self.shm_path, self.frames = database + "-shm", frames

    def frames_waiting(self) -> int:
        """Frames in the log not yet copied into the database file (0 when there is no WAL index)."""
        try:
            fd = os.open(self.shm_path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return 0
        try:
            header = os.pread(fd, _HEADER_BYTES, 0)
        finally:
            os.close(fd)
        if len(header) < _HEADER_BYTES:
            return 0
        return _HEADER.unpack_from(header, _MX_FRAME)[0] - _HEADER.unpack_from(header, _N_BACKFILL)[0]

    def after_commit(self, connection: sqlite3.Connection) -> None:
        """Checkpoint (PASSIVE: never waits for readers or writers) when enough frames wait."""
        if self.frames_waiting() < self.frames:
            return
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:
            pass  # the commit stands; the next commit tries again (e.g. another process is checkpointing)
