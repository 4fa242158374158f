"""The relay: claim due outbox items with a lease, send them outside any transaction, record the outcome.

Delivery is at least once: an item is deleted only after the LRS acknowledged it, so a crash between send
and record resends it, and the LRS deduplicates by statement id (same id and content -> 204/200).

Several relays (threads, server processes, cron runs) share the outbox safely: a claim sets claimed_by and
moves next_attempt_at to the end of the lease, so claimed items are not due for anyone else until the lease
runs out. A relay renews its lease before a request whenever the rest of the lease could not cover the
request's total deadline, and sends only the items the renewal proves it still holds; so while a relay
lives, nobody else sends its items, and the items of a relay that died become due again when its lease ends.
"""
from __future__ import annotations

import json
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import delete, or_, select, update

from .. import db as dbmod
from .. import extension, outbox
from ..db import utcnow
from ..outbox import worker_id
from ..lrs.models import Attachment, Statement
from . import lrsclient
from .crypto import EndpointError, SecretError, check_endpoint, decrypt_secret
from .lrsclient import BISECT, CONFIG, DEAD, DONE, RETRY, Item, Outcome
from .models import DEAD as DEAD_STATUS
from .models import PENDING, ForwardTarget, OutboxItem
from .outbox import backfill_step

log = logging.getLogger(__name__)
BASE_DELAY, MAX_DELAY = 2.0, 60.0
LEASE_MIN = 30.0


def backoff_delay(attempt: int, base: float = BASE_DELAY, cap: float = MAX_DELAY, rng=random) -> float:
    """Capped exponential backoff with jitter (the shared rule in lms/outbox.py)."""
    return outbox.backoff_delay(attempt, base, cap, rng=rng)


def lease_seconds(target: ForwardTarget, minimum: float = LEASE_MIN) -> float:
    """How long a claim lasts: at least three request deadlines, so a renewal always comes in time."""
    return max(minimum, 3 * (target.connect_timeout + target.read_timeout))


def due_target_ids(db) -> list[int]:
    """Active targets that are not paused by a target-wide backoff."""
    now = utcnow()
    return list(db.scalars(select(ForwardTarget.id).where(
        ForwardTarget.active.is_(True), or_(ForwardTarget.retry_at.is_(None), ForwardTarget.retry_at <= now))
        .order_by(ForwardTarget.id)))


def has_due_items(db, target_id: int) -> bool:
    """A cheap read before taking the write lock: is anything due for this target?"""
    now = utcnow()
    return db.scalar(select(OutboxItem.id).where(OutboxItem.target_id == target_id, OutboxItem.status == PENDING,
                                                 OutboxItem.next_attempt_at <= now).limit(1)) is not None


def claim(db, target_id: int, worker: str, limit: int, lease: float) -> list[Item]:
    """Lease up to `limit` due items of a target to `worker` (call inside a write transaction)."""
    ids = outbox.claim_due(db, OutboxItem, worker=worker, limit=limit, lease=lease, now=utcnow(),
                           where=(OutboxItem.target_id == target_id,))
    if not ids:
        return []
    rows = db.execute(select(OutboxItem.id, OutboxItem.seq, Statement.statement_id, Statement.raw, Statement.org_id)
                      .join(Statement, Statement.seq == OutboxItem.seq).where(OutboxItem.id.in_(ids))
                      .order_by(Statement.seq)).all()
    raws = [row.raw for row in rows]
    transform = extension.hook("forward_transform")
    if transform is not None and rows:
        # What leaves may carry less than what is stored (the organisation's privacy setting); the store is unchanged.
        raws = transform(db, rows[0].org_id, raws)
    return [Item(row.id, row.seq, row.statement_id, raw, _attachments(db, row.org_id, row.raw))
            for row, raw in zip(rows, raws)]


def renew(db, worker: str, item_ids: list[int], lease: float) -> set[int]:
    """Extend this worker's lease on the items it still holds (call in a write transaction); returns those ids."""
    return outbox.renew_claim(db, OutboxItem, worker=worker, ids=item_ids, lease=lease, now=utcnow())


def _attachments(db, org_id: int, raw: str) -> tuple:
    if '"attachments"' not in raw:
        return ()
    try:
        wanted = [a["sha2"] for a in json.loads(raw).get("attachments") or []
                  if isinstance(a, dict) and not a.get("fileUrl") and a.get("sha2")]
    except (ValueError, AttributeError, KeyError, TypeError):
        return ()
    if not wanted:
        return ()
    rows = db.execute(select(Attachment.sha2, Attachment.content_type, Attachment.content)
                      .where(Attachment.org_id == org_id, Attachment.sha2.in_(wanted))).all()
    return tuple((r.sha2, r.content_type, r.content) for r in rows)


@dataclass
class BatchReport:
    """What one batch came to: ids delivered, dead-lettered, to retry, and the outcomes seen."""

    done: list[int] = field(default_factory=list)
    dead: list[tuple[int, str]] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """Whether the LRS failed (retryable) or refused the whole target (config) at some point."""
        return any(o.kind in (RETRY, CONFIG) for o in self.outcomes)


def deliver(send, items: list[Item], renew=lambda items: items, report: BatchReport | None = None) -> BatchReport:
    """Send a batch; on a 4xx that one statement may cause, bisect so only the culprit is dead-lettered.

    `renew(items)` returns the items this relay still holds; only those are sent (the rest belong to
    another relay now, which records them itself).
    """
    report = report if report is not None else BatchReport()
    items = renew(items)
    if not items:
        return report
    outcome = send(items)
    report.outcomes.append(outcome)
    if outcome.kind == DONE:
        report.done += [i.id for i in items]
    elif outcome.kind in (DEAD, CONFIG) or (outcome.kind == BISECT and len(items) == 1):
        report.dead += [(i.id, outcome.reason) for i in items]
    elif outcome.kind == RETRY:
        report.retry += [i.id for i in items]
    else:
        middle = len(items) // 2
        deliver(send, items[:middle], renew, report)
        if report.outcomes[-1].kind in (RETRY, CONFIG):
            # The LRS stopped answering normally mid-split: leave the rest for the next attempt.
            report.retry += [i.id for i in items[middle:]]
        else:
            deliver(send, items[middle:], renew, report)
    return report


def record(db, target_id: int, worker: str, report: BatchReport, rng=random) -> None:
    """Write a batch's outcome: delete delivered items, dead-letter or reschedule the rest, update target health."""
    target = db.scalar(select(ForwardTarget).where(ForwardTarget.id == target_id).with_for_update())
    now = utcnow()
    if report.done:
        # Delivered is delivered, even if our lease ran out and another relay holds the item now.
        deleted = db.execute(delete(OutboxItem).where(OutboxItem.id.in_(report.done))).rowcount
        if target is not None:
            target.delivered_count = (target.delivered_count or 0) + max(deleted or 0, 0)
            target.last_success_at = now
    for item_id, reason in report.dead:
        db.execute(update(OutboxItem).where(OutboxItem.id == item_id, OutboxItem.claimed_by == worker)
                   .values(status=DEAD_STATUS, attempts=OutboxItem.attempts + 1, last_error=(reason or "")[:2000],
                           claimed_by=None, claimed_until=None, next_attempt_at=now))
    failures = [o for o in report.outcomes if o.kind in (RETRY, CONFIG)]
    if target is not None and (report.dead or failures):
        worst = failures[-1] if failures else next(o for o in reversed(report.outcomes) if o.kind != DONE)
        target.last_error_at, target.last_error = now, (worst.reason or "")[:2000]
    if not failures:
        if target is not None:
            target.failure_streak, target.retry_at = 0, None
        return
    streak = ((target.failure_streak or 0) if target is not None else 0) + 1
    retry_after = next((o.retry_after for o in reversed(failures) if o.retry_after is not None), None)
    cfg = current_app.config
    delay = retry_after if retry_after is not None else backoff_delay(
        streak, float(cfg.get("FORWARDING_BACKOFF_BASE", BASE_DELAY)),
        float(cfg.get("FORWARDING_BACKOFF_CAP", MAX_DELAY)), rng=rng)
    retry_at = now + timedelta(seconds=delay)
    if target is not None:
        target.failure_streak, target.retry_at = streak, retry_at
    if report.retry:
        db.execute(update(OutboxItem).where(OutboxItem.id.in_(report.retry), OutboxItem.claimed_by == worker)
                   .values(attempts=OutboxItem.attempts + 1, next_attempt_at=retry_at,
                           last_error=(failures[-1].reason or "")[:2000], claimed_by=None, claimed_until=None))


class _Lease:
    """This relay's lease on one batch, renewed only when what is left could not cover the next request."""

    def __init__(self, worker: str, seconds: float, request_deadline: float, claimed_at: float):
        self.worker, self.seconds, self.request_deadline = worker, seconds, request_deadline
        self.ends = claimed_at + seconds  # claimed_at was taken before the claim, so this errs early

    def __call__(self, items: list[Item]) -> list[Item]:
        if self.ends - time.monotonic() > 2 * self.request_deadline:
            return items
        started = time.monotonic()
        with dbmod.session_scope(write=True) as db:
            held = renew(db, self.worker, [i.id for i in items], self.seconds)
        self.ends = started + self.seconds
        lost = len(items) - len(held)
        if lost:
            log.warning("relay %s lost the lease on %d item(s); another relay sends them", self.worker, lost)
        return [i for i in items if i.id in held]


class Relay:
    """Runs passes over all targets for one app; safe to run in several threads and processes at once."""

    def __init__(self, app: Flask, worker: str | None = None):
        self.app = app
        self.worker = worker or worker_id()
        self.stop_event = threading.Event()

    def run_pass(self, max_batches: int | None = None) -> int:
        """Backfill and deliver for every due target, round-robin, until nothing is due; returns items delivered."""
        delivered, batches = 0, 0
        with self.app.app_context():
            with dbmod.session_scope(write=False) as db:
                busy = due_target_ids(db)
            while busy and not self.stop_event.is_set():
                still = []
                for target_id in busy:
                    sent, state = self.process_batch(target_id)
                    delivered += sent
                    batches += 1
                    # A running backfill queues its next chunk once the target has nothing else due.
                    if state == "more" or (state == "idle" and self.backfill(target_id)):
                        still.append(target_id)
                    if max_batches is not None and batches >= max_batches:
                        return delivered
                busy = still
        return delivered

    def backfill(self, target_id: int) -> bool:
        """Queue the next chunk of the target's running backfill; True if it queued rows or is not finished."""
        with dbmod.session_scope(write=False) as db:
            running = db.scalar(select(ForwardTarget.backfill_until).where(ForwardTarget.id == target_id,
                                                                           ForwardTarget.active.is_(True)))
        if running is None:
            return False
        with dbmod.session_scope(write=True) as db:
            target = db.scalar(select(ForwardTarget).where(ForwardTarget.id == target_id).with_for_update())
            if target is None or target.backfill_until is None:
                return False
            added = backfill_step(db, target, int(current_app.config.get("FORWARDING_BACKFILL_CHUNK", 5000)))
            return added > 0 or target.backfill_until is not None

    def process_batch(self, target_id: int) -> tuple[int, str]:
        """Claim, send and record one batch of a target; returns (delivered, "more" | "idle" | "failing")."""
        with dbmod.session_scope(write=False) as db:
            if not has_due_items(db, target_id):
                return 0, "idle"
            target = db.get(ForwardTarget, target_id)
            if target is None or not target.active:
                return 0, "idle"
            # Name resolution and decryption happen here, outside the write transaction below.
            conn = _connection(target)
            lease = lease_seconds(target, float(current_app.config.get("FORWARDING_LEASE_MIN", LEASE_MIN)))
            batch_size = target.batch_size or 100
        claimed_at = time.monotonic()
        with dbmod.session_scope(write=True) as db:
            # Re-checked under the write lock: another relay may have paused the target meanwhile.
            state = db.execute(select(ForwardTarget.active, ForwardTarget.retry_at)
                               .where(ForwardTarget.id == target_id)).first()
            ready = state is not None and state.active and (state.retry_at is None or state.retry_at <= utcnow())
            items = claim(db, target_id, self.worker, batch_size, lease) if ready else []
        if not items:
            return 0, "idle"
        if isinstance(conn, Outcome):
            report = BatchReport(retry=[i.id for i in items], outcomes=[conn])
        else:
            report = self._send(conn, items, lease, claimed_at)
        with dbmod.session_scope(write=True) as db:
            record(db, target_id, self.worker, report)
        if report.failed:
            return len(report.done), "failing"
        return len(report.done), "more" if len(items) >= batch_size else "idle"

    def _send(self, conn: lrsclient.Target, items: list[Item], lease: float, claimed_at: float) -> BatchReport:
        keeper = _Lease(self.worker, lease, conn.total_timeout, claimed_at)
        with conn.client() as client:
            return deliver(lambda batch: lrsclient.post_statements(client, batch), items, keeper)

    def stop(self) -> None:
        """Ask the loop to finish after the current batch."""
        self.stop_event.set()


def _connection(target: ForwardTarget) -> lrsclient.Target | Outcome:
    """The target's connection settings, or a RETRY outcome (target paused) when password or endpoint is unusable."""
    allow_private = bool(current_app.config.get("FORWARDING_ALLOW_PRIVATE_NETWORKS"))
    try:
        check_endpoint(target.endpoint, allow_private)
        password = decrypt_secret(target.secret_encrypted)
    except (SecretError, EndpointError) as exc:
        # A local problem: keep the items pending and back off until an admin fixes the target.
        return Outcome(RETRY, str(exc))
    return lrsclient.Target(target.endpoint, target.username, password, target.xapi_version,
                            target.connect_timeout, target.read_timeout, allow_private)
