"""Account mails: invitation with a set-password link, forgot password (no account enumeration), setting it."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..auth import services as accounts
from ..auth.models import User
from . import outbox, tokens
from .models import MailPreference
from .render import absolute_url


def invite(db: Session, user: User, actor: User | None = None) -> None:
    """Queue the invitation: a single-use link to set a password, valid MAIL_INVITATION_HOURS."""
    hours = int(current_app.config["MAIL_INVITATION_HOURS"])
    token = tokens.issue(db, user, "invitation", timedelta(hours=hours))
    outbox.queue(db, user, "invitation", "invitation",
                 {"name": user.name, "org_name": user.organisation.name, "hours": hours, "email": user.email,
                  "inviter": actor.name if actor is not None else "",
                  "action_url": absolute_url("lms.mail.set_password", token=token)})


def invite_many(db: Session, users: list[User], actor: User | None = None) -> None:
    """`invite` for many users at once (bulk import): the same token and mail per user, written in batches."""
    hours = int(current_app.config["MAIL_INVITATION_HOURS"])
    issued = tokens.issue_many(db, users, "invitation", timedelta(hours=hours))
    inviter = actor.name if actor is not None else ""
    outbox.queue_many(db, [(user, {"name": user.name, "org_name": user.organisation.name, "hours": hours,
                                   "email": user.email, "inviter": inviter,
                                   "action_url": absolute_url("lms.mail.set_password", token=token)}, None)
                           for user, token in zip(users, issued)], "invitation", "invitation")


def request_reset(db: Session, email: str) -> None:
    """Queue a reset link if an active account has this address; the caller answers the same either way."""
    user = db.scalar(select(User).where(User.email == (email or "").strip().lower()[:254]))
    if user is None or not user.active:
        return
    send_reset(db, user)


def send_reset(db: Session, user: User) -> None:
    """Queue a single-use reset link to the user (self-service, or an admin instead of a temporary password)."""
    minutes = int(current_app.config["MAIL_RESET_MINUTES"])
    token = tokens.issue(db, user, "reset", timedelta(minutes=minutes))
    outbox.queue(db, user, "password_reset", "password_reset",
                 {"name": user.name, "org_name": user.organisation.name, "minutes": minutes,
                  "action_url": absolute_url("lms.mail.set_password", token=token)})


def set_password_with_token(db: Session, token: str, password: str) -> User | None:
    """Use a token once to set the password (which voids every other token and session); None if invalid."""
    if tokens.lookup(db, token) is None:
        return None
    user = tokens.consume(db, token)
    if user is None:
        return None
    accounts.set_password(user, password)
    return user


def preferences(db: Session, user: User) -> MailPreference:
    """The user's mail preferences (created with everything switched on)."""
    pref = db.get(MailPreference, user.id)
    if pref is None:
        pref = MailPreference(user_id=user.id, reminders=True, digest=True, updated_at=clock.now())
        db.add(pref)
        db.flush()
    return pref


def set_preference(db: Session, user: User, topic: str, wanted: bool) -> None:
    """Switch reminders (and expiry notices) or the weekly digest on or off."""
    pref = preferences(db, user)
    setattr(pref, "digest" if topic == "digest" else "reminders", wanted)
    pref.updated_at = clock.now()
