"""The app's clock: services ask it for the time, so tests move time forward instead of sleeping."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, current_app, has_app_context

from .db import utcnow


def now() -> datetime:
    """The current time (UTC), from the app's clock when one is installed."""
    if has_app_context():
        clock = current_app.extensions.get("lms_clock")
        if clock is not None:
            return clock()
    return utcnow()


class FrozenClock:
    """A clock that stands still until moved; install it with ``install(app, clock)``."""

    def __init__(self, start: datetime | None = None):
        self.current = start or utcnow()

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta) -> datetime:
        """Move the clock forward by a timedelta given as keywords (days=…, hours=…)."""
        self.current = self.current + timedelta(**delta)
        return self.current


def install(app: Flask, clock) -> None:
    """Use ``clock()`` as the app's time source."""
    app.extensions["lms_clock"] = clock
