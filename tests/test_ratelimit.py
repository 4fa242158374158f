"""Shared rate limits: counters in the database, so every app server (here: two apps on one database) shares them."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select

from conftest import login, make_app
from lms import clock, ratelimit


def test_ratelimit_shared_between_two_apps_on_one_database(app, database_url, tmp_path):
    """Two app instances (two nodes) on one database share the public verification budget of an address."""
    other = make_app(database_url, tmp_path / "node-b")
    try:
        node_a, node_b = app.test_client(), other.test_client()
        statuses = [(node_a if n % 2 else node_b).get("/verify/AAAA-BBBB").status_code for n in range(31)]
        assert 429 not in statuses[:30] and statuses[30] == 429
        assert node_a.get("/verify/AAAA-BBBB").status_code == 429
    finally:
        other.extensions["lms_db"][0].dispose()


def test_ratelimit_sliding_window_recovers(app, db):
    """Hits age out: half a window later half the previous window still counts; two windows later all is free."""
    frozen = clock.FrozenClock(datetime(2026, 12, 6, 12, 0, 0, tzinfo=timezone.utc))
    clock.install(app, frozen)
    with app.app_context():
        assert all(ratelimit.allow(db, "k", 10, 60) for _ in range(10))
        assert not ratelimit.allow(db, "k", 10, 60)
        frozen.advance(seconds=90)  # half of the previous window (11 hits) weighs 5.5, plus this hit
        assert [ratelimit.allow(db, "k", 10, 60) for _ in range(5)] == [True, True, True, True, False]
        frozen.advance(seconds=120)
        assert ratelimit.allow(db, "k", 10, 60)


def test_ratelimit_old_windows_are_deleted(app, db):
    """Counters of windows long past are removed when a key starts a new window."""
    frozen = clock.FrozenClock(datetime(2026, 12, 6, 12, 0, 0, tzinfo=timezone.utc))
    clock.install(app, frozen)
    with app.app_context():
        for n in range(50):
            ratelimit.allow(db, f"address-{n}", 5, 60)
        frozen.advance(minutes=10)
        ratelimit.allow(db, "late", 5, 60)
        db.flush()
        assert db.scalar(select(func.count()).select_from(ratelimit.RateCounter)) == 1


def test_ratelimit_signed_in_upload_does_not_wait_for_own_lock(app, world, db):
    """A signed-in user's credential upload (a POST holding the SQLite write lock) is counted without waiting."""
    client = app.test_client()
    login(client, world["learner_a"].email)
    response = client.post("/verify/credential", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
