"""The relay: delivery, retry classification, bisecting, backoff, leases, redirects and deadlines."""
from __future__ import annotations

import random
import socket
import threading
import time
from datetime import timedelta

import pytest
from fake_lrs import DROP_AFTER_STORE, DROP_BEFORE_STORE, SLOW, STALL, FakeLRS, free_port
from fwd_helpers import fresh, make_target, outbox, raw_by_id, run_relay, statement, store
from sqlalchemy import select, update

from lms.db import utcnow
from lms.forwarding import lrsclient, relay
from lms.forwarding.models import DEAD, PENDING, ForwardTarget, OutboxItem
from lms.lrs.models import Statement


def _target(db, target_id) -> ForwardTarget:
    fresh(db)
    return db.get(ForwardTarget, target_id)


def _raws_in_order(db, org) -> list[str]:
    fresh(db)
    return list(db.scalars(select(Statement.raw).where(Statement.org_id == org.id).order_by(Statement.seq)))


def test_relay_delivery_sends_stored_bytes_in_batches(fwd_app, db, world, fake_lrs):
    """Every queued statement goes out once, in batches of the target's size, as the exact stored bytes."""
    org = world["org_a"]
    target = make_target(db, org, fake_lrs.endpoint, batch_size=100)
    store(db, org, [statement() for _ in range(250)])
    assert run_relay(fwd_app) == 250
    raws = _raws_in_order(db, org)
    assert [n for _m, _p, n, _b in fake_lrs.requests] == [100, 100, 50]
    expected = [raws[:100], raws[100:200], raws[200:]]
    assert fake_lrs.bodies == [("[" + ",".join(chunk) + "]").encode() for chunk in expected]
    assert fake_lrs.accepted_new == 250 and len(fake_lrs.store) == 250
    assert outbox(db, target) == []
    t = _target(db, target.id)
    assert t.delivered_count == 250 and t.last_success_at is not None and t.failure_streak == 0
    assert run_relay(fwd_app) == 0 and len(fake_lrs.requests) == 3


def _time_travel(db, target, **values) -> None:
    """Let the target's backoff run out now (and change its columns), instead of sleeping through it."""
    past = utcnow() - timedelta(seconds=1)
    db.execute(update(ForwardTarget).where(ForwardTarget.id == target.id).values(retry_at=past, **values))
    db.execute(update(OutboxItem).where(OutboxItem.target_id == target.id, OutboxItem.status == PENDING)
               .values(next_attempt_at=past))
    db.commit()


TRANSIENT = ["connection-refused", "timeout", "drop-before-store", "408", "429", "500", "502", "503", "504"]


@pytest.mark.parametrize("failure", TRANSIENT)
def test_relay_retry_classification_transient_stays_pending(fwd_app, db, world, fake_lrs, failure):
    """Connection errors, timeouts, 408, 429 and 5xx keep the items pending with a backoff, then deliver."""
    fwd_app.config.update(FORWARDING_BACKOFF_BASE=2.0, FORWARDING_BACKOFF_CAP=2.0)
    org = world["org_a"]
    endpoint = fake_lrs.endpoint
    if failure == "connection-refused":
        endpoint = f"http://127.0.0.1:{free_port()}/xAPI/"
    elif failure == "timeout":
        fake_lrs.script, fake_lrs.stall_seconds = [STALL], 1.0
    elif failure == "drop-before-store":
        fake_lrs.script = [DROP_BEFORE_STORE]
    else:
        fake_lrs.status_override = int(failure)
    target = make_target(db, org, endpoint, connect_timeout=0.3, read_timeout=0.3)
    store(db, org, [statement() for _ in range(3)])
    started = time.monotonic()
    assert run_relay(fwd_app) == 0
    assert time.monotonic() - started < 2.0
    items = outbox(db, target)
    assert len(items) == 3 and all(i.status == PENDING and i.attempts == 1 and i.claimed_by is None for i in items)
    t = _target(db, target.id)
    assert t.failure_streak == 1 and t.retry_at is not None and t.last_error
    assert all(i.next_attempt_at == t.retry_at for i in items)
    expected = {"connection-refused": "connection error", "timeout": "timeout", "drop-before-store": "connection"}
    assert expected.get(failure, f"HTTP {failure}") in t.last_error
    # The target is paused until retry_at: an immediate pass sends nothing.
    sent_before = len(fake_lrs.hits)
    if failure != "connection-refused":
        assert run_relay(fwd_app) == 0 and len(fake_lrs.hits) == sent_before
    fake_lrs.status_override = None
    _time_travel(db, target, endpoint=fake_lrs.endpoint)
    assert run_relay(fwd_app) == 3
    assert outbox(db, target) == []
    assert len(fake_lrs.store) == 3
    t = _target(db, target.id)
    assert t.failure_streak == 0 and t.retry_at is None


def test_relay_retry_after_header_sets_the_wait(fwd_app, db, world, fake_lrs):
    """429 with Retry-After: the target and its items wait exactly that long (not the short backoff)."""
    org = world["org_a"]
    fake_lrs.status_override, fake_lrs.retry_after = 429, "7"
    target = make_target(db, org, fake_lrs.endpoint)
    store(db, org, [statement()])
    before = utcnow()
    run_relay(fwd_app)
    t = _target(db, target.id)
    wait = (t.retry_at - before).total_seconds()
    assert 6.5 <= wait <= 8.0
    assert outbox(db, target)[0].next_attempt_at == t.retry_at
    assert "HTTP 429" in t.last_error


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 413, 422])
def test_relay_retry_classification_permanent_goes_dead(fwd_app, db, world, fake_lrs, status):
    """400/401/403/404/409 and other 4xx dead-letter the statement with the reason; it is not sent again."""
    org = world["org_a"]
    fake_lrs.status_override = status
    target = make_target(db, org, fake_lrs.endpoint)
    store(db, org, [statement()])
    run_relay(fwd_app)
    (item,) = outbox(db, target)
    assert item.status == DEAD and item.attempts == 1 and item.claimed_by is None
    assert f"HTTP {status}" in item.last_error and f"status {status}" in item.last_error
    assert f"HTTP {status}" in _target(db, target.id).last_error
    requests = len(fake_lrs.hits)
    time.sleep(0.1)
    run_relay(fwd_app)
    assert len(fake_lrs.hits) == requests


def test_relay_bisect_isolates_bad_statements(fwd_app, db, world, fake_lrs):
    """A 400 and a 409 caused by single statements dead-letter just those two; the other 62 are delivered."""
    org = world["org_a"]
    target = make_target(db, org, fake_lrs.endpoint, batch_size=64)
    ids = store(db, org, [statement() for _ in range(64)])
    bad_400, bad_409 = ids[5], ids[40]
    fake_lrs.reject = {bad_400: 400, bad_409: 409}
    assert run_relay(fwd_app) == 62
    dead = outbox(db, target)
    raws = raw_by_id(db, org)
    assert set(fake_lrs.store) == set(raws) - {bad_400, bad_409}
    fresh(db)
    seq_of = dict(db.execute(select(Statement.seq, Statement.statement_id)).all())
    assert {seq_of[i.seq]: i.status for i in dead} == {bad_400: DEAD, bad_409: DEAD}
    reasons = {seq_of[i.seq]: i.last_error for i in dead}
    assert "HTTP 400" in reasons[bad_400] and "HTTP 409" in reasons[bad_409]
    # Halving: about 2·log2(64) requests per culprit, far fewer than one request per statement.
    assert len(fake_lrs.requests) <= 25


def test_relay_bisect_stops_when_the_lrs_fails_midway(fwd_app, db, world, fake_lrs):
    """If the LRS starts failing during a bisection, the untried half stays pending instead of being sent."""
    org = world["org_a"]
    target = make_target(db, org, fake_lrs.endpoint, batch_size=8)
    ids = store(db, org, [statement() for _ in range(8)])
    fake_lrs.reject = {ids[0]: 400}  # the whole batch gets 400, so the relay splits it ...
    fake_lrs.script = ["ok", "503"]  # ... and the first half meets a 503
    assert run_relay(fwd_app) == 0
    assert [n for _m, _p, n, _b in fake_lrs.requests] == [8, 4]
    items = outbox(db, target)
    assert [i.status for i in items] == [PENDING] * 8 and all(i.attempts == 1 for i in items)
    assert fake_lrs.store == {}


def test_relay_lost_answer_resend_is_deduplicated(fwd_app, db, world, fake_lrs):
    """An LRS that stores and then drops the connection gets the same bytes again and keeps one copy."""
    org = world["org_a"]
    target = make_target(db, org, fake_lrs.endpoint)
    store(db, org, [statement() for _ in range(5)])
    fake_lrs.script = [DROP_AFTER_STORE]
    assert run_relay(fwd_app) == 0
    assert len(fake_lrs.store) == 5 and len(outbox(db, target)) == 5
    time.sleep(0.1)
    assert run_relay(fwd_app) == 5
    assert fake_lrs.accepted_new == 5 and fake_lrs.bodies[0] == fake_lrs.bodies[1]


def test_relay_backoff_capped_with_jitter():
    """backoff_delay grows exponentially, never exceeds the cap, and varies within [ceiling/2, ceiling]."""
    rng = random.Random(7)
    for attempt in range(1, 40):
        ceiling = min(60.0, 2.0 * 2 ** (attempt - 1))
        draws = [relay.backoff_delay(attempt, 2.0, 60.0, rng=rng) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling <= 60.0 for d in draws)
        assert len(set(draws)) > 1
    assert relay.backoff_delay(10_000, 2.0, 60.0) <= 60.0
    assert max(relay.backoff_delay(1, 2.0, 60.0, rng=rng) for _ in range(50)) <= 2.0


def test_relay_backoff_streak_grows_per_failed_batch(fwd_app, db, world, fake_lrs):
    """Each failed pass lengthens the target's wait (within the configured cap) and a success resets it."""
    fwd_app.config.update(FORWARDING_BACKOFF_BASE=1.0, FORWARDING_BACKOFF_CAP=4.0)
    org = world["org_a"]
    fake_lrs.status_override = 503
    target = make_target(db, org, fake_lrs.endpoint)
    store(db, org, [statement()])
    waits = []
    for streak in range(1, 6):
        before = utcnow()
        run_relay(fwd_app)
        t = _target(db, target.id)
        assert t.failure_streak == streak
        waits.append((t.retry_at - before).total_seconds())
        _time_travel(db, target)
    ceilings = [1.0, 2.0, 4.0, 4.0, 4.0]
    assert all(c / 2 <= w <= c + 0.5 for w, c in zip(waits, ceilings)), waits
    fake_lrs.status_override = None
    assert run_relay(fwd_app) == 1
    t = _target(db, target.id)
    assert t.failure_streak == 0 and t.retry_at is None


def test_relay_claim_leases_two_relays_never_overlap(fwd_app, db, world, fake_lrs):
    """Three relays in parallel deliver 300 statements: no statement is ever in two requests at once or twice."""
    org = world["org_a"]
    make_target(db, org, fake_lrs.endpoint, batch_size=20)
    store(db, org, [statement() for _ in range(300)])
    fake_lrs.chaos = {SLOW: 1.0}
    fake_lrs.slow_seconds = 0.03
    results = []
    workers = [threading.Thread(target=lambda: results.append(run_relay(fwd_app))) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert sum(results) == 300
    assert fake_lrs.overlaps == []
    assert sum(n for _m, _p, n, _b in fake_lrs.requests) == 300  # no statement sent twice
    assert fake_lrs.accepted_new == 300
    assert sum(1 for r in results if r > 0) >= 2, results  # the relays really shared the work


def test_relay_claim_concurrent_claims_are_disjoint(fwd_app, db, world):
    """Claims in parallel sessions (SKIP LOCKED on PostgreSQL, the write lock on SQLite) never share an item."""
    org = world["org_a"]
    target = make_target(db, org, "http://127.0.0.1:9/xAPI/")
    store(db, org, [statement() for _ in range(200)])
    claimed: dict[str, list[int]] = {}
    barrier = threading.Barrier(4)

    def claimer(name):
        """Claim batches until nothing is left, in a session of this thread."""
        from lms import db as dbmod

        with fwd_app.app_context():
            barrier.wait()
            got = []
            while True:
                with dbmod.session_scope() as session:
                    items = relay.claim(session, target.id, name, 7, 60)
                if not items:
                    break
                got += [i.id for i in items]
            claimed[name] = got

    threads = [threading.Thread(target=claimer, args=(f"w{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    everything = [i for ids in claimed.values() for i in ids]
    assert len(everything) == 200 and len(set(everything)) == 200
    owners = {i.id: i.claimed_by for i in outbox(db, target)}
    assert all(owners[i] == name for name, ids in claimed.items() for i in ids)


def test_relay_claim_expired_lease_is_reclaimed(fwd_app, db, world):
    """Items of a relay whose lease ran out go to the next claimer; the old owner can neither send nor record."""
    from lms import db as dbmod

    org = world["org_a"]
    target = make_target(db, org, "http://127.0.0.1:9/xAPI/")
    store(db, org, [statement() for _ in range(4)])
    with fwd_app.app_context():
        with dbmod.session_scope() as s:
            first = relay.claim(s, target.id, "relay-a", 100, 0.3)
        with dbmod.session_scope() as s:
            assert relay.claim(s, target.id, "relay-b", 100, 30) == []  # leased: not due
        time.sleep(0.4)
        with dbmod.session_scope() as s:
            second = relay.claim(s, target.id, "relay-b", 100, 30)
        assert [i.id for i in second] == [i.id for i in first]
        with dbmod.session_scope() as s:
            assert relay.renew(s, "relay-a", [i.id for i in first], 30) == set()
        sent = []
        report = relay.deliver(lambda batch: sent.append(batch) or lrsclient.Outcome(lrsclient.DONE), first,
                               lambda items: [])
        assert sent == [] and report.outcomes == []
        stale = relay.BatchReport(dead=[(first[0].id, "late")], retry=[first[1].id],
                                  outcomes=[lrsclient.Outcome(lrsclient.RETRY, "late")])
        with dbmod.session_scope() as s:
            relay.record(s, target.id, "relay-a", stale)
    items = {i.id: i for i in outbox(db, target)}
    assert all(i.claimed_by == "relay-b" and i.status == PENDING for i in items.values())


def test_relay_renews_the_lease_before_a_late_request(fwd_app, db, world, fake_lrs):
    """A bisection that outlives most of the lease renews it before the next request, so nobody else sends."""
    fwd_app.config.update(FORWARDING_LEASE_MIN=0.0)
    org = world["org_a"]
    # lease = 3 × (0.1 + 0.2) = 0.9 s; each answer takes 0.25 s, so the later halves need renewals.
    target = make_target(db, org, fake_lrs.endpoint, batch_size=8, connect_timeout=0.1, read_timeout=0.2)
    ids = store(db, org, [statement() for _ in range(8)])
    fake_lrs.reject = {ids[7]: 400}
    fake_lrs.chaos, fake_lrs.slow_seconds = {SLOW: 1.0}, 0.1
    renewals = []
    real_renew = relay.renew
    relay.renew = lambda *a, **kw: renewals.append(a[2]) or real_renew(*a, **kw)
    try:
        assert run_relay(fwd_app) == 7
    finally:
        relay.renew = real_renew
    assert renewals, "no renewal although the bisection took longer than the lease allows"
    assert [i.status for i in outbox(db, target)] == [DEAD]


def test_relay_redirect_is_an_error_and_never_followed(fwd_app, db, world, fake_lrs):
    """A target answering 302 dead-letters the batch as a redirect; the redirect location is never contacted."""
    elsewhere = FakeLRS().start()
    try:
        fake_lrs.redirect_to = elsewhere.endpoint + "statements"
        target = make_target(db, world["org_a"], fake_lrs.endpoint)
        store(db, world["org_a"], [statement() for _ in range(3)])
        run_relay(fwd_app)
        items = outbox(db, target)
        assert [i.status for i in items] == [DEAD] * 3
        assert "redirect" in items[0].last_error and "HTTP 302" in items[0].last_error
        assert fake_lrs.hits == [("POST", "/xAPI/statements")]
        assert elsewhere.hits == []
    finally:
        elsewhere.kill()


def _dripping_server(stop: threading.Event) -> int:
    """A server that answers every connection with a response trickling one byte per 0.15 s."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.1)

    def serve():
        """Accept connections until stopped."""
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=drip, args=(conn,), daemon=True).start()
        listener.close()

    def drip(conn):
        """Read the request, then answer one byte at a time."""
        with conn:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100000:
                if stop.is_set():
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(0.15)

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


def test_relay_total_deadline_cuts_a_trickling_answer():
    """An LRS that answers byte by byte within the read timeout is still cut off at connect + read timeout."""
    stop = threading.Event()
    port = _dripping_server(stop)
    try:
        target = lrsclient.Target(f"http://127.0.0.1:{port}/xAPI/", "u", "p", connect_timeout=0.3,
                                  read_timeout=0.5, allow_private=True)
        item = lrsclient.Item(1, 1, "id", '{"id":"x"}')
        started = time.monotonic()
        with target.client() as client:
            outcome = lrsclient.post_statements(client, [item])
        elapsed = time.monotonic() - started
    finally:
        stop.set()
    assert outcome.kind == lrsclient.RETRY and "timeout" in outcome.reason
    assert elapsed < 1.3, elapsed


def test_relay_refuses_non_public_addresses_unless_allowed(fwd_app, db, world, fake_lrs):
    """Without FORWARDING_ALLOW_PRIVATE_NETWORKS a loopback endpoint is never contacted; items stay pending."""
    fwd_app.config["FORWARDING_ALLOW_PRIVATE_NETWORKS"] = False
    target = make_target(db, world["org_a"], fake_lrs.endpoint)
    store(db, world["org_a"], [statement()])
    run_relay(fwd_app)
    assert fake_lrs.hits == []
    assert [i.status for i in outbox(db, target)] == [PENDING]
    assert "non-public" in _target(db, target.id).last_error
    # The connect-time check holds even when the name check is bypassed (DNS answers can change).
    conn = lrsclient.Target(fake_lrs.endpoint, "fake", "fake-secret", allow_private=False)
    with conn.client() as client:
        outcome = lrsclient.post_statements(client, [lrsclient.Item(1, 1, "x", "{}")])
    assert outcome.kind == lrsclient.RETRY and "non-public" in outcome.reason
    assert fake_lrs.hits == []


def test_relay_unreadable_secret_keeps_items_pending(fwd_app, db, world, fake_lrs):
    """A password encrypted under another SECRET_KEY pauses the target with a clear error; nothing is lost."""
    target = make_target(db, world["org_a"], fake_lrs.endpoint, secret_key="another-key")
    store(db, world["org_a"], [statement()])
    run_relay(fwd_app)
    assert fake_lrs.hits == []
    assert [i.status for i in outbox(db, target)] == [PENDING]
    assert "cannot be decrypted" in _target(db, target.id).last_error


def test_relay_in_app_thread_delivers_and_stops(fwd_app, db, world, fake_lrs):
    """The forwarding pass in the app's loop thread delivers new statements within a few intervals and stops."""
    from lms.loops import PASSES_KEY, PassLoop

    target = make_target(db, world["org_a"], fake_lrs.endpoint)
    loop = PassLoop(fwd_app, {"forwarding": fwd_app.extensions[PASSES_KEY]["forwarding"]}, 0.05)
    thread = loop.start_thread()
    try:
        store(db, world["org_a"], [statement() for _ in range(5)])
        deadline = time.monotonic() + 10
        while outbox(db, target) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert outbox(db, target) == [] and len(fake_lrs.store) == 5
    finally:
        loop.stop(join_timeout=5)
    assert not thread.is_alive()


def test_relay_cli_once_delivers_everything_due(fwd_app, db, world, fake_lrs):
    """`flask xapi relay --once` delivers the backlog and reports the count."""
    target = make_target(db, world["org_a"], fake_lrs.endpoint, batch_size=10)
    store(db, world["org_a"], [statement() for _ in range(25)])
    result = fwd_app.test_cli_runner().invoke(args=["xapi", "relay", "--once"])
    assert result.exit_code == 0, result.output
    assert "delivered 25 statement(s)" in result.output
    assert outbox(db, target) == [] and len(fake_lrs.store) == 25


def test_relay_dead_letters_free_the_batch_for_later_items(fwd_app, db, world, fake_lrs):
    """After a permanent rejection, later statements of the same target still flow."""
    org = world["org_a"]
    target = make_target(db, org, fake_lrs.endpoint)
    (bad,) = store(db, org, [statement()])
    fake_lrs.reject = {bad: 400}
    run_relay(fwd_app)
    store(db, org, [statement() for _ in range(3)])
    assert run_relay(fwd_app) == 3
    assert [i.status for i in outbox(db, target)] == [DEAD]
    assert utcnow() - _target(db, target.id).last_success_at < timedelta(seconds=5)
