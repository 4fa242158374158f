"""Password sign-in computes the password hash with no database transaction open (no SQLite write lock held)."""
import sqlite3

from sqlalchemy import create_engine, select, text, update

from conftest import login
from lms.auth import hashing
from lms.auth.models import User
from lms.db import get_session


def _write_lock_free(url: str) -> bool:
    """Whether another connection can take the write lock right now (SQLite), or no session is idle in a
    transaction on the database (PostgreSQL)."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            conn.close()
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
