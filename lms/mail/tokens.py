"""Single-use, expiring account tokens for invitations and password resets (only a SHA-256 hash is stored)."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from .. import clock
from ..auth.models import User
from .models import AccountToken

PURPOSES = ("invitation", "reset")
CHUNK = 500  # IN lists stay well below every database's parameter limit


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def fingerprint(user: User) -> str:
    """A digest of the user's current password hash: any password change makes it differ."""
    return hashlib.sha256(user.password_hash.encode("utf-8")).hexdigest()


def issue(db: Session, user: User, purpose: str, lifetime: timedelta) -> str:
    """Create a token for the user and return it in clear text (to put in a link); earlier unused ones end."""
    now = clock.now()
    # No session sync: it would compare every object the session holds (quadratic in a bulk import of thousands).
    db.execute(update(AccountToken).where(AccountToken.user_id == user.id, AccountToken.purpose == purpose,
                                          AccountToken.used_at.is_(None)).values(used_at=now)
               .execution_options(synchronize_session=False))
    token = secrets.token_urlsafe(32)
    db.add(AccountToken(user_id=user.id, purpose=purpose, token_hash=_hash(token), password_fingerprint=fingerprint(user),
                        created_at=now, expires_at=now + lifetime))
    db.flush()
    return token


def issue_many(db: Session, users: list[User], purpose: str, lifetime: timedelta) -> list[str]:
    """`issue` for many users at once (one UPDATE and one INSERT per chunk); the tokens in the users' order."""
    now = clock.now()
    tokens = [secrets.token_urlsafe(32) for _ in users]
    for start in range(0, len(users), CHUNK):
        ids = [user.id for user in users[start:start + CHUNK]]
        db.execute(update(AccountToken).where(AccountToken.user_id.in_(ids), AccountToken.purpose == purpose,
                                              AccountToken.used_at.is_(None)).values(used_at=now)
                   .execution_options(synchronize_session=False))
    rows = [{"user_id": user.id, "purpose": purpose, "token_hash": _hash(token), "password_fingerprint":
             fingerprint(user), "created_at": now, "expires_at": now + lifetime, "used_at": None}
            for user, token in zip(users, tokens)]
    if rows:
        db.execute(insert(AccountToken.__table__), rows)
    return tokens


def lookup(db: Session, token: str) -> tuple[AccountToken, User] | None:
    """The valid token and its user: unused, not expired, password unchanged since issue, account active."""
    if not token or len(token) > 200:
        return None
    row = db.scalar(select(AccountToken).where(AccountToken.token_hash == _hash(token)))
    if row is None or row.used_at is not None or row.expires_at <= clock.now():
        return None
    user = db.get(User, row.user_id)
    if user is None or not user.active or fingerprint(user) != row.password_fingerprint:
        return None
    return row, user


def consume(db: Session, token: str) -> User | None:
    """Mark a valid token used (atomically, so it works once even if two requests race); returns its user."""
    found = lookup(db, token)
    if found is None:
        return None
    row, user = found
    used = db.execute(update(AccountToken).where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
                      .values(used_at=clock.now())).rowcount
    return user if used == 1 else None
