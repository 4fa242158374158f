"""What another connection sees while a request runs: committed rows, and (SQLite) whether the write lock is free."""
from __future__ import annotations

import sqlite3

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool


def committed_count(app, sql: str) -> int:
    """A count read on a connection of its own (no writer gate, no request), so only committed rows count."""
    engine = create_engine(app.extensions["lms_db"][0].url, poolclass=NullPool)
    try:
        with engine.connect() as other:
            return other.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def write_lock_free(app) -> bool | None:
    """Whether another connection could take SQLite's write lock at once; None on PostgreSQL, which has no
    database-wide write lock."""
    engine = app.extensions["lms_db"][0]
    return sqlite_write_lock_free(engine.url.database) if engine.dialect.name == "sqlite" else None


def sqlite_write_lock_free(database: str) -> bool:
    """Whether another connection to this SQLite file could take the write lock at once (BEGIN IMMEDIATE, no
    waiting)."""
    other = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()
