"""Round trip to a real LRS: ralph (PyPI ralph-malph) on loopback receives every statement once, unchanged."""
from __future__ import annotations

import uuid
from collections import Counter

from fwd_helpers import COURSE_IRI, make_target, outbox, raw_by_id, run_relay, same_statement, statement, store

from lms import db as dbmod
from lms.forwarding import lrsclient
from lms.forwarding import outbox as outbox_mod
from lms.forwarding.models import ForwardTarget


def _varied(n: int) -> list[dict]:
    """Statements of the shapes the app and LRS clients produce: results, registrations, groupings, mbox actors."""
    out = []
    for i in range(n):
        kind = i % 5
        if kind == 0:
            out.append(statement(verb="experienced"))
        elif kind == 1:
            out.append(statement(verb="answered", result={"score": {"scaled": 0.75, "raw": 3, "min": 0, "max": 4},
                                                          "success": True, "completion": True,
                                                          "response": "b[,]c – „Antwort“", "duration": "PT1M2.5S"}))
        elif kind == 2:
            out.append(statement(verb="completed", registration=str(uuid.uuid4()), grouping=COURSE_IRI))
        elif kind == 3:
            out.append(statement(verb="passed", actor={"objectType": "Agent", "name": "Zoë Ünal",
                                                       "mbox": f"mailto:zoe{i}@example.org"}))
        else:
            out.append(statement(verb="launched", context={"platform": "Social Media LMS", "language": "en-US",
                                                           "extensions": {"https://lms.example/ext/n": i}}))
    return out


def test_ralph_round_trip_every_id_once_identical(fwd_app, db, world, ralph):
    """250 statements reach ralph exactly once each with identical JSON (apart from `stored`), even when resent."""
    org = world["org_a"]
    target = make_target(db, org, ralph.endpoint, username=ralph.username, password=ralph.password,
                         batch_size=100, connect_timeout=5.0, read_timeout=30.0)
    ids = store(db, org, _varied(250))
    assert run_relay(fwd_app) == 250
    assert outbox(db, target) == []
    stored = raw_by_id(db, org)

    def check() -> None:
        """Each of our ids exactly once at ralph, equal to the stored JSON apart from `stored`."""
        received = [s for s in ralph.statements() if s["id"] in stored]
        counts = Counter(s["id"] for s in received)
        assert set(counts) == set(ids) and set(counts.values()) == {1}
        mismatched = [s["id"] for s in received if not same_statement(stored[s["id"]], s, ignore=("stored",))]
        assert mismatched == []

    check()
    # At-least-once means resends happen: send everything again (a backfill) and ralph still holds one copy.
    with fwd_app.app_context(), dbmod.session_scope() as s:
        outbox_mod.start_backfill(s, s.get(ForwardTarget, target.id))
    assert run_relay(fwd_app) == 250
    check()


def test_ralph_connection_test_checks_credentials(ralph):
    """'Test connection' against ralph accepts the right password and reports a wrong one as HTTP 401."""
    good = lrsclient.Target(ralph.endpoint, ralph.username, ralph.password, allow_private=True)
    ok, message = lrsclient.check_connection(good)
    assert ok, message
    bad = lrsclient.Target(ralph.endpoint, ralph.username, "wrong-password", allow_private=True)
    ok, message = lrsclient.check_connection(bad)
    assert not ok and "401" in message
