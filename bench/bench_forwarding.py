"""Benchmark forwarding to a real LRS: relay throughput to a local ralph, and the drain after an outage.

1. Throughput: N statements (default 5,000) are stored through the xAPI store, which queues them in the
   outbox; one relay pass sends them to ralph (scripts/ralph.sh, filesystem backend, 127.0.0.1) in batches
   of --batch (default 100). Printed as statements/s.
2. Outage: ralph is stopped. A 10-minute outage at an assumed --rate of 5 statements/s leaves
   5 × 600 = 3,000 statements in the backlog (stored at once, not over ten real minutes). One relay pass
   fails against the dead endpoint (nothing is lost, the items stay pending). The target is then put in the
   state ten minutes of failed tries leave behind: the failure streak the default backoff (base 2 s,
   cap 60 s, jitter [c/2, c]) reaches in 600 s, and its next try one backoff delay away, as if ralph came
   back right after a failed try (the worst case). ralph restarts on the same port and the in-app relay
   loop (interval 2 s) runs; the time from "ralph is up" to "backlog empty" is printed, split into the wait
   for the next try and the transfer itself.
Finally ralph is asked for every id: each must be there exactly once.

    .venv/bin/python bench/bench_forwarding.py
    .venv/bin/python bench/bench_forwarding.py --n 20000 --rate 10 --outage 600 --batch 200
    .venv/bin/python bench/bench_forwarding.py --smoke      # 200 statements, a 4-second outage
"""
from __future__ import annotations

import argparse
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._figures import add_smoke_flag, figure  # noqa: E402

USER, PASSWORD = "bench-relay", "bench-" + uuid.uuid4().hex[:12]
AUTHORITY = {"objectType": "Agent", "name": "LMS", "account": {"homePage": "http://lms.bench", "name": "lms"}}


def ralph(*args: str) -> str:
    """Run scripts/ralph.sh and return its output (raises on failure)."""
    done = subprocess.run([str(REPO / "scripts" / "ralph.sh"), *args], capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"scripts/ralph.sh {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done.stdout.strip()


def make_statement(n: int) -> dict:
    """A typical statement the LMS emits (learner account, lesson activity, course context, result)."""
    now = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": "http://lms.bench", "name": f"learner-{n % 500}"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"de-DE": "erlebt", "en-US": "experienced"}},
        "object": {"objectType": "Activity", "id": f"http://lms.bench/course/social/lesson/{n % 40}",
                   "definition": {"type": "http://adlnet.gov/expapi/activities/lesson",
                                  "name": {"de-DE": f"Lektion {n % 40} – Grundlagen", "en-US": f"Lesson {n % 40}"}}},
        "context": {"platform": "Social Media LMS", "language": "de-DE", "registration": str(uuid.uuid4()),
                    "contextActivities": {"parent": [{"objectType": "Activity", "id": "http://lms.bench/course/social"}]}},
        "result": {"completion": True, "duration": "PT3M12S"},
        "timestamp": now,
    }


def store_many(app, org_id: int, count: int) -> list[str]:
    """Store statements through the xAPI store in batches of 100 (queueing them in the outbox)."""
    from lms import db as dbmod
    from lms.lrs.store import store_statements

    ids: list[str] = []
    with app.app_context():
        for start in range(0, count, 100):
            with dbmod.session_scope() as db:
                ids += store_statements(db, org_id, [make_statement(start + i) for i in range(min(100, count - start))],
                                        authority=AUTHORITY, version="1.0.3")
    return ids


def backlog(app, target_id: int) -> int:
    """Pending outbox items of the target."""
    from sqlalchemy import func, select

    from lms import db as dbmod
    from lms.forwarding.models import PENDING, OutboxItem

    with app.app_context(), dbmod.session_scope(write=False) as db:
        return db.scalar(select(func.count()).select_from(OutboxItem).where(
            OutboxItem.target_id == target_id, OutboxItem.status == PENDING))


def streak_after(seconds: float, base: float, cap: float) -> int:
    """The failure streak the backoff reaches after `seconds` of failures (mean delay ¾ of each ceiling)."""
    streak, elapsed = 0, 0.0
    while elapsed < seconds:
        streak += 1
        elapsed += 0.75 * min(cap, base * 2 ** (streak - 1))
    return streak


def ralph_ids(endpoint: str) -> Counter:
    """How often each statement id is stored in ralph."""
    counts: Counter = Counter()
    url, base = endpoint + "statements?limit=1000", endpoint.split("/xAPI/")[0]
    with httpx.Client(auth=(USER, PASSWORD), timeout=120, trust_env=False,
                      headers={"X-Experience-API-Version": "1.0.3"}) as client:
        while url:
            page = client.get(url).raise_for_status().json()
            counts.update(s["id"] for s in page["statements"])
            url = base + page["more"] if page.get("more") else None
    return counts


def main() -> None:
    """Run both measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=5000, help="statements for the throughput run")
    parser.add_argument("--rate", type=float, default=5.0, help="assumed statements/s during the outage")
    parser.add_argument("--outage", type=float, default=600.0, help="assumed outage length in seconds")
    parser.add_argument("--batch", type=int, default=100, help="statements per request")
    parser.add_argument("--seed", type=int, default=1, help="seed for the backoff jitter")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    add_smoke_flag(parser)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run `finally`: stop ralph
    if args.smoke:
        args.n, args.outage = 200, 4.0

    from lms import create_app
    from lms import db as dbmod
    from lms.auth import services as auth
    from lms.forwarding import relay as relay_mod
    from lms.forwarding.crypto import encrypt_secret
    from lms.forwarding.models import ForwardTarget
    from lms.loops import PassLoop
    from lms.migrations import upgrade

    work = Path(tempfile.mkdtemp(prefix="lms-bench-fwd-"))
    url = f"sqlite:///{work / 'lms.sqlite3'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": uuid.uuid4().hex, "BASE_IRI": "http://lms.bench",
                      "FORWARDING_ALLOW_PRIVATE_NETWORKS": True, "RELAY_IN_APP": False})
    ralph("setup")
    ralph_dir = work / "ralph"
    endpoint = ralph("start", str(ralph_dir), "", USER, PASSWORD).splitlines()[-1]
    port = endpoint.split(":")[2].split("/")[0]
    cfg = app.config
    base, cap = float(cfg["FORWARDING_BACKOFF_BASE"]), float(cfg["FORWARDING_BACKOFF_CAP"])
    try:
        with app.app_context(), dbmod.session_scope() as db:
            org = auth.create_organisation(db, "Bench GmbH", "bench")
            db.flush()
            target = ForwardTarget(org_id=org.id, name="ralph", endpoint=endpoint, username=USER,
                                   secret_encrypted=encrypt_secret(PASSWORD), xapi_version="1.0.3", course_slugs=[],
                                   verb_ids=[], active=True, batch_size=args.batch, connect_timeout=5.0,
                                   read_timeout=30.0, delivered_count=0, failure_streak=0)
            db.add(target)
            db.flush()
            org_id, target_id = org.id, target.id
        print(f"ralph-malph 5.1.0 (filesystem backend) at {endpoint}; batch size {args.batch}; SQLite")

        # 1. Throughput.
        started = time.perf_counter()
        ids = store_many(app, org_id, args.n)
        print(f"stored and queued {args.n:,} statements in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        delivered = relay_mod.Relay(app).run_pass()
        elapsed = time.perf_counter() - started
        assert delivered == args.n and backlog(app, target_id) == 0, (delivered, backlog(app, target_id))
        print(f"THROUGHPUT  {args.n:,} statements to ralph in {elapsed:.1f} s = {args.n / elapsed:,.0f} statements/s")
        figure("forwarding.throughput", args.n / elapsed, "statements/s", digits=0)

        # 2. Outage and drain.
        outage_n = int(args.rate * args.outage)
        ralph("stop", str(ralph_dir))
        ids += store_many(app, org_id, outage_n)
        relay_mod.Relay(app).run_pass()
        assert backlog(app, target_id) == outage_n
        streak = streak_after(args.outage, base, cap)
        wait = relay_mod.backoff_delay(streak, base, cap, rng=random.Random(args.seed))
        with app.app_context(), dbmod.session_scope() as db:
            t = db.get(ForwardTarget, target_id)
            last_error = t.last_error
            t.failure_streak = streak
        print(f"outage: {args.rate:g} statements/s × {args.outage:g} s = {outage_n:,} statements queued while "
              f"ralph was down; the relay's try failed ({last_error[:60]}…), nothing lost")
        ralph("start", str(ralph_dir), port, USER, PASSWORD)
        up = time.perf_counter()
        with app.app_context(), dbmod.session_scope() as db:
            # Worst case: ralph is back just after a failed try, so the next try is a full backoff delay away.
            t = db.get(ForwardTarget, target_id)
            t.retry_at = datetime.now(timezone.utc) + timedelta(seconds=wait)
        worker = relay_mod.Relay(app)
        loop = PassLoop(app, {"forwarding": lambda _app: worker.run_pass()}, interval=2.0)
        loop.start_thread("bench-relay")
        first = None
        while True:
            left = backlog(app, target_id)
            if first is None and left < outage_n:
                first = time.perf_counter() - up
            if left == 0:
                break
            time.sleep(0.05)
        drained = time.perf_counter() - up
        worker.stop()
        loop.stop(join_timeout=10)
        print(f"DRAIN       backlog of {outage_n:,} empty {drained:.1f} s after ralph came back: "
              f"{first:.1f} s waiting for the next try (streak {streak} after {args.outage:g} s, "
              f"backoff base {base:g} s cap {cap:g} s, jitter [c/2, c]) + {drained - first:.1f} s transfer "
              f"({outage_n / max(drained - first, 1e-9):,.0f} statements/s)")

        figure("forwarding.drain_after_outage", drained, "s", baseline=first, baseline_label="backoff wait")
        if outage_n > args.batch:  # the transfer is timed from the first delivered batch on
            figure("forwarding.drain_transfer", outage_n / max(drained - first, 1e-9), "statements/s", digits=0)
        counts = ralph_ids(endpoint)
        missing = [i for i in ids if counts[i] == 0]
        doubled = [i for i in ids if counts[i] > 1]
        print(f"check: ralph holds {len(ids) - len(missing):,} of {len(ids):,} ids, {len(doubled)} more than once")
        if missing or doubled:
            raise SystemExit("FAILED: statements missing or duplicated at ralph")
    finally:
        ralph("stop", str(ralph_dir))
        app.extensions["lms_db"][0].dispose()
        if args.keep:
            print(f"kept {work}")
        else:
            import shutil

            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
