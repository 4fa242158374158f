"""Fault test: a misbehaving, repeatedly killed LRS and relays killed with SIGKILL mid-flight lose nothing."""
from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from collections import Counter

from fake_lrs import DROP_AFTER_STORE, DROP_BEFORE_STORE, FAIL_503, OK, SLOW, STALL
from fwd_helpers import REPO, flask_cmd, fresh, make_target, outbox, raw_by_id, relay_env, statement, store
from sqlalchemy import select

from lms.db import utcnow
from lms.forwarding.models import ForwardTarget, OutboxItem

CHAOS_MIN_SECONDS, CHAOS_MAX_SECONDS = 15, 35
DRAIN_SECONDS = 30
MUST_SEE = (FAIL_503, DROP_AFTER_STORE, DROP_BEFORE_STORE, STALL)


class Relays:
    """`flask xapi relay` subprocesses that can be killed and replaced."""

    def __init__(self, env: dict, log_dir):
        self.env, self.log_dir = env, log_dir
        self.procs: list[subprocess.Popen] = []
        self.started = self.killed = 0

    def spawn(self) -> None:
        """Start one more relay process."""
        self.started += 1
        log = open(self.log_dir / f"relay-{self.started}.log", "wb")
        self.procs.append(subprocess.Popen(flask_cmd("xapi", "relay", "--interval", "0.1"), env=self.env,
                                           cwd=REPO, stdout=log, stderr=subprocess.STDOUT))
        log.close()

    def kill_one(self, rng: random.Random, holding: set[int]) -> bool:
        """SIGKILL a relay that holds a lease (it dies between claim and record) and start another."""
        busy = [p for p in self.procs if p.pid in holding]
        if not busy:
            return False
        victim = rng.choice(busy)
        self.procs.remove(victim)
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        self.killed += 1
        self.spawn()
        return True

    def stop_all(self) -> None:
        """Kill every relay still running."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        self.procs = []


def _lease_holders(db) -> set[int]:
    """Pids of relays holding an unexpired claim right now (worker ids are host:pid:thread:random)."""
    fresh(db)
    owners = db.scalars(select(OutboxItem.claimed_by).where(OutboxItem.claimed_until > utcnow()).distinct())
    return {int(owner.split(":")[1]) for owner in owners if owner}


def test_faults_lrs_and_relay_crashes_lose_and_change_nothing(fwd_app, db, world, fake_lrs, tmp_path):
    """Under 503s, stalls, store-then-drop, LRS restarts and SIGKILLed relays every statement arrives unchanged."""
    rng = random.Random(20261123)
    org = world["org_a"]
    target = make_target(db, org, fake_lrs.endpoint, batch_size=25, connect_timeout=0.3, read_timeout=0.5)
    fake_lrs.stall_seconds, fake_lrs.slow_seconds = 1.2, 0.3  # a stall outlasts the 0.8 s request deadline
    fake_lrs.chaos = {OK: 1, SLOW: 3, FAIL_503: 1, DROP_AFTER_STORE: 1, DROP_BEFORE_STORE: 1, STALL: 1}
    store(db, org, [statement() for _ in range(300)])
    env = relay_env(fwd_app, LMS_FORWARDING_LEASE_MIN="0")  # lease = 3 × 0.8 s: crashed relays' items return fast
    relays = Relays(env, tmp_path)
    restarts = 0
    try:
        for _ in range(2):
            relays.spawn()
        started = time.monotonic()
        seen: Counter = Counter()
        while time.monotonic() < started + CHAOS_MAX_SECONDS and (
                time.monotonic() < started + CHAOS_MIN_SECONDS or relays.killed < 3
                or not all(seen[b] for b in MUST_SEE)):
            time.sleep(rng.uniform(0.3, 0.8))
            store(db, org, [statement() for _ in range(rng.randrange(5, 30))])
            action = rng.random()
            if action < 0.6:
                relays.kill_one(rng, _lease_holders(db))
            elif action < 0.85:
                fake_lrs.kill()
                time.sleep(rng.uniform(0.2, 0.6))
                fake_lrs.start()
                restarts += 1
            seen = Counter(behaviour for _m, _p, _n, behaviour in list(fake_lrs.requests))
        fake_lrs.chaos = None  # the LRS recovers; the relays must now drain everything
        drain_started = time.monotonic()
        while outbox(db, target) and time.monotonic() < drain_started + DRAIN_SECONDS:
            time.sleep(0.2)
        drained_in = time.monotonic() - drain_started
    finally:
        relays.stop_all()
    logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in sorted(tmp_path.glob("relay-*.log")))
    assert outbox(db, target) == [], f"backlog left after {DRAIN_SECONDS} s\n{logs}"

    stored = raw_by_id(db, org)
    assert set(fake_lrs.store) == set(stored), "statements lost (or unknown ones received)"
    changed = [sid for sid, raw in stored.items() if fake_lrs.store[sid] != json.loads(raw)]
    assert changed == []
    fresh(db)
    assert db.scalar(select(ForwardTarget.delivered_count).where(ForwardTarget.id == target.id)) == len(stored)
    # The faults really happened: every kind of misbehaviour, relay kills, LRS restarts, and resends.
    seen = Counter(behaviour for _m, _p, _n, behaviour in fake_lrs.requests)
    assert all(seen[b] > 0 for b in MUST_SEE), seen
    assert relays.killed >= 3 and restarts >= 3, (relays.killed, restarts)
    received = sum(n for _m, _p, n, _b in fake_lrs.requests)
    assert received > len(stored), "nothing was ever resent: the faults did not bite"
    print(f"{len(stored)} statements, {received} received incl. resends, {relays.killed} relays killed "
          f"holding a lease, "
          f"{restarts} LRS restarts, behaviours {dict(seen)}, drained in {drained_in:.1f} s")
