"""Alembic environment: runs migrations against the configured URL with our metadata."""
import os

from alembic import context
from sqlalchemy import pool

from lms.db import Base, make_engine
from lms.migrations import import_models

import_models()
config = context.config
target_metadata = Base.metadata
# Autogenerate for one package only: LMS_AUTOGEN_PREFIX=quiz_ flask db revision … (each package has its own branch).
AUTOGEN_PREFIXES = tuple(p for p in os.environ.get("LMS_AUTOGEN_PREFIX", "").split(",") if p)


def include_object(obj, name, type_, reflected, compare_to):
    """Limit autogenerate to the tables named by LMS_AUTOGEN_PREFIX (all tables when unset)."""
    if not AUTOGEN_PREFIXES:
        return True
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", "")
    return table.startswith(AUTOGEN_PREFIXES)


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            # SQLite rebuilds a table to change it (batch mode: copy, DROP, rename); with foreign keys on, the DROP
            # of a referenced table fails. The pragma only works outside a transaction, so it goes to the driver
            # connection before Alembic begins one (SQLite's documented procedure for schema changes).
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                          compare_type=True, include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
