"""The benchmark data generator follows the schema: new columns are filled from the models' defaults."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import Column, Integer, MetaData, String, create_engine, literal, text

from bench._data import generate
from bench._databases import ScratchDatabases
from bench._tables import BulkWriter, MissingColumnValue, lms_metadata

PG_URL = os.environ.get("LMS_TEST_POSTGRES_URL")


def metadata_with(extra: dict) -> MetaData:
    """A copy of the LMS metadata with extra columns ({table: [column factory]}), as a new migration adds them."""
    copy = MetaData(naming_convention=lms_metadata().naming_convention)
    for table in lms_metadata().sorted_tables:
        table.to_metadata(copy)
    for name, factories in extra.items():
        for factory in factories:
            copy.tables[name].append_column(factory())
    return copy


def probes() -> list:
    """NOT NULL columns with a server default and a scalar, a callable and a SQL-expression Python default."""
    return [lambda: Column("probe_server", Integer, nullable=False, server_default="7"),
            lambda: Column("probe_scalar", String(8), nullable=False, default="py"),
            lambda: Column("probe_callable", String(8), nullable=False, default=lambda: "cb"),
            lambda: Column("probe_sql", Integer, nullable=False, default=literal(3) + 2)]


@pytest.fixture
def scratch():
    """Empty scratch databases on the suite's database kind (PostgreSQL when the suite runs there)."""
    with ScratchDatabases(PG_URL, prefix="test_bench") as dbs:
        yield dbs


def test_bench_generator_new_not_null_columns_get_their_defaults(scratch):
    """NOT NULL columns with a server, scalar, callable or SQL default, unknown to the generator, are filled."""
    tables = ("organisations", "users", "xapi_statements", "quiz_attempts")
    metadata = metadata_with({name: probes() for name in tables})
    url = scratch.new("defaults")
    engine = create_engine(url)
    metadata.create_all(engine)
    info = generate(url, learners=8, statements=60, small_learners=2, metadata=metadata, migrate=False,
                    log=lambda _msg: None)
    assert info.counts["xapi_statements"] == 60
    with engine.connect() as conn:
        for name in tables:
            rows = conn.execute(text(f"SELECT DISTINCT probe_server, probe_scalar, probe_callable, probe_sql "
                                     f"FROM {name}")).all()
            assert [tuple(row) for row in rows] == [(7, "py", "cb", 5)], name
    engine.dispose()


def test_bench_generator_not_null_column_without_default_is_named(scratch):
    """A NOT NULL column without any default stops the load with the table and column in the message."""
    metadata = metadata_with({"organisations": [lambda: Column("probe_required", Integer, nullable=False)]})
    url = scratch.new("required")
    engine = create_engine(url)
    metadata.create_all(engine)
    writer = BulkWriter(engine, metadata)
    with pytest.raises(MissingColumnValue, match="organisations.probe_required"):
        writer.insert("organisations", [{"id": 1, "name": "A", "slug": "a"}])
    writer.finish()
    engine.dispose()


def test_bench_generator_unknown_column_is_named(scratch):
    """A column the generator fills but the table lost (renamed by a migration) is reported, not ignored."""
    url = scratch.new("renamed")
    engine = create_engine(url)
    lms_metadata().create_all(engine)
    writer = BulkWriter(engine)
    with pytest.raises(MissingColumnValue, match="old_name"):
        writer.insert("organisations", [{"id": 1, "name": "A", "slug": "a", "old_name": "x"}])
    writer.finish()
    engine.dispose()


def test_bench_generator_fills_the_migrated_schema(scratch):
    """On the migrated schema the generator writes people, progress, statements and their index rows."""
    url = scratch.new("migrated")
    info = generate(url, learners=12, statements=80, small_learners=3, log=lambda _msg: None)
    assert info.counts["users"] == 12 + 3 + 3
    assert info.counts["xapi_statements"] == 80
    assert info.counts["xapi_statement_agents"] == 160
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM xapi_statements WHERE user_id IS NOT NULL")).scalar() > 0
    engine.dispose()
