"""The ingest path's INSERTs at driver level: statement rows (multi-row VALUES … RETURNING) and index rows.

SQLAlchemy's Core INSERT spends more time per row compiling and processing parameters than the database spends
storing it. These statements are built once per dialect and row count; the only per-value work left is the
column types' own bind processors (UTC datetimes, booleans), so the stored values are exactly what the ORM wrote.
"""
from __future__ import annotations

import sqlite3
from functools import lru_cache
from operator import attrgetter
from typing import Any, Sequence

from sqlalchemy.orm import Session

from .models import Statement

STATEMENT_COLUMNS = ("org_id", "statement_id", "stored", "timestamp", "actor_ifi", "verb_id", "activity_id",
                     "ref_statement_id", "registration", "user_id", "voided", "version", "raw")
AGENT_COLUMNS = ("seq", "org_id", "ifi", "relation", "verb_id")
ACTIVITY_COLUMNS = ("seq", "org_id", "activity_id", "relation")
_statement_values = attrgetter(*STATEMENT_COLUMNS)
# Bound parameters per statement: SQLite before 3.32 allowed 999, later 32,766; PostgreSQL 65,535.
_MAX_PARAMETERS = {"sqlite": 32766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999, "postgresql": 65535}


def _marker(dialect) -> str:
    return "?" if dialect.paramstyle == "qmark" else "%s"


@lru_cache(maxsize=64)
def _values_sql(table: str, columns: tuple[str, ...], marker: str, rows: int, returning: str) -> str:
    one = "(" + ", ".join([marker] * len(columns)) + ")"
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES " + ", ".join([one] * rows)
    return f"{sql} RETURNING {returning}" if returning else sql


@lru_cache(maxsize=8)
def _statement_processors(dialect) -> tuple[tuple[int, Any], ...]:
    """(position, bind processor) of the statement columns whose type converts values (datetimes, booleans)."""
    table = Statement.__table__
    found = []
    for position, name in enumerate(STATEMENT_COLUMNS):
        processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            found.append((position, processor))
    return tuple(found)


def insert_statements(db: Session, rows: Sequence[Any]) -> None:
    """Insert statement rows (objects with the STATEMENT_COLUMNS as attributes) and set each row's seq.

    Rows are matched back by statement id (unique within the call), so RETURNING may list them in any order."""
    connection = db.connection()
    dialect = connection.dialect
    processors = _statement_processors(dialect)
    per_chunk = max(1, _MAX_PARAMETERS.get(dialect.name, 999) // len(STATEMENT_COLUMNS))
    by_id = {row.statement_id: row for row in rows}
    for start in range(0, len(rows), per_chunk):
        chunk = rows[start:start + per_chunk]
        sql = _values_sql(Statement.__tablename__, STATEMENT_COLUMNS, _marker(dialect), len(chunk),
                          "statement_id, seq")
        params: list[Any] = []
        processed: dict[Any, Any] = {}  # a batch shares its stored time: each distinct value is converted once
        for row in chunk:
            values = list(_statement_values(row))
            for position, processor in processors:
                key = (position, values[position])
                if key not in processed:
                    processed[key] = processor(key[1])
                values[position] = processed[key]
            params += values
        for statement_id, seq in _execute(connection, sql, tuple(params)):
            by_id[statement_id].seq = seq


def insert_rows(db: Session, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """The driver's executemany for rows of plain ints and strings (the agent and activity index rows)."""
    if not rows:
        return
    connection = db.connection()
    _execute(connection, _values_sql(table, columns, _marker(connection.dialect), 1, ""), rows, many=True)


def _execute(connection, sql: str, params, many: bool = False):
    """SQLite: straight on the driver (SQLAlchemy's execution context costs more than the INSERT; SQLite serialises
    writers, so no concurrent-duplicate error needs SQLAlchemy's wrapping). Other databases: exec_driver_sql, whose
    IntegrityError the Statement Resource answers with 409."""
    if connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection
        return driver.executemany(sql, params) if many else driver.execute(sql, params).fetchall()
    result = connection.exec_driver_sql(sql, params)
    return None if many else result


def driver_rows(db: Session, sql: str, params: Sequence[Any]) -> list[tuple]:
    """The rows of one read-only query (written with ? markers) sent straight to the driver, in the session's
    transaction (begun if needed). Values come back as the driver gives them: no column type processing."""
    connection = db.connection()
    driver = connection.connection.driver_connection
    if connection.dialect.paramstyle == "qmark":
        return driver.execute(sql, params).fetchall()
    cursor = driver.cursor()
    try:
        cursor.execute(sql.replace("?", "%s"), tuple(params))
        return cursor.fetchall()
    finally:
        cursor.close()
