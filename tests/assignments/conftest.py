"""Fixtures for assignments: a frozen clock installed in the app."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from lms import clock as clockmod


@pytest.fixture
def clock(app):
    """A clock standing at a fixed moment; tests move it with clock.advance(days=…)."""
    frozen = clockmod.FrozenClock(datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc))
    clockmod.install(app, frozen)
    return frozen
