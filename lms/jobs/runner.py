"""One scheduler run: every job in one write transaction, mutually exclusive across processes.

On SQLite the write transaction starts with BEGIN IMMEDIATE, so two runs queue one after the other; on PostgreSQL a
transaction-scoped advisory lock does the same. Each job is idempotent on its own as well (reminders and digests
by their mail keys, overdue and re-assignment by the rows they change), so a second run finds nothing to do.
"""
from __future__ import annotations

from flask import Flask
from sqlalchemy import text

from .. import db as dbmod
from ..assignments import services as assignments
from . import digest, recert, reminders

ADVISORY_LOCK = 7_220_114  # any constant shared by all processes of this app


def run_once(app: Flask) -> dict[str, int]:
    """Run every job once; returns what each did."""
    with app.app_context(), dbmod.session_scope(write=True) as db:
        if db.get_bind().dialect.name == "postgresql":
            db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})
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

