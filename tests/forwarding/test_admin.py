"""Admin pages: targets CRUD, secrets, connection test, dead letters, health, organisation scoping."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from fake_lrs import FakeLRS
from fwd_helpers import fresh, make_target, outbox, run_relay, statement, store
from sqlalchemy import select, update

from lms.db import utcnow
from lms.forwarding.crypto import decrypt_secret
from lms.forwarding.models import DEAD, PENDING, ForwardTarget, OutboxItem

SECRET = "S3cr3t-Plain-Text-4711"


def _form(**overrides) -> dict:
    data = {"name": "Konzern-LRS", "endpoint": "http://127.0.0.1:9/xAPI/", "username": "relay", "secret": SECRET,
            "xapi_version": "1.0.3", "verb_ids": "", "batch_size": "100", "connect_timeout": "5",
            "read_timeout": "15", "active": "y"}
    data.update(overrides)
    return data


def _only_target(db) -> ForwardTarget:
    fresh(db)
    return db.scalars(select(ForwardTarget)).one()


def test_admin_targets_crud(fwd_app, client, db, world, login_as):
    """An admin creates, lists, edits (blank password keeps it), pauses and deletes a target."""
    login_as("admin_a")
    assert client.get("/admin/forwarding/").status_code == 200
    assert client.get("/admin/forwarding/new").status_code == 200
    response = client.post("/admin/forwarding/new", data=_form(courses=["mini"],
                                                               verb_ids="http://adlnet.gov/expapi/verbs/passed\n"))
    assert response.status_code == 302
    target = _only_target(db)
    assert (target.org_id, target.name, target.username) == (world["org_a"].id, "Konzern-LRS", "relay")
    assert target.course_slugs == ["mini"] and target.verb_ids == ["http://adlnet.gov/expapi/verbs/passed"]
    assert target.active and target.batch_size == 100
    with fwd_app.app_context():
        assert decrypt_secret(target.secret_encrypted) == SECRET
    page = client.get("/admin/forwarding/").get_data(as_text=True)
    assert "Konzern-LRS" in page and "http://127.0.0.1:9/xAPI/" in page

    edit = f"/admin/forwarding/{target.id}/edit"
    assert "Konzern-LRS" in client.get(edit).get_data(as_text=True)
    stored_secret = target.secret_encrypted
    assert client.post(edit, data=_form(name="Renamed", secret="", batch_size="50")).status_code == 302
    target = _only_target(db)
    assert target.name == "Renamed" and target.batch_size == 50 and target.secret_encrypted == stored_secret
    assert client.post(edit, data=_form(secret="new-password")).status_code == 302
    with fwd_app.app_context():
        assert decrypt_secret(_only_target(db).secret_encrypted) == "new-password"

    assert client.post(f"/admin/forwarding/{target.id}/deactivate").status_code == 302
    assert _only_target(db).active is False
    assert client.post(f"/admin/forwarding/{target.id}/activate").status_code == 302
    assert _only_target(db).active is True

    store(db, world["org_a"], [statement()])
    assert len(outbox(db)) == 1
    assert client.post(f"/admin/forwarding/{target.id}/delete").status_code == 302
    fresh(db)
    assert db.scalars(select(ForwardTarget)).all() == [] and outbox(db) == []


@pytest.mark.parametrize("field, value", [("endpoint", "ftp://lrs.example/"), ("endpoint", "http://u:p@host/x"),
                                          ("secret", ""), ("batch_size", "0"), ("verb_ids", "not an iri"),
                                          ("courses", ["no-such-course"])])
def test_admin_targets_validation_rejects(fwd_app, client, db, world, login_as, field, value):
    """Invalid endpoints, a missing password on create, bad numbers, verbs or courses are refused with 400."""
    login_as("admin_a")
    response = client.post("/admin/forwarding/new", data=_form(**{field: value}))
    assert response.status_code == 400
    fresh(db)
    assert db.scalars(select(ForwardTarget)).all() == []


def test_admin_targets_public_endpoint_required_by_default(fwd_app, client, db, world, login_as):
    """Unless the operator allows private networks, loopback endpoints are refused in the form."""
    fwd_app.config["FORWARDING_ALLOW_PRIVATE_NETWORKS"] = False
    login_as("admin_a")
    response = client.post("/admin/forwarding/new", data=_form(endpoint="http://127.0.0.1:8080/xAPI/"))
    assert response.status_code == 400 and "non-public" in response.get_data(as_text=True)


def test_admin_secret_encrypted_and_never_rendered(fwd_app, client, db, world, login_as):
    """The password is stored encrypted and appears on no page, not even a re-rendered form with errors."""
    login_as("admin_a")
    client.post("/admin/forwarding/new", data=_form())
    target = _only_target(db)
    assert SECRET not in target.secret_encrypted
    fresh(db)
    raw_column = db.execute(select(ForwardTarget.__table__.c.secret_encrypted)).scalar_one()
    assert SECRET not in raw_column and raw_column.startswith("gAAAA")  # a Fernet token
    pages = [client.get("/admin/forwarding/"), client.get(f"/admin/forwarding/{target.id}/edit"),
             client.post(f"/admin/forwarding/{target.id}/edit", data=_form(batch_size="0", secret="Other-Secret-99")),
             client.post("/admin/forwarding/new", data=_form(name="Konzern-LRS"))]
    assert [p.status_code for p in pages] == [200, 200, 400, 400]
    for page in pages:
        text = page.get_data(as_text=True)
        assert SECRET not in text and "Other-Secret-99" not in text
    with fwd_app.app_context():
        assert decrypt_secret(_only_target(db).secret_encrypted) == SECRET


def test_admin_test_connection_reports_result(fwd_app, client, db, world, login_as, fake_lrs):
    """'Test connection' reports accepted credentials, a wrong password, and a redirect it does not follow."""
    good = make_target(db, world["org_a"], fake_lrs.endpoint, name="good")
    wrong = make_target(db, world["org_a"], fake_lrs.endpoint, name="wrong", password="nope")
    elsewhere = FakeLRS().start()
    redirecting = FakeLRS().start()
    redirecting.redirect_to = elsewhere.endpoint
    moved = make_target(db, world["org_a"], redirecting.endpoint, name="moved")
    try:
        login_as("admin_a")
        page = client.post(f"/admin/forwarding/{good.id}/test", follow_redirects=True).get_data(as_text=True)
        assert "credentials accepted" in page and "1.0.3" in page
        page = client.post(f"/admin/forwarding/{wrong.id}/test", follow_redirects=True).get_data(as_text=True)
        assert "HTTP 401" in page and "credentials accepted" not in page
        page = client.post(f"/admin/forwarding/{moved.id}/test", follow_redirects=True).get_data(as_text=True)
        assert "redirect" in page and "not followed" in page
        assert elsewhere.hits == []
        assert ("GET", "/xAPI/about") in fake_lrs.hits
        assert outbox(db) == []  # a connection test sends no statements
    finally:
        elsewhere.kill()
        redirecting.kill()


def test_admin_dead_letters_retry_and_discard(fwd_app, client, db, world, login_as, fake_lrs):
    """Dead letters show their reason; 'retry' requeues one, 'discard' drops the rest, then delivery resumes."""
    target = make_target(db, world["org_a"], fake_lrs.endpoint)
    ids = store(db, world["org_a"], [statement() for _ in range(3)])
    fake_lrs.status_override = 400
    run_relay(fwd_app)
    dead = outbox(db, target, DEAD)
    assert len(dead) == 3
    login_as("admin_a")
    page = client.get(f"/admin/forwarding/{target.id}/dead").get_data(as_text=True)
    assert "HTTP 400" in page and all(sid in page for sid in ids)
    assert client.post(f"/admin/forwarding/{target.id}/dead/retry", data={"item_id": str(dead[0].id)}
                       ).status_code == 302
    assert [i.status for i in outbox(db, target)] == [PENDING, DEAD, DEAD]
    assert client.post(f"/admin/forwarding/{target.id}/dead/discard").status_code == 302
    assert [i.status for i in outbox(db, target)] == [PENDING]
    fake_lrs.status_override = None
    assert run_relay(fwd_app) == 1
    assert list(fake_lrs.store) == [ids[0]]
    assert client.post(f"/admin/forwarding/{target.id}/dead/retry", data={"item_id": "x1"}).status_code == 400


def test_admin_health_figures(fwd_app, client, db, world, login_as, fake_lrs):
    """The list shows backlog, oldest pending age, dead count, delivered count, last success and last error."""
    from lms.forwarding.outbox import health

    target = make_target(db, world["org_a"], fake_lrs.endpoint)
    store(db, world["org_a"], [statement() for _ in range(2)])
    run_relay(fwd_app)  # two delivered
    fake_lrs.status_override = 503
    store(db, world["org_a"], [statement() for _ in range(4)])
    run_relay(fwd_app)  # four pending, last error 503
    db.execute(update(OutboxItem).where(OutboxItem.target_id == target.id)
               .values(created_at=utcnow() - timedelta(minutes=7)))
    (first,) = store(db, world["org_a"], [statement()])[:1]
    fresh(db)
    db.execute(update(OutboxItem).where(OutboxItem.id == outbox(db, target)[-1].id).values(status=DEAD))
    db.commit()
    with fwd_app.app_context():
        figures = health(db, [target.id])[target.id]
    assert (figures.pending, figures.dead) == (4, 1)
    assert 7 * 60 - 5 <= figures.oldest_age_seconds <= 7 * 60 + 30
    login_as("admin_a")
    page = client.get("/admin/forwarding/").get_data(as_text=True)
    row = page[page.index(target.name):]
    assert '<td class="numeric">4</td>' in row and "7 min" in row
    assert '<td class="numeric">2</td>' in row  # delivered
    assert f'/admin/forwarding/{target.id}/dead">1</a>' in row
    t = _only_target(db)
    berlin = ZoneInfo("Europe/Berlin")  # pages show the organisation's time zone (default Europe/Berlin)
    assert t.last_success_at.astimezone(berlin).strftime("%d.%m.%Y, %H:%M:%S") in row
    assert "HTTP 503" in row and t.last_error_at.astimezone(berlin).strftime("%d.%m.%Y, %H:%M:%S") in row


def test_admin_org_scoping(fwd_app, client, db, world, login_as, fake_lrs):
    """Admin B gets 404 for every page and action on A's target; A's items stay untouched."""
    target_a = make_target(db, world["org_a"], fake_lrs.endpoint, name="alpha-lrs")
    target_b = make_target(db, world["org_b"], fake_lrs.endpoint, name="beta-lrs")
    store(db, world["org_a"], [statement()])
    fake_lrs.status_override = 400
    run_relay(fwd_app)
    (item_a,) = outbox(db, target_a)
    login_as("admin_b")
    page = client.get("/admin/forwarding/").get_data(as_text=True)
    assert "beta-lrs" in page and "alpha-lrs" not in page
    base = f"/admin/forwarding/{target_a.id}"
    assert client.get(f"{base}/edit").status_code == 404
    assert client.get(f"{base}/dead").status_code == 404
    for action in ("edit", "test", "deactivate", "backfill", "dead/retry", "dead/discard", "delete"):
        assert client.post(f"{base}/{action}", data=_form() if action == "edit" else {}).status_code == 404, action
    # B's own target with A's item id changes nothing.
    client.post(f"/admin/forwarding/{target_b.id}/dead/discard", data={"item_id": str(item_a.id)})
    client.post(f"/admin/forwarding/{target_b.id}/dead/retry", data={"item_id": str(item_a.id)})
    (after,) = outbox(db, target_a)
    assert (after.id, after.status) == (item_a.id, DEAD)
    t = db.get(ForwardTarget, target_a.id)
    assert t.active and t.name == "alpha-lrs"


@pytest.mark.parametrize("who", ["learner_a", "trainer_a"])
def test_admin_org_scoping_other_roles_forbidden(fwd_app, client, db, world, login_as, who):
    """Learners and trainers get 403 on the forwarding admin pages and actions."""
    target = make_target(db, world["org_a"], "http://127.0.0.1:9/xAPI/")
    login_as(who)
    assert client.get("/admin/forwarding/").status_code == 403
    assert client.get("/admin/forwarding/new").status_code == 403
    assert client.get(f"/admin/forwarding/{target.id}/dead").status_code == 403
    assert client.post(f"/admin/forwarding/{target.id}/delete").status_code == 403
    assert client.post(f"/admin/forwarding/{target.id}/backfill").status_code == 403


def test_admin_backfill_button_queues_existing_statements(fwd_app, client, db, world, login_as, fake_lrs):
    """'Send existing statements' queues what the organisation stored before the target existed."""
    ids = store(db, world["org_a"], [statement() for _ in range(5)])
    store(db, world["org_b"], [statement()])
    target = make_target(db, world["org_a"], fake_lrs.endpoint)
    assert outbox(db, target) == []
    login_as("admin_a")
    assert client.post(f"/admin/forwarding/{target.id}/backfill").status_code == 302
    assert len(outbox(db, target)) == 5
    assert _only_target(db).backfill_until is None  # finished in one chunk
    assert run_relay(fwd_app) == 5 and set(fake_lrs.store) == set(ids)
    assert outbox(db) == [] or all(i.target_id != target.id for i in outbox(db))
    fresh(db)
    assert db.scalar(select(ForwardTarget.delivered_count).where(ForwardTarget.id == target.id)) == 5
