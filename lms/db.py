"""Database: declarative base, engine per app, one session per request committed once at the end."""
from __future__ import annotations

import contextvars
import os
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator

from flask import Flask, after_this_request, current_app, g, has_request_context, request
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import DateTime, TypeDecorator

from .sqlite_gate import GatedConnection, gate_for
from .sqlite_wal import CHECKPOINT_FRAMES, WalCheckpoints

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_SECONDS = 30
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Reads start deferred transactions; anything that may write takes SQLite's write lock up front
# (BEGIN IMMEDIATE), so two writers queue on busy_timeout instead of failing on lock upgrade.
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("lms_write_intent", default=False)


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention Alembic can diff."""

    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given; use utcnow()")
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout, foreign keys and explicit BEGINs."""
    if url.startswith("sqlite"):
        _create_private_file(url)
        kwargs.setdefault("connect_args", {"timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False})
        kwargs["connect_args"].setdefault("factory", GatedConnection)
        engine = create_engine(url, **kwargs)
        _tune_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _create_private_file(url: str) -> None:
    """Create a SQLite database file readable by its owner only (0600) before SQLite creates it with the umask."""
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    try:
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except (FileExistsError, FileNotFoundError):
        pass  # there already, or no such folder (SQLite reports that itself when it connects)


def _tune_sqlite(engine: Engine) -> None:
    database = engine.url.database
    on_disk = database not in (None, "", ":memory:") and not database.startswith("file:")
    gate = gate_for(database, SQLITE_BUSY_SECONDS) if on_disk else None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        checkpoints_after_commit = on_disk and isinstance(dbapi_conn, GatedConnection)
        cur = dbapi_conn.cursor()
        if checkpoints_after_commit:
            # The file SQLite opened (a symbolic link resolved): its -shm file holds the log's frame counts.
            dbapi_conn.lms_gate = gate
            dbapi_conn.lms_wal = WalCheckpoints(cur.execute("PRAGMA database_list").fetchone()[2])
        if database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        # Each LRS batch dirties hundreds of index pages: a larger page cache (up to 32 MiB per connection, taken
        # only as used) spares re-reading them, and checkpointing every 10,000 WAL pages instead of every 1,000
        # copies a page that several commits changed once (and syncs once). Neither changes durability:
        # synchronous=NORMAL in WAL mode, as before; the WAL file is truncated back to 64 MiB after a checkpoint.
        # Gated connections checkpoint after their commit has opened the writer gate (sqlite_wal.py), not in it.
        cur.execute("PRAGMA cache_size=-32768")
        cur.execute(f"PRAGMA wal_autocheckpoint={0 if checkpoints_after_commit else CHECKPOINT_FRAMES}")
        cur.execute("PRAGMA journal_size_limit=67108864")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Straight on the driver's connection: SQLAlchemy's statement machinery (events, cursor wrapper, result)
        # cost as much as the rest of opening the transaction, and BEGIN returns nothing.
        # Writers pass the writer gate first (lms/sqlite_gate.py): the next one wakes as soon as the lock is free.
        driver = conn.connection.driver_connection
        if not write_intent.get():
            driver.execute("BEGIN")
        elif isinstance(driver, GatedConnection):
            driver.begin_immediate()
        else:
            driver.execute("BEGIN IMMEDIATE")


def init_app(app: Flask) -> None:
    """Create the engine and session factory, and commit or roll back once per request."""
    engine = make_engine(app.config["DATABASE_URL"], **app.config.get("ENGINE_OPTIONS", {}))
    app.extensions["lms_db"] = (engine, sessionmaker(engine, expire_on_commit=False))

    @app.before_request
    def _mark_intent():
        # GET endpoints that record an audit row (app.extensions["lms_write_on_get"]) take the write lock too.
        writes = request.method not in SAFE_METHODS or request.endpoint in app.extensions.get("lms_write_on_get", ())
        g._lms_intent_token = write_intent.set(writes)
        after_this_request(_finish)  # first: no write lock while headers and cookies are set (see before_commit)

    @app.after_request  # again last: ends a transaction an after-request hook opened (none of the LMS's do)
    def _finish(response):
        for hook in g.pop("_lms_before_commit", ()):
            response = hook(response)
        session, connection = g.pop("_lms_session", None), g.pop("_lms_connection", None)
        try:
            if session is not None and (session.in_transaction() or connection is None):
                if response.status_code < 400:
                    session.commit()
                else:
                    session.rollback()
            if connection is not None and connection.in_transaction():
                # Only Core reads used the request's connection (the session never began): end its transaction
                # directly, without the session's transaction machinery.
                if response.status_code < 400:
                    connection.commit()
                else:
                    connection.rollback()
        finally:
            _release(session, connection)
        return response

    @app.teardown_request
    def _close(exc):
        session, connection = g.pop("_lms_session", None), g.pop("_lms_connection", None)
        if session is not None:
            session.rollback()
        _release(session, connection)  # closing the connection rolls back what is still open
        token = g.pop("_lms_intent_token", None)
        if token is not None:
            write_intent.reset(token)


def before_commit(hook) -> None:
    """Run hook(response) -> response in the request's transaction as it ends (the transaction ends before the
    after-request hooks run): it may still write, or answer instead (an error status rolls back)."""
    g.setdefault("_lms_before_commit", []).append(hook)


def _release(session: Session | None, connection) -> None:
    """Close the request's session and connection; a session that was bound to the connection is bound to the
    engine again, so objects that keep it (the session user) can still load lazily after the request, as before."""
    if session is not None:
        session.close()
        if connection is not None and session.bind is connection:
            session.bind = connection.engine
    if connection is not None:
        connection.close()


def conflict_insert(db: Session, table):
    """An INSERT of the session's dialect that takes ON CONFLICT clauses (PostgreSQL or SQLite)."""
    if db.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def get_engine() -> Engine:
    """The current app's engine."""
    return current_app.extensions["lms_db"][0]


def get_session() -> Session:
    """The request's session, created on first use.

    In a read-only request (no write intent) the session is bound to the request's own connection, whose
    transaction it takes over as its own when it is first used ("control_fully": commit, rollback and close act
    on it as on a transaction the session began itself). Core reads through read_connection() use the same
    connection and transaction, so a page that only reads with Core never pays for the session's transaction
    handling (about 35 µs per request), and everything the request reads comes from one transaction as before.
    """
    request_globals = g._get_current_object()  # one proxy look-up: every LRS request asks several times
    session = getattr(request_globals, "_lms_session", None)
    if session is None:
        maker = current_app.extensions["lms_db"][1]
        if has_request_context() and not write_intent.get():
            session = maker(bind=_request_connection(request_globals), join_transaction_mode="control_fully")
        else:  # a request that may write, or no request (CLI, app context in tests): a session of its own
            session = maker()
        request_globals._lms_session = session
    return session


def _request_connection(request_globals):
    connection = getattr(request_globals, "_lms_connection", None)
    if connection is None:
        connection = request_globals._lms_connection = current_app.extensions["lms_db"][0].connect()
    return connection


def read_connection(db: Session):
    """The connection for Core reads in the request: in a read-only request the request's connection (its
    transaction begun on first use; the session, if it is used as well, shares it), else the session's own."""
    connection = g.get("_lms_connection") if has_request_context() else None
    if connection is None or db is not g.get("_lms_session"):
        return db.connection()
    return connection


def end_read_transaction(session: Session) -> None:
    """End the session's transaction, which must not have written anything (a rollback of reads only)."""
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("end_read_transaction() with pending writes; read before writing")
    if session.in_transaction():
        session.rollback()


@contextmanager
def read_phase(session: Session) -> Iterator[Session]:
    """Reads that must not take SQLite's write lock even in a POST (BEGIN, not BEGIN IMMEDIATE), ended on exit.

    Slow work after the reads (a password hash) then runs with no transaction open; the request's writes begin
    their own BEGIN IMMEDIATE transaction afterwards and must re-check what they rely on.
    """
    end_read_transaction(session)
    token = write_intent.set(False)
    try:
        yield session
    finally:
        write_intent.reset(token)
        end_read_transaction(session)


@contextmanager
def session_scope(write: bool = True) -> Iterator[Session]:
    """A session outside a request (CLI, workers): commits on success, rolls back on error."""
    token = write_intent.set(write)
    session = current_app.extensions["lms_db"][1]()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
        write_intent.reset(token)


@contextmanager
def side_session() -> Iterator[Session]:
    """A short write transaction of its own, committed at once (a counter, a key created on first use).

    On SQLite, when the current request already holds the write lock (BEGIN IMMEDIATE), the request's session is
    used instead: a second writer in the same process would wait for that lock until the busy timeout."""
    request_session = g.get("_lms_session") if has_request_context() else None
    if (request_session is not None and write_intent.get() and request_session.in_transaction()
            and request_session.get_bind().dialect.name == "sqlite"):
        yield request_session
        return
    with session_scope(write=True) as session:
        yield session
