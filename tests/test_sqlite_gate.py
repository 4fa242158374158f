"""The SQLite writer gate (lms/sqlite_gate.py): taken before BEGIN IMMEDIATE, always released when the transaction
ends, never a wait for itself, exclusive across processes, and only on SQLite."""
from __future__ import annotations

import fcntl
import gc
import os
import sqlite3
import threading

import pytest
from sqlalchemy import text

from lms.db import make_engine, write_intent
from lms.sqlite_gate import GatedConnection, WriterGate, gate_for


def _connect(path, gate, timeout=0.0) -> GatedConnection:
    conn = sqlite3.connect(path, factory=GatedConnection, timeout=timeout, isolation_level=None,
                           check_same_thread=False)
    conn.lms_gate = gate
    return conn


def _free_for_other_process(gate: WriterGate) -> bool:
    """Whether another open file (as another process has) could take the gate's flock right now."""
    fd = os.open(gate.lock_path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


@pytest.fixture
def gate(tmp_path):
    """A gate of its own per test (not the process-wide one of a database)."""
    return WriterGate(str(tmp_path / "db.sqlite3-writer.lock"), timeout=5)


def test_sqlite_gate_held_from_begin_to_commit(tmp_path, gate):
    """BEGIN IMMEDIATE takes the gate (other processes' writers wait on it); COMMIT opens it."""
    conn = _connect(str(tmp_path / "db.sqlite3"), gate)
    conn.begin_immediate()
    conn.execute("CREATE TABLE t (x)")
    assert gate.held and not _free_for_other_process(gate)
    conn.commit()
    assert not gate.held and _free_for_other_process(gate)


def test_sqlite_gate_released_after_error_and_rollback(tmp_path, gate):
    """A failed statement leaves the gate to the rollback that follows; the rollback opens it."""
    conn = _connect(str(tmp_path / "db.sqlite3"), gate)
    conn.begin_immediate()
    with pytest.raises(sqlite3.OperationalError):
        conn.execute("INSERT INTO missing VALUES (1)")
    conn.rollback()
    assert not gate.held and _free_for_other_process(gate)


def test_sqlite_gate_released_when_begin_fails(tmp_path, gate):
    """When SQLite refuses BEGIN IMMEDIATE (a writer that did not pass the gate holds the lock), the gate is open."""
    path = str(tmp_path / "db.sqlite3")
    outsider = sqlite3.connect(path, isolation_level=None)
    outsider.execute("BEGIN IMMEDIATE")
    conn = _connect(path, gate)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        conn.begin_immediate()
    assert not gate.held
    outsider.execute("ROLLBACK")


def test_sqlite_gate_released_on_close_and_garbage_collection(tmp_path, gate):
    """A connection closed or dropped inside its transaction never keeps the gate."""
    path = str(tmp_path / "db.sqlite3")
    conn = _connect(path, gate)
    conn.begin_immediate()
    conn.close()
    assert not gate.held
    conn = _connect(path, gate)
    conn.begin_immediate()
    del conn
    gc.collect()
    assert not gate.held


def test_sqlite_gate_same_thread_second_writer_does_not_wait_for_itself(tmp_path, gate):
    """A thread holding the gate that opens a second write transaction skips the gate and meets SQLite's lock
    (busy timeout, here 0: at once) instead of waiting on itself forever."""
    path = str(tmp_path / "db.sqlite3")
    first, second = _connect(path, gate), _connect(path, gate)
    first.begin_immediate()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        second.begin_immediate()
    assert gate.held
    first.commit()
    assert not gate.held


def test_sqlite_gate_wait_times_out_as_database_locked(tmp_path):
    """A writer that cannot pass the gate within the busy timeout gets SQLite's 'database is locked' error."""
    gate = WriterGate(str(tmp_path / "lock"), timeout=0.05)
    holding, done = threading.Event(), threading.Event()

    def hold():
        gate.acquire()
        holding.set()
        done.wait(10)
        gate.release()

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(10)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            gate.acquire()
    finally:
        done.set()
        holder.join()
    assert not gate.held


def test_sqlite_gate_engine_writes_pass_gate_reads_do_not(tmp_path):
    """make_engine's SQLite connections: a write transaction holds the database's gate until it ends, a read
    transaction never takes it, and a failed write releases it."""
    path = tmp_path / "db.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    gate = gate_for(str(path), 30)
    try:
        with engine.connect() as conn:
            with conn.begin():
                conn.execute(text("SELECT 1"))
                assert not gate.held
        token = write_intent.set(True)
        try:
            with engine.connect() as conn:
                with conn.begin():
                    conn.execute(text("CREATE TABLE t (x INTEGER PRIMARY KEY)"))
                    assert gate.held
                assert not gate.held
                with pytest.raises(Exception):
                    with conn.begin():
                        conn.execute(text("INSERT INTO t VALUES (1)"))
                        conn.execute(text("INSERT INTO t VALUES (1)"))
                assert not gate.held
        finally:
            write_intent.reset(token)
    finally:
        engine.dispose()
    assert os.stat(gate.lock_path).st_mode & 0o077 == 0


def test_sqlite_gate_not_used_for_memory_database():
    """In-memory SQLite has no file to lock beside: its writers go straight to BEGIN IMMEDIATE."""
    engine = make_engine("sqlite://")
    token = write_intent.set(True)
    try:
        with engine.connect() as conn:
            with conn.begin():
                assert conn.connection.driver_connection.lms_gate is None
                assert conn.connection.driver_connection.in_transaction
    finally:
        write_intent.reset(token)
        engine.dispose()
