"""The credential signing key, kept in the database so that every app server signs with the same key.

The key is created on first use (or taken over once from an older installation's instance/credential_key.pem, so
certificates issued before keep verifying) and stored encrypted with a key derived from SECRET_KEY. Two servers
creating it at the same moment agree on one row (INSERT … ON CONFLICT DO NOTHING, then read). A server keeps the
decrypted key in memory only after reading it committed: the row never changes afterwards.
"""
from __future__ import annotations

import base64
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import select

from .. import clock
from ..db import conflict_insert, session_scope, side_session
from .models import CredentialKey

KEY_ROW = 1
CACHE = "lms_credential_key_db"


class KeyUnreadable(RuntimeError):
    """The stored key cannot be decrypted: SECRET_KEY differs from the one it was stored with."""


def _fernet() -> Fernet:
    raw = current_app.config["SECRET_KEY"]
    raw = raw.encode() if isinstance(raw, str) else raw
    # A purpose label keeps this key independent of every other use of SECRET_KEY.
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"lms-certificates-v1",
               info=b"credential-private-key").derive(raw)
    return Fernet(base64.urlsafe_b64encode(key))


def _decrypt(token: str) -> Ed25519PrivateKey:
    try:
        pem = _fernet().decrypt(token.encode())
    except InvalidToken as exc:
        raise KeyUnreadable("the credential key cannot be decrypted: every server needs the same SECRET_KEY") from exc
    return serialization.load_pem_private_key(pem, password=None)


def _initial_pem() -> bytes:
    """An older installation's key file if there is one, else a new key."""
    legacy = Path(current_app.instance_path) / "credential_key.pem"
    if legacy.is_file():
        key = serialization.load_pem_private_key(legacy.read_bytes(), password=None)
    else:
        key = Ed25519PrivateKey.generate()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _insert_if_missing(db, token: str) -> None:
    db.execute(conflict_insert(db, CredentialKey.__table__).values(id=KEY_ROW, private_pem_encrypted=token, created_at=clock.now())
               .on_conflict_do_nothing(index_elements=["id"]))


def stored_key() -> Ed25519PrivateKey:
    """The instance's signing key from the database, created there on first use."""
    cached = current_app.extensions.get(CACHE)
    if cached is not None:
        return cached
    with session_scope(write=False) as db:
        token = db.scalar(select(CredentialKey.private_pem_encrypted).where(CredentialKey.id == KEY_ROW))
    if token is not None:
        key = current_app.extensions[CACHE] = _decrypt(token)
        return key
    with side_session() as db:
        _insert_if_missing(db, _fernet().encrypt(_initial_pem()).decode())
        token = db.scalar(select(CredentialKey.private_pem_encrypted).where(CredentialKey.id == KEY_ROW))
    return _decrypt(token)  # cached from the next call on, once the row is surely committed
