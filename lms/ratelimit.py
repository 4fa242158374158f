"""Rate limits shared by every app server: hit counters per key and time window in the database.

Each limit counts hits per key in fixed windows (one row per key and window) and judges a request by a sliding
estimate: the hits of the current window plus the previous window's hits weighted by how much of it still lies
within the last `window` seconds. One upsert per hit adds up atomically across processes and nodes (INSERT … ON
CONFLICT DO UPDATE … RETURNING on PostgreSQL and SQLite), so two app servers behind a load balancer share one
budget. Every hit counts, refused ones included: a client that keeps hammering stays refused.

Public GET pages (certificate verification) count in a short transaction of their own (`allow_now`), so the
page's own transaction stays read-only; POST handlers count in the request's transaction (`allow`).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Integer, String, delete, select, tuple_
from sqlalchemy.orm import Mapped, Session, mapped_column

from . import clock
from .db import Base, UTCDateTime, conflict_insert, side_session

PURGE_BATCH = 1000  # expired counters removed per new window of a key


class RateCounter(Base):
    """Hits of one key in one fixed window (window number = epoch seconds // window length)."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    window_no: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


def count_hit(db: Session, key: str, window: int, now: datetime) -> float:
    """Count a hit for the key and return the sliding estimate of hits within the last `window` seconds."""
    key = key[:300]
    seconds = now.timestamp()
    number = int(seconds // window)
    table = RateCounter.__table__
    stmt = conflict_insert(db, table).values(key=key, window_no=number, hits=1,
                                expires_at=now + timedelta(seconds=2 * window))
    stmt = stmt.on_conflict_do_update(index_elements=["key", "window_no"],
                                      set_={"hits": table.c.hits + 1}).returning(table.c.hits)
    current = db.execute(stmt).scalar_one()
    if current == 1:  # first hit of this key in a new window: forget windows nobody needs any more
        _forget_expired(db, now)
    previous = db.scalar(select(RateCounter.hits).where(RateCounter.key == key,
                                                        RateCounter.window_no == number - 1)) or 0
    elapsed = (seconds - number * window) / window
    return current + previous * (1.0 - elapsed)


def _forget_expired(db: Session, now: datetime) -> None:
    # Rows another server is deleting right now are skipped, not waited for: no lock waits, no deadlocks.
    stale = select(RateCounter.key, RateCounter.window_no).where(RateCounter.expires_at < now).limit(PURGE_BATCH)
    if db.get_bind().dialect.name == "postgresql":
        stale = stale.with_for_update(skip_locked=True)
    db.execute(delete(RateCounter).where(tuple_(RateCounter.key, RateCounter.window_no).in_(stale))
               .execution_options(synchronize_session=False))


def allow(db: Session, key: str, limit: int, window: int) -> bool:
    """Count a hit in the caller's transaction and say whether the key is within `limit` hits per `window` s."""
    return count_hit(db, key, window, clock.now()) <= limit


def allow_now(key: str, limit: int, window: int) -> bool:
    """Like `allow`, committed at once in a transaction of its own (public pages that write nothing else);
    see db.side_session for a request that holds SQLite's write lock already."""
    with side_session() as db:
        return allow(db, key, limit, window)
