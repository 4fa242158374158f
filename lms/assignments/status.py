"""The status of a learner assignment at a moment: a pure function of its dates and the learner's progress."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..i18n import _l

# Most urgent first: the learner's home and the trainer's lists sort by this, then by due date.
URGENCY = {"overdue": 0, "due_soon": 1, "expired": 2, "expiring": 3, "in_progress": 4, "not_started": 5,
           "completed": 6}
LABELS = {
    "not_started": _l("nicht begonnen"),
    "in_progress": _l("in Bearbeitung"),
    "due_soon": _l("bald fällig"),
    "overdue": _l("überfällig"),
    "completed": _l("abgeschlossen"),
    "expiring": _l("läuft bald ab"),
    "expired": _l("abgelaufen"),
}


@dataclass(frozen=True)
class Windows:
    """How close a due date or an expiry must be to count as 'due soon' or 'expiring'."""

    due_soon: timedelta
    expiring: timedelta


def compute(*, now: datetime, due_at: datetime | None, completed_at: datetime | None,
            expires_at: datetime | None, started: bool, windows: Windows) -> str:
    """One of not_started, in_progress, due_soon, overdue, completed, expiring, expired."""
    if completed_at is not None:
        if expires_at is not None and expires_at <= now:
            return "expired"
        if expires_at is not None and expires_at - now <= windows.expiring:
            return "expiring"
        return "completed"
    if due_at is not None and due_at < now:
        return "overdue"
    if due_at is not None and due_at - now <= windows.due_soon:
        return "due_soon"
    return "in_progress" if started else "not_started"


def sort_key(status: str, due_at: datetime | None, expires_at: datetime | None) -> tuple:
    """Order by urgency, then the nearest date first."""
    moment = due_at if status not in ("completed", "expiring", "expired") else expires_at
    return URGENCY[status], moment is None, moment.timestamp() if moment else 0.0
