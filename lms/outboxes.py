"""Claiming due rows of an outbox table with a lease: shared by the grade-passback and cmi5 statement relays.

An outbox model needs ``id``, ``status``, ``next_attempt_at`` and ``claimed_by``. A claim moves next_attempt_at
to the end of the lease, so claimed rows are not due for another relay until the lease runs out (a relay that
died loses its rows that way); on PostgreSQL concurrent claimers skip each other's locked rows.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .db import utcnow


def claim_due(db: Session, model, worker: str, limit: int, lease_seconds: float, *conditions,
              pending: str = "pending") -> list[int]:
    """Lease up to `limit` due pending rows (oldest due first, then by id) to `worker`; returns their ids."""
    now = utcnow()
    query = (select(model.id).where(model.status == pending, model.next_attempt_at <= now, *conditions)
             .order_by(model.next_attempt_at, model.id).limit(limit))
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(db.scalars(query))
    if ids:
        db.execute(update(model).where(model.id.in_(ids))
                   .values(claimed_by=worker, next_attempt_at=now + timedelta(seconds=lease_seconds)))
    return ids


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
