"""Report pseudonyms: stable per organisation, keyed, so names, e-mails or actor ids cannot be turned into them."""
from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Organisation, User

PREFIX = "Lernende:r "


def code(org: Organisation, user: User) -> str:
    """The pseudonym's code: an HMAC of the actor id under the organisation's secret key (8 hex digits)."""
    digest = hmac.new(org.pseudonym_key.encode(), user.actor_id.encode(), hashlib.sha256).hexdigest()
    return digest[:8].upper()


def pseudonym(user: User) -> str:
    """The pseudonym shown instead of the learner's name when the organisation hides names."""
    return PREFIX + code(user.organisation, user)


def display_name(org: Organisation, user: User) -> str:
    """The learner's name, or the pseudonym if the organisation chose pseudonymous reporting."""
    return PREFIX + code(org, user) if org.pseudonymous_reports else user.name


def normalise(text: str) -> str:
    """The code part of a pseudonym typed by a trainer ("Lernende:r 1A2B3C4D", "1a2b3c4d")."""
    text = text.strip()
    if text.startswith(PREFIX.strip()):
        text = text[len(PREFIX.strip()):]
    return text.strip().upper()


def find_by_pseudonym(db: Session, org: Organisation, text: str) -> User | None:
    """The organisation's user whose pseudonym is the given one, or None."""
    wanted = normalise(text)
    if not wanted:
        return None
    for user in db.scalars(select(User).where(User.org_id == org.id)):
        if hmac.compare_digest(code(org, user), wanted):
            return user
    return None
