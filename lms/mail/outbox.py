"""Queueing mails: rows written in the caller's transaction (the cause and its mails commit together)."""
from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from .. import clock
from ..db import conflict_insert
from .models import OPTIONAL_KINDS, PENDING, Mail, MailPreference


def _row(user, kind: str, template: str, context: dict, dedupe_key: str | None, now) -> dict:
    return {"org_id": user.org_id, "user_id": user.id, "kind": kind, "to_addr": user.email, "locale": user.locale,
            "template": template, "context": context, "dedupe_key": dedupe_key, "status": PENDING, "attempts": 0,
            "next_attempt_at": now, "created_at": now, "last_error": "", "subject": "", "message_id": "",
            "transport": ""}


def opted_out(db: Session, user_ids, kind: str) -> set[int]:
    """Users among ``user_ids`` who switched this kind of mail off (empty for mails that always go out)."""
    if kind not in OPTIONAL_KINDS:
        return set()
    column = MailPreference.digest if kind == "digest" else MailPreference.reminders
    return set(db.scalars(select(MailPreference.user_id).where(MailPreference.user_id.in_(list(user_ids)),
                                                               column.is_(False))))


def _insert_ignoring_duplicates(db: Session, rows: list[dict]) -> int:
    """INSERT … ON CONFLICT (dedupe_key) DO NOTHING on either backend; returns rows inserted."""
    # RETURNING names the rows that were inserted (rowcount is not reliable for ON CONFLICT on every driver);
    # a Core executemany on the session's connection, since the ORM's bulk path costs more than the rows.
    stmt = (conflict_insert(db, Mail.__table__).on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(Mail.__table__.c.id))
    return len(db.connection().execute(stmt, rows).all())


def queue(db: Session, user, kind: str, template: str, context: dict, dedupe_key: str | None = None) -> bool:
    """Queue one mail to ``user``; False when a mail with the same dedupe key exists or the user opted out."""
    if opted_out(db, [user.id], kind):
        return False
    row = _row(user, kind, template, context, dedupe_key, clock.now())
    if dedupe_key is None:
        db.execute(insert(Mail).values(**row))
        return True
    return _insert_ignoring_duplicates(db, [row]) == 1


def queue_many(db: Session, items: list[tuple], kind: str, template: str) -> int:
    """Queue many mails of one kind at once: items are (user, context, dedupe_key); returns how many are new."""
    if not items:
        return 0
    skip = opted_out(db, {user.id for user, _, _ in items}, kind)
    now = clock.now()
    rows = [_row(user, kind, template, context, key, now) for user, context, key in items if user.id not in skip]
    return _insert_ignoring_duplicates(db, rows) if rows else 0
