"""The ingest path's speed mechanisms keep their promises: no write lock while a body is checked, exact depth."""
from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from lms import safejson
from lms.lrs import statements_views
from lms.lrs.models import LRSCredential, Statement

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_lrs_statements import make_lrs, statement  # noqa: E402
from transaction_helpers import committed_count, write_lock_free  # noqa: E402


@pytest.mark.parametrize("step", ["validate_statements", "prepare_statements"])
def test_ingest_work_before_store_without_write_lock(app, db, world, monkeypatch, step):
    """While a POST body is validated, and while its ids, JSON and index rows are prepared, other workers can still
    write: the lock is taken only to store."""
    if app.extensions["lms_db"][0].dialect.name != "sqlite":
        pytest.skip("SQLite's database-wide write lock")
    lrs = make_lrs(app, db, world["org_a"])
    seen = []
    original = getattr(statements_views, step)

    def checking(*args, **kwargs):
        seen.append(write_lock_free(app))
        return original(*args, **kwargs)

    monkeypatch.setattr(statements_views, step, checking)
    for _ in range(2):  # the second request has a remembered credential, confirmed in the write transaction
        response = lrs.post([statement(), statement()])
        assert response.status_code == 200, response.get_data(as_text=True)
    assert seen == [True, True]
    db.rollback()
    assert len(db.scalars(select(Statement.seq).where(Statement.org_id == world["org_a"].id)).all()) == 4


def test_ingest_after_request_hooks_run_without_write_lock(app, db, world, monkeypatch):
    """The headers every response gets are set after the request's transaction ended: the statements a POST stored
    are visible to another connection by then, and on SQLite the write lock is free again."""
    lrs = make_lrs(app, db, world["org_a"])
    seen = []
    original = statements_views.response_version

    def checking():
        seen.append((committed_count(app, "SELECT count(*) FROM xapi_statements"), write_lock_free(app)))
        return original()

    monkeypatch.setattr(statements_views, "response_version", checking)
    for _ in range(2):
        response = lrs.post(statement())
        assert response.status_code == 200, response.get_data(as_text=True)
    free = True if app.extensions["lms_db"][0].dialect.name == "sqlite" else None
    assert seen == [(1, free), (2, free)]


def test_ingest_revoked_credential_refused_on_next_request(app, db, world):
    """A credential deactivated between two requests is refused by the very next one (nothing is cached)."""
    lrs = make_lrs(app, db, world["org_a"])
    assert lrs.post(statement()).status_code == 200
    db.rollback()
    credential = db.scalar(select(LRSCredential).where(LRSCredential.org_id == world["org_a"].id))
    assert credential.last_used_at is not None  # a write touches the credential
    credential.active = False
    db.commit()
    assert lrs.post(statement(id=str(uuid.uuid4()))).status_code == 401


def test_ingest_stored_follows_seq(app, db, world):
    """stored never decreases along seq: the clock is read once the write transaction has begun."""
    lrs = make_lrs(app, db, world["org_a"])
    for _ in range(3):
        assert lrs.post([statement(), statement()]).status_code == 200
    db.rollback()
    stored = db.scalars(select(Statement.stored).where(Statement.org_id == world["org_a"].id)
                        .order_by(Statement.seq)).all()
    assert len(stored) == 6 and stored == sorted(stored)


def test_safejson_depth_ignores_brackets_and_quotes_inside_strings():
    """Brackets and escaped quotes inside strings never count as nesting; real nesting past the limit does."""
    tricky = '"\\"[[[[\\\\", "]]]]\\\\\\"{{{"'
    assert safejson.loads("[" * 64 + tricky + "]" * 64) is not None
    assert safejson.loads("[" + ",".join(['{"a":"[[[[[[[[[["}'] * 40) + "]")[0] == {"a": "[" * 10}
    with pytest.raises(safejson.JSONInputError, match="nested"):
        safejson.loads("[" * 65 + tricky + "]" * 65)
    with pytest.raises(safejson.JSONInputError, match="nested"):
        safejson.loads('{"a":"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",'
                       '"b":' + "[" * 70 + "]" * 70 + "}")
