"""Scratch databases for the benchmarks: SQLite files in a temporary folder, or databases on a PostgreSQL server.

    with ScratchDatabases(postgres="postgresql+psycopg://lms@127.0.0.1:5432") as dbs:
        url = dbs.new("main")      # a fresh, empty database; dropped (or deleted) on exit
"""
from __future__ import annotations

import secrets
import shutil
import tempfile
from pathlib import Path


class ScratchDatabases:
    """Creates empty databases on demand and removes all of them at the end."""

    def __init__(self, postgres: str | None = None, prefix: str = "lms_bench", keep: bool = False):
        """SQLite unless `postgres` is a server URL without a database name (scripts/pg-cluster.sh prints one).

        keep: leave the databases and the folder (logs) in place for a look afterwards.
        """
        self.postgres = postgres.rstrip("/") if postgres else None
        self.keep = keep
        self.prefix = prefix
        self.workdir = Path(tempfile.mkdtemp(prefix=f"{prefix}_"))
        self._names: list[str] = []
        self._admin = None

    @property
    def kind(self) -> str:
        """'PostgreSQL' or 'SQLite', for the printed figures."""
        return "PostgreSQL" if self.postgres else "SQLite"

    def new(self, label: str) -> str:
        """The URL of a new empty database."""
        if not self.postgres:
            return f"sqlite:///{self.workdir / f'{label}.sqlite3'}"
        from sqlalchemy import create_engine, text

        if self._admin is None:
            self._admin = create_engine(f"{self.postgres}/postgres", isolation_level="AUTOCOMMIT")
        name = f"{self.prefix}_{label}_{secrets.token_hex(3)}"
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self._names.append(name)
        return f"{self.postgres}/{name}"

    def close(self) -> None:
        """Drop the PostgreSQL databases and delete the temporary folder (unless asked to keep them)."""
        if self.keep:
            print(f"kept {self.workdir} {' '.join(self._names)}")
            return
        if self._admin is not None:
            from sqlalchemy import text

            with self._admin.connect() as conn:
                for name in self._names:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            self._admin.dispose()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> "ScratchDatabases":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
