"""Shared claim pattern of the app's outboxes (forwarding, e-mail, grade passback, cmi5): the row columns, leases on
due rows, backoff. Their relays run as passes of the one loop in lms/loops.py.

An outbox table has ``id`` and the columns of OutboxRow: ``status`` ("pending" while deliverable),
``next_attempt_at``, ``claimed_by`` (and ``claimed_until`` in a LeasedOutboxRow, where workers renew leases). A
claim sets claimed_by and moves next_attempt_at to the end of the lease, so claimed rows are not due for anyone
else until the lease runs out; a worker that dies loses its rows when its lease ends. On PostgreSQL concurrent
claimers skip each other's locked rows (SKIP LOCKED); on SQLite the caller's write transaction (BEGIN IMMEDIATE)
serialises claims.
"""
from __future__ import annotations

import os
import random
import socket
import threading
import uuid
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .db import UTCDateTime, utcnow

PENDING, DEAD = "pending", "dead"


class OutboxRow:
    """The columns every outbox table shares (a mixin of the model): delivery state, attempts, the claim."""

    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LeasedOutboxRow(OutboxRow):
    """An outbox row whose workers renew their leases: the lease's end is kept apart (renew_claim)."""

    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


def worker_id() -> str:
    """A name for this claimer, unique across hosts, processes and threads."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{threading.get_ident() % 100000}:{uuid.uuid4().hex[:8]}"


def backoff_delay(attempt: int, base: float, cap: float, rng=random) -> float:
    """Capped exponential backoff with jitter: uniform in [c/2, c] for c = min(cap, base * 2**(attempt-1))."""
    ceiling = min(cap, base * (2 ** max(0, min(attempt - 1, 30))))
    # Half fixed, half random: the wait still grows with every failure, and workers do not retry in step.
    return rng.uniform(ceiling / 2, ceiling)


def claim_due(db, model, *, worker: str, limit: int, lease: float, now: datetime, where=()) -> list[int]:
    """Lease up to ``limit`` due rows of ``model`` to ``worker`` (inside a write transaction); returns their ids."""
    query = (select(model.id).where(model.status == PENDING, model.next_attempt_at <= now, *where)
             .order_by(model.next_attempt_at, model.id).limit(limit))
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(db.scalars(query))
    if ids:
        until = now + timedelta(seconds=lease)
        values = {"claimed_by": worker, "next_attempt_at": until}
        if hasattr(model, "claimed_until"):  # outboxes whose workers renew their leases keep the end apart
            values["claimed_until"] = until
        db.execute(update(model).where(model.id.in_(ids)).values(**values))
    return ids


def renew_claim(db, model, *, worker: str, ids: list[int], lease: float, now: datetime) -> set[int]:
    """Extend the worker's lease on the rows it still holds (inside a write transaction); returns those ids."""
    held = (model.id.in_(ids), model.claimed_by == worker, model.status == PENDING)
    until = now + timedelta(seconds=lease)
    db.execute(update(model).where(*held).values(claimed_until=until, next_attempt_at=until))
    return set(db.scalars(select(model.id).where(*held)))

