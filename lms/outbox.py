"""Shared claim pattern of the app's outboxes (forwarding, e-mail, grade passback, cmi5): leases on due rows, backoff,
and the in-app relay threads.

An outbox table has ``id``, ``status`` ("pending" while deliverable), ``next_attempt_at``, ``claimed_by`` (and
``claimed_until`` where workers renew leases). A claim sets claimed_by and moves next_attempt_at to the end of the lease, so claimed rows are
not due for anyone else until the lease runs out; a worker that dies loses its rows when its lease ends. On
PostgreSQL concurrent claimers skip each other's locked rows (SKIP LOCKED); on SQLite the caller's write
transaction (BEGIN IMMEDIATE) serialises claims.
"""
from __future__ import annotations

import os
import random
import socket
import threading
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update

PENDING = "pending"


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


def start_in_app(app, name: str, run_pass, interval: float) -> None:
    """Run `run_pass(app)` every `interval` seconds in a daemon thread of this server process (RELAY_IN_APP).

    Under gunicorn it starts at once; under `flask run` with the first request, so that other CLI commands never
    grow a relay thread."""
    import logging
    import os
    import threading

    log = logging.getLogger(__name__)
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            try:
                run_pass(app)
            except Exception:  # noqa: BLE001 - a database or network hiccup must not end the relay
                log.exception("%s pass failed", name)
            stop.wait(interval)

    def start():
        if name not in app.extensions.setdefault("lms_outbox_relays", {}):
            thread = threading.Thread(target=loop, name=name, daemon=True)
            app.extensions["lms_outbox_relays"][name] = (thread, stop)
            thread.start()

    if os.environ.get("FLASK_RUN_FROM_CLI") != "true":
        start()
        return
    lock = threading.Lock()

    @app.before_request
    def _start_on_first_request():
        with lock:
            start()
