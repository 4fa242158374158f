"""Local accounts for people who arrive from another system by a launch (LTI, cmi5, SCORM)."""
from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from .models import Organisation, User
from .services import create_user, generate_password


def placeholder_email(kind: str, scope_id: int, external_id: str) -> str:
    """A unique address for an account known only by its external id; the reserved .invalid domain gets no mail."""
    return f"{kind}-{scope_id}-{hashlib.sha256(external_id.encode()).hexdigest()[:20]}@{kind}.invalid"


def linked_or_new_learner(db: Session, linked_user_id: int | None, org_id: int, email: str, name: str,
                          error: type[Exception]) -> tuple[User, bool]:
    """The linked account (an ``error`` if it is deactivated), or a new learner with a random password;
    returns (user, created) so the caller links a new account."""
    if linked_user_id is not None:
        user = db.get(User, linked_user_id)
        if not user.active:
            raise error("this account is deactivated")
        return user, False
    user = create_user(db, db.get(Organisation, org_id), email=email, name=name[:200], password=generate_password(),
                       role="learner")
    return user, True
