"""Remembered LRS credentials (lms/lrs/credential_cache.py): a statement write skips the full credential read, yet
every change to the credential in the database holds from the very next request."""
from __future__ import annotations

import sys
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from lms.db import utcnow
from lms.lrs import credential_cache
from lms.lrs.lrs_auth import hash_secret
from lms.lrs.models import LRSCredential, Statement

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_lrs_statements import LRS, make_lrs, statement  # noqa: E402


def _remembered_lrs(app, db, org):
    """An LRS client whose credential is remembered (one statement stored), and its credential row."""
    lrs = make_lrs(app, db, org)
    assert lrs.post(statement()).status_code == 200
    db.rollback()
    credential = db.scalar(select(LRSCredential).where(LRSCredential.org_id == org.id))
    assert credential_cache.lookup(credential.key) is not None
    return lrs, credential


def test_lrs_credential_cache_rotated_secret_refused_next_request(app, db, world):
    """A secret rotated in the database refuses the old secret at once, although the key is remembered."""
    lrs, credential = _remembered_lrs(app, db, world["org_a"])
    credential.secret_hash = hash_secret("a-new-secret")
    db.commit()
    response = lrs.post(statement(id=str(uuid.uuid4())))
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Basic")
    assert credential_cache.lookup(credential.key) is None
    fresh = LRS(app.test_client(), credential.key, "a-new-secret")
    assert fresh.post(statement(id=str(uuid.uuid4()))).status_code == 200


def test_lrs_credential_cache_revoked_refused_even_for_bad_body(app, db, world):
    """A revoked credential gets 401, not the 400 its malformed body would earn: no answer before the check."""
    lrs, credential = _remembered_lrs(app, db, world["org_a"])
    credential.active = False
    db.commit()
    assert lrs.post({"actor": "nobody"}).status_code == 401
    assert lrs.post(statement(id=str(uuid.uuid4()))).status_code == 401


def test_lrs_credential_cache_scope_narrowed_refused(app, db, world):
    """A credential narrowed to read-only since it was remembered may not write at its next request."""
    lrs, credential = _remembered_lrs(app, db, world["org_a"])
    credential.scope = "read"
    db.commit()
    sid = str(uuid.uuid4())
    assert lrs.post(statement(id=sid)).status_code == 403
    db.rollback()
    assert db.scalar(select(Statement.seq).where(Statement.statement_id == sid)) is None


def test_lrs_credential_cache_renamed_authority_follows(app, db, world):
    """A renamed credential's next statement carries the new name as its authority."""
    lrs, credential = _remembered_lrs(app, db, world["org_a"])
    credential.name = "renamed client"
    db.commit()
    sid = str(uuid.uuid4())
    assert lrs.post(statement(id=sid)).status_code == 200
    assert lrs.get({"statementId": sid}).get_json()["authority"]["name"] == "renamed client"


def test_lrs_credential_cache_wrong_secret_refused(app, db, world):
    """A remembered key with a wrong secret is refused (the secret is checked on every request)."""
    lrs, credential = _remembered_lrs(app, db, world["org_a"])
    wrong = LRS(app.test_client(), credential.key, "not-the-secret")
    assert wrong.post(statement(id=str(uuid.uuid4()))).status_code == 401


def test_lrs_credential_cache_records_use_once_a_minute(app, db, world):
    """A remembered credential still records its use (at most once a minute), in the write's transaction."""
    lrs, credential = _remembered_lrs(app, db, world["org_a"])
    old = utcnow() - timedelta(minutes=5)
    credential.last_used_at = old
    db.commit()
    assert lrs.post(statement(id=str(uuid.uuid4()))).status_code == 200
    db.expire_all()
    touched = db.get(LRSCredential, credential.id).last_used_at
    assert touched > old + timedelta(minutes=4)
    assert lrs.post(statement(id=str(uuid.uuid4()))).status_code == 200
    db.expire_all()
    assert db.get(LRSCredential, credential.id).last_used_at == touched
    assert lrs.post({"actor": "bad"}).status_code == 400
