"""Bulk export of an organisation's statements as JSON lines, in constant memory (keyset pages by seq)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable, Iterator

from sqlalchemy import or_, select

from .. import extension
from .. import db as dbmod
from ..auth.models import User
from ..auth.scope import user_column_filter
from ..lrs.models import Statement
from .outbox import course_condition

CHUNK = 1000
MIN_YEAR, MAX_YEAR = 1900, 9998


@dataclass(frozen=True)
class ExportFilter:
    """Which statements of one organisation to export (stored time range is [since, until))."""

    org_id: int
    since: datetime | None = None
    until: datetime | None = None
    course_slug: str | None = None
    user_id: int | None = None
    viewer: object = None  # lms.auth.scope.Viewer: limits the export to the people that staff member may see


def parse_when(value: str | None, end: bool = False) -> datetime | None:
    """Parse an ISO date or datetime (UTC if no zone); a bare date means its start, or with end=True the next day's.

    ValueError for anything else, non-ASCII digits and years outside 1900-9998 included (no overflow further on).
    """
    if not value:
        return None
    value = value.strip()
    if not value.isascii():
        raise ValueError("dates take ASCII digits only")
    try:
        if len(value) == 10:
            stamp = datetime.combine(date.fromisoformat(value), time(), timezone.utc)
            stamp = stamp + timedelta(days=1) if end else stamp
        else:
            stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
            stamp = (stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    except OverflowError:
        raise ValueError("date out of range") from None
    if not MIN_YEAR <= stamp.year <= MAX_YEAR:
        raise ValueError("date out of range")
    return stamp


def learner_id(db, org_id: int, email: str) -> int | None:
    """The id of the organisation's user with this e-mail address, or None."""
    return db.scalar(select(User.id).where(User.org_id == org_id, User.email == email.strip().lower()))


def _actor_ifis(user: User) -> list[str]:
    home = extension.home_iri()
    # Statements received by the LRS carry no user_id; they name the learner by the actor the app uses.
    return [f"account:{home}|{user.actor_id}", f"mbox:mailto:{user.email}"]


def _conditions(db, flt: ExportFilter) -> list:
    conditions = [Statement.org_id == flt.org_id]
    if flt.since is not None:
        conditions.append(Statement.stored >= flt.since)
    if flt.until is not None:
        conditions.append(Statement.stored < flt.until)
    if flt.course_slug:
        conditions.append(course_condition(flt.org_id, [flt.course_slug]))
    if flt.viewer is not None:
        conditions.append(user_column_filter(Statement.user_id, flt.viewer))
    if flt.user_id is not None:
        user = db.get(User, flt.user_id)
        ifis = _actor_ifis(user) if user is not None else []
        conditions.append(or_(Statement.user_id == flt.user_id, Statement.actor_ifi.in_(ifis)))
    return conditions


def jsonl_line(raw: str) -> str:
    """One output line: the stored JSON text itself, compacted only if it spans several lines."""
    if "\n" in raw or "\r" in raw:
        raw = json.dumps(json.loads(raw), ensure_ascii=False, separators=(",", ":"))
    return raw + "\n"


def iter_export(flt: ExportFilter, chunk: int = CHUNK,
                transform: Callable[[dict], dict] | None = None) -> Iterator[str]:
    """Yield JSON lines in stored order; every page is a short read transaction of its own session.

    ``transform``: applied to each parsed statement (pseudonymous mode); without it the stored text goes out as is.
    """
    last = 0
    while True:
        with dbmod.session_scope(write=False) as db:
            rows = db.execute(select(Statement.seq, Statement.raw).where(*_conditions(db, flt), Statement.seq > last)
                              .order_by(Statement.seq).limit(chunk)).all()
        if not rows:
            return
        last = rows[-1][0]
        for _seq, raw in rows:
            if transform is not None:
                raw = json.dumps(transform(json.loads(raw)), ensure_ascii=False, separators=(",", ":"))
            yield jsonl_line(raw)
        del rows
