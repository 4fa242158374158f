"""The tool's signing key: created once, private part encrypted at rest, public part served as a JWKS."""
from __future__ import annotations

import base64
import secrets

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import LtiToolKey


def _fernet() -> Fernet:
    raw = current_app.config["SECRET_KEY"]
    raw = raw.encode() if isinstance(raw, str) else raw
    # A purpose label keeps this key independent of every other use of SECRET_KEY.
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"lms-lti-v1", info=b"tool-private-key").derive(raw)
    return Fernet(base64.urlsafe_b64encode(key))


def ensure_tool_key(db: Session) -> LtiToolKey:
    """The newest tool key, created (and flushed) when there is none yet."""
    row = db.scalar(select(LtiToolKey).order_by(LtiToolKey.id.desc()).limit(1))
    if row is not None:
        return row
    kid = secrets.token_hex(8)
    key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})
    pem = key.as_pem(private=True)
    row = LtiToolKey(kid=kid, private_pem_encrypted=_fernet().encrypt(pem).decode(),
                     public_jwk=key.as_dict(private=False))
    db.add(row)
    db.flush()
    return row


def signing_key(db: Session) -> RSAKey:
    """The tool's private key for signing client assertions and deep-linking responses."""
    row = ensure_tool_key(db)
    pem = _fernet().decrypt(row.private_pem_encrypted.encode())
    return RSAKey.import_key(pem, parameters={"kid": row.kid, "alg": "RS256", "use": "sig"})


def public_jwks(db: Session) -> dict:
    """The tool's public keys as a JWK Set (no private members)."""
    rows = db.scalars(select(LtiToolKey).order_by(LtiToolKey.id)).all()
    return KeySet([RSAKey.import_key(row.public_jwk) for row in rows]).as_dict(private=False) if rows else {"keys": []}
