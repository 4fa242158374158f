"""Login throttling keyed by account, by account and address, and (much higher) by address; trusted proxies."""
from sqlalchemy import select

from conftest import login, make_app
from lms.auth.models import LoginThrottle


def _from(client, address: str):
    """Make the test client send requests from this REMOTE_ADDR."""
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_throttle_colleague_behind_same_address_not_locked_out(app, world):
    """Five wrong passwords for one account from an address do not refuse another account's right password there."""
    office = _from(app.test_client(), "203.0.113.7")
    for _ in range(6):
        login(office, "learner@alpha.example", "wrong-password")
    assert login(office, "learner@alpha.example").status_code == 429  # the mistyped account is locked there
    colleague = _from(app.test_client(), "203.0.113.7")
    assert login(colleague, "learner2@alpha.example").status_code == 302


def test_throttle_same_account_other_address_still_signs_in(app, world):
    """The account locked from one address still signs in from another (below the per-account limit)."""
    attacker = _from(app.test_client(), "198.51.100.9")
    for _ in range(5):
        login(attacker, "learner@alpha.example", "wrong-password")
    assert login(_from(app.test_client(), "203.0.113.8"), "learner@alpha.example").status_code == 302


def test_throttle_account_limit_across_addresses(app, world, db):
    """Many failures for one account from many addresses lock the account everywhere."""
    limit = app.config["LOGIN_MAX_FAILURES_ACCOUNT"]
    for i in range(limit):
        login(_from(app.test_client(), f"198.51.100.{i + 1}"), "trainer@alpha.example", "wrong-password")
    assert login(_from(app.test_client(), "203.0.113.50"), "trainer@alpha.example").status_code == 429


def test_throttle_address_limit_is_much_higher(app, world, db):
    """The per-address limit is far above the per-account one and locks the address when reached."""
    assert app.config["LOGIN_MAX_FAILURES_ADDRESS"] >= 10 * app.config["LOGIN_MAX_FAILURES"]
    app.config["LOGIN_MAX_FAILURES_ADDRESS"] = 8
    client = _from(app.test_client(), "192.0.2.1")
    for i in range(8):
        login(client, f"nobody{i}@alpha.example", "wrong-password")
    assert login(client, "learner@alpha.example").status_code == 429
    row = db.scalar(select(LoginThrottle).where(LoginThrottle.key == "address:192.0.2.1"))
    assert row.failures == 8


def test_throttle_forwarded_for_ignored_without_trusted_proxy(app, world, db):
    """Without LMS_TRUSTED_PROXIES a client cannot choose its address with X-Forwarded-For."""
    client = app.test_client()
    client.post("/login", data={"email": "learner@alpha.example", "password": "x-wrong-x"},
                headers={"X-Forwarded-For": "10.9.9.9"})
    keys = db.scalars(select(LoginThrottle.key)).all()
    assert "address:127.0.0.1" in keys and not any("10.9.9.9" in k for k in keys)


def test_throttle_trusted_proxy_supplies_client_address(database_url, tmp_path, world):
    """With TRUSTED_PROXIES=1 the address comes from the proxy's X-Forwarded-For (the last hop only)."""
    app = make_app(database_url, tmp_path, TRUSTED_PROXIES=1)
    client = app.test_client()
    client.post("/login", data={"email": "learner@alpha.example", "password": "x-wrong-x"},
                headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.20"})
    session = app.extensions["lms_db"][1]()
    keys = session.scalars(select(LoginThrottle.key)).all()
    session.close()
    assert "address:203.0.113.20" in keys and not any("6.6.6.6" in k for k in keys)
    app.extensions["lms_db"][0].dispose()
