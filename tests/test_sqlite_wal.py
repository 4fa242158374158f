"""Checkpoints of SQLite's log (lms/sqlite_wal.py): off inside COMMIT for gated connections, run after the commit
has opened the writer gate once enough frames wait, never while the gate is held."""
from __future__ import annotations

import os
import sqlite3

from sqlalchemy import text

from lms.db import make_engine, write_intent
from lms.sqlite_gate import GatedConnection, WriterGate
from lms.sqlite_wal import CHECKPOINT_FRAMES, WalCheckpoints


def _connect(path: str, gate: WriterGate, frames: int) -> GatedConnection:
    conn = sqlite3.connect(path, factory=GatedConnection, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.lms_gate, conn.lms_wal = gate, WalCheckpoints(path, frames)
    return conn


def _rows_in_database_file(path: str) -> int:
    """Rows of t that reached the database file itself (immutable=1 reads the file and ignores the log)."""
    conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return conn.execute("SELECT COUNT(*) FROM t").fetchone()[0]
    except sqlite3.OperationalError:  # the CREATE TABLE is still in the log only
        return 0
    finally:
        conn.close()


def _write(conn: GatedConnection, rows: int) -> None:
    conn.begin_immediate()
    conn.executemany("INSERT INTO t VALUES (randomblob(2000))", [()] * rows)
    conn.commit()


def test_sqlite_wal_checkpoint_after_commit_once_enough_frames_wait(tmp_path):
    """Below the threshold the pages stay in the log; the commit that reaches it copies them into the file."""
    path = str(tmp_path / "db.sqlite3")
    gate = WriterGate(path + "-writer.lock", timeout=5)
    conn = _connect(path, gate, frames=20)
    conn.begin_immediate()
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    _write(conn, 10)
    assert 0 < conn.lms_wal.frames_waiting() < 20
    assert _rows_in_database_file(path) == 0
    _write(conn, 40)
    assert conn.lms_wal.frames_waiting() == 0
    assert _rows_in_database_file(path) == 50


def test_sqlite_wal_checkpoint_runs_with_gate_open(tmp_path, monkeypatch):
    """The copy runs after the gate is released: other writers do not wait for it."""
    path = str(tmp_path / "db.sqlite3")
    gate = WriterGate(path + "-writer.lock", timeout=5)
    conn = _connect(path, gate, frames=1)
    seen = []
    original = WalCheckpoints.after_commit

    def spy(self, connection):
        seen.append(gate.held)
        original(self, connection)

    monkeypatch.setattr(WalCheckpoints, "after_commit", spy)
    conn.begin_immediate()
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    assert seen == [False]
    assert conn.lms_wal.frames_waiting() == 0


def test_sqlite_wal_frames_waiting_without_index_file(tmp_path):
    """No -shm file yet (the database was never opened in WAL mode): nothing waits."""
    assert WalCheckpoints(str(tmp_path / "none.sqlite3")).frames_waiting() == 0


def test_sqlite_wal_engine_connections_checkpoint_after_commit(tmp_path):
    """make_engine's file connections turn SQLite's own checkpoint off and carry the after-commit one."""
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    token = write_intent.set(True)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x)"))
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
            driver = conn.connection.driver_connection
            assert driver.lms_wal.frames == CHECKPOINT_FRAMES
            assert driver.lms_wal.shm_path == os.path.realpath(tmp_path / "db.sqlite3") + "-shm"
    finally:
        write_intent.reset(token)
    linked = tmp_path / "link.sqlite3"  # a symbolic link: SQLite keeps -wal and -shm beside the file it points to
    linked.symlink_to(tmp_path / "db.sqlite3")
    with make_engine(f"sqlite:///{linked}").connect() as conn:
        shm_path = conn.connection.driver_connection.lms_wal.shm_path
    assert shm_path == os.path.realpath(tmp_path / "db.sqlite3") + "-shm"
    memory = make_engine("sqlite://")
    with memory.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == CHECKPOINT_FRAMES
        assert conn.connection.driver_connection.lms_wal is None


def test_sqlite_wal_checks_only_after_transactions_that_wrote(tmp_path, monkeypatch):
    """A read-only commit skips the frame count (every page request's); a gated write, a deferred transaction that
    wrote and a schema change through the gate each check it."""
    path = str(tmp_path / "db.sqlite3")
    conn = _connect(path, WriterGate(path + "-writer.lock", timeout=5), frames=10_000)
    checks = []
    original = WalCheckpoints.after_commit
    monkeypatch.setattr(WalCheckpoints, "after_commit", lambda self, c: (checks.append(1), original(self, c)))

    def transaction(begin, sql: str) -> int:
        begin()
        conn.execute(sql).fetchall()
        conn.commit()
        return len(checks)

    def deferred():  # not gated
        conn.execute("BEGIN")

    assert transaction(conn.begin_immediate, "CREATE TABLE t (x)") == 1
    assert transaction(deferred, "SELECT COUNT(*) FROM t") == 1
    assert transaction(conn.begin_immediate, "INSERT INTO t VALUES (1)") == 2
    assert transaction(deferred, "INSERT INTO t VALUES (2)") == 3  # it wrote frames without the gate
    assert transaction(deferred, "SELECT 1") == 3
