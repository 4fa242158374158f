"""Bulk writes into the migrated schema, driven by the models' table metadata (lms Base.metadata).

The benchmark generators give each row as a dict of the columns they know; every other column of the table is
filled the way the ORM would fill it: the column's Python default (scalar or callable), or left out of the INSERT
so the database applies its server default, or NULL when the column is nullable. A column that is NOT NULL with
no default at all stops the load with a message naming it (a migration added something the generator must learn).
Values go through each column type's own bind processor, then straight to the driver: sqlite3 executemany on
SQLite, COPY on PostgreSQL. So a new column or table from a migration needs no change here.

    writer = BulkWriter(engine)
    writer.insert("organisations", [{"id": 1, "name": "Bench GmbH", "slug": "bench"}])
"""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import MetaData, Table, func, select, text
from sqlalchemy.engine import Engine


class MissingColumnValue(RuntimeError):
    """A NOT NULL column without any default that the generator does not fill."""


def lms_metadata() -> MetaData:
    """The metadata of every LMS table (all model modules imported)."""
    from lms.db import Base
    from lms.migrations import import_models

    import_models()
    return Base.metadata


class _Plan:
    """How one table is written for a given set of supplied columns: column order, defaults, processors."""

    def __init__(self, table: Table, supplied: frozenset, engine: Engine):
        unknown = supplied - set(table.columns.keys())
        if unknown:
            raise MissingColumnValue(f"{table.name}: the generator fills columns the table does not have: "
                                     f"{sorted(unknown)}")
        self.columns, self.fillers = [], []
        for column in table.columns:
            if column.key in supplied:
                self.columns.append(column)
                self.fillers.append(None)
            elif column.default is not None and not column.default.is_sequence:
                self.columns.append(column)
                self.fillers.append(_default_filler(column.default, engine))
            elif column.server_default is not None or column.nullable or _autoincrement(column):
                continue  # the database fills it (server default, NULL or the next id)
            else:
                raise MissingColumnValue(f"{table.name}.{column.name} is NOT NULL without a default; teach the "
                                         "benchmark generator (bench/_data.py) a value for it")
        dialect = engine.dialect
        self.processors = [column.type.dialect_impl(dialect).bind_processor(dialect) for column in self.columns]
        # JSON columns store None as JSON null (as the ORM does); other types pass None on as SQL NULL.
        self.process_none = [column.type.should_evaluate_none for column in self.columns]
        self.names = [column.name for column in self.columns]

    def values(self, row: dict) -> tuple:
        """One row as a tuple of driver values, in column order."""
        out = []
        for column, filler, processor, none in zip(self.columns, self.fillers, self.processors, self.process_none):
            value = row[column.key] if filler is None else filler()
            out.append(processor(value) if processor is not None and (value is not None or none) else value)
        return tuple(out)


def _default_filler(default, engine: Engine):
    """A zero-argument function giving a column default's value (callable defaults are called per row).

    A SQL-expression default (e.g. func.now()) is evaluated once for the whole load.
    """
    if default.is_callable:
        return lambda: default.arg(None)
    if default.is_scalar:
        return lambda: default.arg
    with engine.connect() as conn:
        value = conn.scalar(select(default.arg))
    return lambda: value


def _autoincrement(column) -> bool:
    """An integer primary key the database numbers itself."""
    return column.primary_key and column.autoincrement in (True, "auto") and len(column.table.primary_key) == 1


class BulkWriter:
    """Writes dict rows into the tables of `metadata` on one engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine, metadata: MetaData | None = None):
        """Use the LMS metadata unless another one (e.g. with extra columns, in tests) is given."""
        self.engine, self.metadata = engine, metadata if metadata is not None else lms_metadata()
        self.dialect = engine.dialect
        self._plans: dict = {}
        self.explicit_ids: set[str] = set()
        self._raw = engine.raw_connection()
        if self.dialect.name == "sqlite":
            cursor = self._raw.cursor()
            for pragma in ("journal_mode=WAL", "synchronous=OFF", "cache_size=-1000000", "temp_store=MEMORY",
                           "foreign_keys=OFF"):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

    def table(self, name: str) -> Table:
        """The metadata's table of that name."""
        return self.metadata.tables[name]

    def insert(self, name: str, rows: list[dict]) -> int:
        """Insert rows (dicts with the same keys) into a table in one transaction; returns the row count."""
        if not rows:
            return 0
        supplied = frozenset(rows[0])
        key = (name, supplied)
        if key not in self._plans:
            self._plans[key] = _Plan(self.table(name), supplied, self.engine)
        plan = self._plans[key]
        pk = self.table(name).primary_key.columns
        if len(pk) == 1 and next(iter(pk)).key in supplied:
            self.explicit_ids.add(name)
        quote = self.dialect.identifier_preparer.quote
        columns = ", ".join(quote(n) for n in plan.names)
        values = [plan.values(row) for row in rows]
        cursor = self._raw.cursor()
        try:
            if self.dialect.name == "postgresql":
                with cursor.copy(f"COPY {quote(name)} ({columns}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(plan.names))
                cursor.executemany(f"INSERT INTO {quote(name)} ({columns}) VALUES ({marks})", values)
            self._raw.commit()
        finally:
            cursor.close()
        return len(values)

    @contextmanager
    def without_indexes(self, names: list[str]):
        """Drop the tables' secondary indexes (as the models declare them) and create them again afterwards.

        Building an index once over sorted data is much faster than maintaining it row by row.
        """
        indexes = [index for name in names for index in self.table(name).indexes]
        with self.engine.begin() as conn:
            for index in indexes:
                index.drop(conn)
        try:
            yield
        finally:
            with self.engine.begin() as conn:
                if self.dialect.name == "postgresql":
                    conn.execute(text("SET maintenance_work_mem = '256MB'"))
                for index in indexes:
                    index.create(conn)

    def finish(self) -> None:
        """Move PostgreSQL id sequences past the ids written explicitly and let it gather statistics; close.

        PostgreSQL's autovacuum would analyse the new tables within a minute anyway; SQLite is left as the app
        leaves it (the app never runs ANALYZE there).
        """
        self._raw.close()
        with self.engine.begin() as conn:
            if self.dialect.name == "postgresql":
                for name in sorted(self.explicit_ids):
                    pk = next(iter(self.table(name).primary_key.columns))
                    top = conn.scalar(select(func.max(pk)))
                    if top is not None:
                        conn.execute(text("SELECT setval(pg_get_serial_sequence(:t, :c), :v)"),
                                     {"t": name, "c": pk.name, "v": top})
                conn.execute(text("ANALYZE"))
            else:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
