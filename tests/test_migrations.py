"""The migrations build exactly the schema the models describe, and they run down and up again."""
from __future__ import annotations

import os
import uuid

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from lms.db import Base
from lms.migrations import alembic_config, import_models, upgrade


def _diff(url: str) -> list:
    import_models()
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}),
                                    Base.metadata)
    finally:
        engine.dispose()


@pytest.fixture
def empty_database_url(tmp_path):
    """An empty database of the kind the suite runs on (SQLite, or PostgreSQL with LMS_TEST_POSTGRES_URL)."""
    server = os.environ.get("LMS_TEST_POSTGRES_URL")
    if not server:
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    name = f"lms_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"{server}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrations_match_models(empty_database_url):
    """After `upgrade heads` there is nothing left for autogenerate to add, drop or change."""
    url = empty_database_url
    upgrade(url)
    assert _diff(url) == []


def test_migrations_downgrade_to_base_and_upgrade_again(empty_database_url):
    """Every migration has a working downgrade: base leaves only Alembic's table, and heads rebuilds all."""
    url = empty_database_url
    upgrade(url)
    command.downgrade(alembic_config(url), "base")
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    upgrade(url)
    assert _diff(url) == []
