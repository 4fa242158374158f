"""How long SQLite's writer gate is held: the part of an ingest that no second core can share.

SQLite lets one writer in at a time, and the app's writer gate (lms/sqlite_gate.py) is held from BEGIN IMMEDIATE
to the end of the transaction. Whatever else a request does runs in parallel on the other core; the time inside
the gate does not. So 1 / (gate time per statement) is the most any number of workers can store per second on
this machine, measured here in-process, where nothing else competes for the CPU.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator

from bench._figures import figure
from lms import sqlite_gate


class GateTimes:
    """Seconds the gate was held, one entry per transaction that passed it."""

    def __init__(self) -> None:
        self.held: list[float] = []

    def total(self) -> float:
        """Seconds held in all."""
        return sum(self.held)


@contextmanager
def gate_timed() -> Iterator[GateTimes]:
    """Time every pass of every writer gate of this process while the block runs."""
    times, started = GateTimes(), {}
    gate_class = sqlite_gate.WriterGate
    acquire, release = gate_class.acquire, gate_class.release

    def timed_acquire(gate) -> bool:
        passed = acquire(gate)
        if passed:
            started[id(gate)] = time.perf_counter()
        return passed

    def timed_release(gate) -> None:
        release(gate)
        begun = started.pop(id(gate), None)
        if begun is not None:
            times.held.append(time.perf_counter() - begun)

    gate_class.acquire, gate_class.release = timed_acquire, timed_release
    try:
        yield times
    finally:
        gate_class.acquire, gate_class.release = acquire, release


def report(name: str, label: str, statements: int, times: GateTimes) -> None:
    """Print the gate time per statement and the ingest rate it allows at most (SQLite; nothing without a gate)."""
    if not times.held or not statements:
        return
    per_statement = times.total() / statements
    ceiling = 1 / per_statement
    print(f"  {label:<24}write lock held {per_statement * 1e6:8.1f} µs per statement "
          f"({len(times.held)} transactions): one writer at a time stores at most {ceiling:,.0f} statements/s")
    figure(f"{name}.write_lock_per_statement", per_statement * 1e6, "µs")
    figure(f"{name}.write_lock_ceiling", ceiling, "statements/s", digits=0)
