"""Two real app servers (gunicorn, in-app relay/mail/job loops on) on one PostgreSQL: a learner journey and an LRS
load spread across both, then counts and duplicates: statements stored once, forwarded once, mails sent once,
sessions, CSRF, login throttling and the verification rate limit shared."""
from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import httpx
import pytest
from aiosmtpd.controller import Controller
from nodes import Browser, Inbox, Node, free_port, wait_until
from sqlalchemy import func, select

from conftest import PG_URL, TEST_SECRET_KEY
from tests_quiz_helpers import answer_all

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs LMS_TEST_POSTGRES_URL (scripts/pg-cluster.sh)")

XAPI = {"X-Experience-API-Version": "1.0.3"}
LRS_BATCHES, LRS_BATCH_SIZE, LRS_SINGLES = 16, 25, 40


@pytest.fixture
def fake_lrs():
    """The receiving LRS of the forwarding target (tests/forwarding/fake_lrs.py: keeps every POST body)."""
    from fake_lrs import FakeLRS

    lrs = FakeLRS().start()
    yield lrs
    lrs.kill()


@pytest.fixture
def inbox():
    """An SMTP server (aiosmtpd) on a free loopback port; yields (inbox, port)."""
    port = free_port()
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def seeded(app, db, world, fake_lrs):
    """Organisation A with a forwarding target to the fake LRS and an LRS client credential."""
    from lms.forwarding.crypto import encrypt_secret
    from lms.forwarding.models import ForwardTarget
    from lms.lrs.lrs_auth import create_credential

    org = world["org_a"]
    db.add(ForwardTarget(org_id=org.id, name="Empfänger", endpoint=fake_lrs.endpoint, username=fake_lrs.username,
                         secret_encrypted=encrypt_secret(fake_lrs.password, TEST_SECRET_KEY), xapi_version="1.0.3",
                         course_slugs=[], verb_ids=[], active=True, batch_size=50, connect_timeout=2.0,
                         read_timeout=10.0, delivered_count=0, failure_streak=0))
    credential, secret = create_credential(db, org.id, "Last")
    db.commit()
    return world, (credential.key, secret)


@pytest.fixture
def nodes(app, seeded, inbox, tmp_path):
    """Node A and node B: two gunicorn servers on one database, configured through LMS_* like production."""
    _, smtp_port = inbox
    env = {"LMS_DATABASE_URL": app.config["DATABASE_URL"], "LMS_SECRET_KEY": TEST_SECRET_KEY,
           "LMS_COURSES_DIR": app.config["COURSES_DIR"], "LMS_QUIZZES_DIR": app.config["QUIZZES_DIR"],
           "LMS_BASE_IRI": app.config["BASE_IRI"], "LMS_RELAY_IN_APP": "true", "LMS_RELAY_INTERVAL": "0.3",
           "LMS_FORWARDING_ALLOW_PRIVATE_NETWORKS": "true", "LMS_MAIL_SMTP_HOST": "127.0.0.1",
           "LMS_MAIL_SMTP_PORT": str(smtp_port), "LMS_MAIL_SMTP_SECURITY": "none",
           "LMS_MAIL_SENDER": "LMS <lms@lms.test>"}
    started = {name: Node(name, env, tmp_path) for name in ("a", "b")}
    try:
        for node in started.values():
            wait_until(node.ready, 90, f"node {node.name} to answer /healthz")
        yield started
    finally:
        for node in started.values():
            node.stop()


def _journey(app, db, nodes, world) -> str:
    """Sign in on A, lessons on B (with a CSRF token from A), quizzes on A; returns the certificate code."""
    from lms.certificates.models import Certificate

    learner = Browser(nodes).on("a")
    token = learner.csrf_token("/login")
    signed_in = learner.post("/login", {"email": world["learner_a"].email, "password": "password-123"}, token)
    assert signed_in.status_code == 302, signed_in.text[:300]
    token_from_a = learner.csrf_token()
    learner.on("b")
    assert learner.get("/account").status_code == 200  # the session from A is valid on B
    assert learner.post("/courses/mini/start", token=token_from_a).status_code == 302
    for lesson in ("b-one", "b-two", "m-one"):
        assert learner.post(f"/courses/mini/lessons/{lesson}/done", token=token_from_a).status_code == 302
    learner.on("a")
    for quiz in ("m1", "m2", "final"):
        answer_all(app, learner, db, quiz)
    db.rollback()
    certificate = db.scalar(select(Certificate).where(Certificate.user_id == world["learner_a"].id))
    assert certificate is not None, "the final exam on node A issued no certificate"
    _verify_on_both(learner, certificate)
    assert learner.on("b").post("/logout").status_code == 302
    assert learner.on("a").get("/account").status_code == 302  # signed out on B means signed out on A
    return certificate.code


def _verify_on_both(learner: Browser, certificate) -> None:
    """The code verifies on both nodes; the credential file from B verifies on A (one shared signing key)."""
    for name in ("a", "b"):
        page = learner.on(name).get(f"/verify/{certificate.code}")
        assert page.status_code == 200 and "Gültiges Zertifikat" in page.text
    credential = learner.on("b").get(f"/certificates/{certificate.id}.json")
    assert credential.status_code == 200
    anonymous = Browser(learner.nodes).on("a")
    token = anonymous.csrf_token("/verify/")
    checked = anonymous.http.post(anonymous.url("/verify/credential"), data={"csrf_token": token},
                                  files={"credential": ("vc.json", credential.content, "application/json")})
    assert checked.status_code == 200 and "Die digitale Signatur" in checked.text


def _statement(n: int) -> dict:
    return {"id": str(uuid.uuid4()),
            "actor": {"objectType": "Agent", "account": {"homePage": "http://lms.test", "name": f"last-{n % 50}"}},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
            "object": {"objectType": "Activity", "id": f"https://lms.example/xapi/activities/load/{n % 20}"},
            "timestamp": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")}


def _lrs_load(nodes, credential) -> list[str]:
    """Batches and single statements POSTed to both nodes at once; returns the ids sent."""
    auth = httpx.BasicAuth(*credential)
    batches = [[_statement(n * LRS_BATCH_SIZE + i) for i in range(LRS_BATCH_SIZE)] for n in range(LRS_BATCHES)]
    batches += [[_statement(10_000 + n)] for n in range(LRS_SINGLES)]
    urls = [nodes["a" if n % 2 else "b"].url + "/xapi/statements" for n in range(len(batches))]

    def send(job):
        url, batch = job
        body = batch if len(batch) > 1 else batch[0]
        response = httpx.post(url, json=body, headers=XAPI, auth=auth, timeout=60)
        assert response.status_code == 200, response.text[:300]
        return response.json()

    with ThreadPoolExecutor(max_workers=6) as pool:
        answered = list(pool.map(send, zip(urls, batches)))
    sent = [stmt["id"] for batch in batches for stmt in batch]
    assert sorted(i for ids in answered for i in ids) == sorted(sent)
    return sent


def _shared_limits(nodes, world) -> None:
    """Login throttling, forgot-password and verification limits count across both nodes."""
    intruder = Browser(nodes)
    for name in ("a", "a", "a", "b", "b"):  # LOGIN_MAX_FAILURES = 5 per account and address, over both nodes
        token = intruder.on(name).csrf_token("/login")
        assert intruder.post("/login", {"email": world["trainer_a"].email, "password": "falsch"}, token).status_code != 302
    token = intruder.on("a").csrf_token("/login")
    locked = intruder.post("/login", {"email": world["trainer_a"].email, "password": "password-123"}, token)
    assert locked.status_code == 429
    for name in ("a", "b") * 4:  # MAIL_FORGOT_LIMIT = 5 per address and quarter hour, over both nodes
        token = intruder.on(name).csrf_token("/password/forgot")
        assert intruder.post("/password/forgot", {"email": world["learner_a2"].email}, token).status_code == 200
    allowed, statuses = 0, []
    for n in range(40):  # 30 lookups per address and minute, over both nodes (the journey used some already)
        status = intruder.on("ab"[n % 2]).get("/verify/AAAA-BBBB-CCCC").status_code
        statuses.append(status)
        if status == 429:
            break
        allowed += 1
    assert statuses[-1] == 429 and allowed <= 30, statuses
    assert intruder.on("a").get("/verify/X").status_code == intruder.on("b").get("/verify/X").status_code == 429


def test_two_nodes_journey_and_lrs_load_counted_once(app, db, seeded, nodes, fake_lrs, inbox):
    """A learner journey and an LRS load across two app servers: every statement stored once and forwarded once,
    every mail sent once, sessions, CSRF and the limits shared by both nodes."""
    from lms.forwarding.models import OutboxItem
    from lms.mail.models import SENT, Mail
    from lms.lrs.models import Statement

    world, credential = seeded
    _journey(app, db, nodes, world)
    sent = _lrs_load(nodes, credential)
    _shared_limits(nodes, world)

    def settled():
        db.rollback()
        waiting = db.scalar(select(func.count()).select_from(OutboxItem))
        unsent = db.scalar(select(func.count()).select_from(Mail).where(Mail.status != SENT))
        return waiting == 0 and unsent == 0 and len(inbox[0].messages) == db.scalar(select(func.count(Mail.id)))

    wait_until(settled, 120, "both nodes' relays to forward every statement and send every mail")
    stored = Counter(db.scalars(select(Statement.statement_id).where(Statement.org_id == world["org_a"].id)))
    assert set(sent) <= set(stored) and max(stored.values()) == 1
    learner_events = Counter(db.execute(select(Statement.verb_id, Statement.activity_id).where(
        Statement.user_id == world["learner_a"].id, Statement.verb_id.like("%/completed"))).all())
    assert learner_events and max(learner_events.values()) == 1  # each lesson, module and course completed once

    forwarded = Counter()
    for body in fake_lrs.bodies:
        received = json.loads(body)
        forwarded.update(stmt["id"] for stmt in (received if isinstance(received, list) else [received]))
    assert set(forwarded) == set(stored) and max(forwarded.values()) == 1, forwarded.most_common(3)
    assert fake_lrs.overlaps == []

    messages = inbox[0].messages
    ids = Counter(message["Message-ID"] for message in messages)
    assert max(ids.values()) == 1 and set(ids) == set(db.scalars(select(Mail.message_id)))
    resets = [m for m in messages if m["To"] == world["learner_a2"].email]
    assert len(resets) == 5  # the forgot-password limit held across both nodes
    assert any(m["To"] == world["learner_a"].email for m in messages)  # the certificate mail
    served = {name: node.log.name for name, node in nodes.items()}
    assert all(re.search(r"Booting worker", open(path).read()) for path in served.values())
