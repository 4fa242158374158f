"""LTI Dynamic Registration: the platform's configuration is read, the tool registers itself, and launches from
the new registration work."""
from __future__ import annotations

from lti_helpers import launch
from sqlalchemy import select

from conftest import login
from lms.lti.models import LtiPlatform


def _admin(app, world):
    client = app.test_client()
    login(client, world["admin_a"].email)
    return client


def test_lti_dynreg_registers_platform_and_launch_works(app, db, world, platform):
    """Confirming the registration stores issuer, client id, endpoints and deployment; a launch then succeeds."""
    admin = _admin(app, world)
    params = {"openid_configuration": f"{platform.url}/.well-known/openid-configuration",
              "registration_token": "reg-token-1"}
    page = admin.get("/admin/lti/register", query_string=params)
    assert page.status_code == 200 and b"registration_token" in page.data
    done = admin.post("/admin/lti/register", data=params)
    assert done.status_code == 200 and b'id="registered"' in done.data
    (sent,) = platform.registrations
    assert sent["initiate_login_uri"].endswith("/lti/login") and sent["jwks_uri"].endswith("/lti/jwks.json")
    assert sent["token_endpoint_auth_method"] == "private_key_jwt"
    db.rollback()
    stored = db.scalar(select(LtiPlatform))
    assert (stored.issuer, stored.client_id, stored.deployment_ids) == (platform.url, platform.client_id, ["dep-1"])
    assert stored.org_id == world["org_a"].id
    assert stored.auth_token_url == f"{platform.url}/token"
    assert launch(app.test_client(), platform, sub="after-dynreg").status_code == 302


def test_lti_dynreg_wrong_token_refused(app, db, world, platform):
    """A registration the platform refuses stores nothing and says so."""
    admin = _admin(app, world)
    params = {"openid_configuration": f"{platform.url}/.well-known/openid-configuration",
              "registration_token": "wrong"}
    assert admin.post("/admin/lti/register", data=params).status_code == 400
    db.rollback()
    assert db.scalar(select(LtiPlatform)) is None


def test_lti_dynreg_issuer_must_match_configuration_url(app, db, world, platform):
    """A configuration served from another origin than its issuer is refused."""
    admin = _admin(app, world)
    params = {"openid_configuration": f"{platform.url.replace('127.0.0.1', 'localhost')}"
                                      "/.well-known/openid-configuration", "registration_token": "reg-token-1"}
    assert admin.post("/admin/lti/register", data=params).status_code == 400
    assert platform.registrations == []
