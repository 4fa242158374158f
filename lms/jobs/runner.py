"""One scheduler run: every job in one write transaction, mutually exclusive across processes.

On SQLite the write transaction starts with BEGIN IMMEDIATE, so two runs queue one after the other; on PostgreSQL a
transaction-scoped advisory lock does the same. The start of the latest run is kept in the database (job_runs), so
the in-app loops of several app servers take turns instead of each running every interval. Each job is idempotent
on its own as well (reminders and digests by their mail keys, overdue and re-assignment by the rows they change), so
a second run finds nothing to do.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import text

from .. import clock
from .. import db as dbmod
from ..assignments import services as assignments
from . import digest, recert, reminders
from .models import JobRun

ADVISORY_LOCK = 7_220_114  # any constant shared by all processes of this app
SCHEDULE = "scheduler"


def _take_turn(db, min_interval: float | None) -> bool:
    """Record this run's start (inside the lock); False when another node started one less than
    `min_interval` seconds ago (the in-app loops of several app servers then take turns)."""
    now = clock.now()
    row = db.get(JobRun, SCHEDULE)
    if row is not None and min_interval is not None and row.started_at > now - timedelta(seconds=min_interval):
        return False
    if row is None:
        db.add(JobRun(name=SCHEDULE, started_at=now))
    else:
        row.started_at = now
    db.flush()
    return True


def run_once(app: Flask, min_interval: float | None = None) -> dict[str, int]:
    """Run every job once; returns what each did (nothing when another node ran within `min_interval` s)."""
    with app.app_context(), dbmod.session_scope(write=True) as db:
        if db.get_bind().dialect.name == "postgresql":
            db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})
        if not _take_turn(db, min_interval):
            return {}
        done = {
            "assigned_later_members": assignments.sync_future_members(db),
            "reassigned_expiring": recert.reassign_expiring(db),
            "reassigned_legal": recert.reassign_legal_changes(db),
            "overdue": assignments.record_overdue(db),
            "reminders": reminders.queue_reminders(db),
            "expiry_notices": recert.queue_expiry_notices(db),
            "digests": digest.queue_digests(db),
        }
        # Jobs of packages the scheduler does not import (e.g. privacy retention), registered in their init_app.
        for name, job in app.extensions.get("lms_jobs", {}).items():
            done[name] = job(db)
        return done


def run_in_turn(app: Flask) -> dict[str, int]:
    """The in-app loop's run: skipped when any server started one less than JOBS_INTERVAL seconds ago."""
    return run_once(app, min_interval=float(app.config["JOBS_INTERVAL"]))
