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
    """Whether another connection could take SQLite's write lock at once (BEGIN IMMEDIATE, no waiting); None on
    PostgreSQL, which has no database-wide write lock."""
    if app.extensions["lms_db"][0].dialect.name != "sqlite":
        return None
    other = sqlite3.connect(app.extensions["lms_db"][0].url.database, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()
