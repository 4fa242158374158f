"""Password sign-in computes the password hash with no database transaction open (no SQLite write lock held)."""

import pytest
from sqlalchemy import create_engine, event, select, text, update

from conftest import login
from transaction_helpers import sqlite_write_lock_free
from lms.auth import hashing
from lms.auth.models import User
from lms.db import get_session


def _write_lock_free(url: str) -> bool:
    """Whether another connection can take the write lock right now (SQLite), or no session is idle in a
    transaction on the database (PostgreSQL)."""
    if url.startswith("sqlite"):
        return sqlite_write_lock_free(url.removeprefix("sqlite:///"))
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return not conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                         "AND state LIKE 'idle in transaction%'")).scalar_one()
    finally:
        engine.dispose()


def _instrument_hash(monkeypatch, during):
    """Replace the password check of the sign-in with one that first calls during() (on the request thread, which
    waits for the hash thread) and records its answer."""
    seen = []
    real = hashing.check

    def checking(password_hash, password):
        seen.append(during())
        return real(password_hash, password)

    monkeypatch.setattr(hashing, "check", checking)
    return seen


def test_auth_signin_hash_runs_without_write_lock(app, client, world, database_url, monkeypatch):
    """While the hash is computed no transaction is open and another writer can take the write lock."""
    seen = _instrument_hash(monkeypatch, lambda: (get_session().in_transaction(), _write_lock_free(database_url)))
    assert login(client, "learner@alpha.example").status_code == 302
    assert login(app.test_client(), "learner@alpha.example", "wrong-password").status_code == 200
    assert login(app.test_client(), "nobody@alpha.example", "wrong-password").status_code == 200
    assert seen == [(False, True)] * 3


def test_auth_signin_refused_when_password_changed_during_hash(app, client, world, database_url, monkeypatch):
    """A password changed (or an account deactivated) while the old one was being checked does not sign in."""
    engine = create_engine(database_url)

    def change_password():
        with engine.begin() as conn:
            conn.execute(update(User).where(User.email == "learner@alpha.example").values(password_hash="scrypt:x"))

    _instrument_hash(monkeypatch, change_password)
    try:
        response = login(client, "learner@alpha.example")
    finally:
        engine.dispose()
    assert response.status_code == 200 and "falsch" in response.get_data(as_text=True)
    assert client.get("/courses/").status_code == 302


def test_auth_signin_lock_set_during_hash_refuses(app, client, world, db, monkeypatch):
    """A throttle lock set by concurrent failures while the hash was computed refuses even the right password."""
    from lms.auth import throttle

    def lock_account():
        with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
            throttle.record_failure(db, throttle.keys_and_limits("learner@alpha.example"), window=900, lock=900)
            for _ in range(app.config["LOGIN_MAX_FAILURES"]):
                throttle.record_failure(db, throttle.keys_and_limits("learner@alpha.example"), window=900, lock=900)
        db.commit()

    _instrument_hash(monkeypatch, lock_account)
    assert login(client, "learner@alpha.example").status_code == 429
    assert db.scalar(select(User.last_login_at).where(User.email == "learner@alpha.example")) is None


def _write_transactions(engine, action) -> list[list[str]]:
    """The statements of every write transaction (BEGIN IMMEDIATE … COMMIT) that `action` runs on SQLite."""
    found: list[list[str]] = []
    current: dict = {}

    def connected(dbapi_conn, _record):
        def trace(sql):
            words = sql.split(None, 2)
            if words[:2] == ["BEGIN", "IMMEDIATE"]:
                current[id(dbapi_conn)] = []
            elif id(dbapi_conn) in current:
                if words[0] in ("COMMIT", "ROLLBACK"):
                    found.append(current.pop(id(dbapi_conn)) + [words[0]])
                else:
                    current[id(dbapi_conn)].append(words[0])
        dbapi_conn.set_trace_callback(trace)

    engine.dispose()  # new connections, so each one gets the trace
    event.listen(engine, "connect", connected)
    try:
        action()
    finally:
        event.remove(engine, "connect", connected)
        engine.dispose()
    return found


def test_auth_signin_write_lock_held_for_two_updates_only(app, client, world, database_url, db):
    """A sign-in takes SQLite's write lock once, for the UPDATE of last_login_at and the UPDATE clearing its failure
    counters: no reads, no hooks and no session set-up while other writers wait."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    engine = app.extensions["lms_db"][0]
    responses = []
    found = _write_transactions(engine, lambda: responses.append(login(client, "learner@alpha.example")))
    assert responses[0].status_code == 302
    assert found == [["UPDATE", "UPDATE", "COMMIT"]]
    assert db.scalar(select(User.last_login_at).where(User.email == "learner@alpha.example")) is not None
    assert client.get("/courses/").status_code == 200


def test_auth_signin_success_clears_account_failures_not_address(app, client, world, db):
    """A successful sign-in forgets the account's failed attempts (in its short write transaction), not the
    address's."""
    from lms.auth.models import LoginThrottle

    assert login(app.test_client(), "learner@alpha.example", "wrong-password").status_code == 200
    assert login(client, "learner@alpha.example").status_code == 302
    db.expire_all()
    failures = {row.key.split(":", 1)[0]: row.failures for row in db.scalars(select(LoginThrottle))}
    assert failures == {"account": 0, "account-address": 0, "address": 1}
