"""OpenID Connect sign-in against a real, certified provider (node-oidc-provider) on 127.0.0.1."""
from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from sqlalchemy import select

from conftest import login
from lms.auth.models import User
from lms.db import utcnow
from lms.sso.errors import SsoError
from lms.sso.models import SsoIdentity
from sso_helpers import CLIENT_ID, follow_login, path_of


def _start(client, provider, email="anna@acme.example"):
    """The e-mail step and the redirect to the provider; returns the provider URL."""
    page = client.post("/sso/", data={"email": email})
    assert page.status_code == 200 and f"/sso/{provider.id}/start" in page.get_data(as_text=True)
    response = client.get(f"/sso/{provider.id}/start")
    assert response.status_code == 302
    return response.headers["Location"]


def _sign_in(client, provider, login_name, email="anna@acme.example"):
    url = _start(client, provider, email)
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0] and query["nonce"][0]
    return client.get(path_of(follow_login(url, login_name)))


def test_sso_oidc_first_login_creates_the_user_with_mapped_role_and_department(client, db, oidc_org):
    """JIT: an unknown employee is created in the organisation, groups map to a role, the claim sets the department."""
    response = _sign_in(client, oidc_org, "anna")
    assert response.status_code == 302, response.get_data(as_text=True)
    user = db.scalar(select(User).where(User.email == "anna@acme.example"))
    assert (user.org_id, user.role, user.department_name, user.name) == (oidc_org.org_id, "trainer", "Vertrieb",
                                                                         "Anna Acme")
    assert client.get("/").headers["Location"].endswith("/reports/")  # signed in, as a trainer
    assert db.scalar(select(SsoIdentity.subject).where(SsoIdentity.user_id == user.id)) == "anna"


def test_sso_oidc_existing_user_is_linked_not_duplicated(client, db, world, oidc_org):
    """An account that exists (same e-mail, same organisation) is linked on first sign-in and reused after."""
    for _ in range(2):
        response = _sign_in(client, oidc_org, "lea", "learner@alpha.example")
        assert response.status_code == 302
        client.post("/logout")
    assert db.scalar(select(User.id).where(User.email == "learner@alpha.example")) == world["learner_a"].id
    assert len(db.scalars(select(SsoIdentity).where(SsoIdentity.user_id == world["learner_a"].id)).all()) == 1


def test_sso_oidc_deactivated_user_is_refused(client, db, world, oidc_org):
    """A user deactivated in the LMS cannot sign in through the provider either."""
    db.get(User, world["learner_a"].id).active = False
    db.commit()
    response = _sign_in(client, oidc_org, "lea", "learner@alpha.example")
    assert response.status_code == 403 and 'data-sso-error="deactivated"' in response.get_data(as_text=True)
    assert client.get("/").status_code == 302 and "/login" in client.get("/").headers["Location"]


def test_sso_oidc_without_jit_an_unknown_person_is_refused(client, db, oidc_org):
    """With just-in-time creation off, nobody new gets an account."""
    oidc_org.jit = False
    db.commit()
    response = _sign_in(client, oidc_org, "otto", "otto@acme.example")
    assert 'data-sso-error="not_provisioned"' in response.get_data(as_text=True)
    assert db.scalar(select(User).where(User.email == "otto@acme.example")) is None


def test_sso_oidc_email_of_a_foreign_domain_is_refused(client, db, oidc_org):
    """The provider may only sign in addresses of the domains the organisation owns."""
    response = _sign_in(client, oidc_org, "eve")
    assert 'data-sso-error="domain_mismatch"' in response.get_data(as_text=True)
    assert db.scalar(select(User).where(User.email == "eve@elsewhere.example")) is None


def test_sso_oidc_expired_id_token_is_refused(app, client, db, oidc_org):
    """The clock is moved past the ID token's exp (1 h): the LMS refuses it, with a plain message."""
    url = _start(client, oidc_org)
    back = follow_login(url, "anna")
    app.extensions["lms_clock"] = lambda: utcnow() + timedelta(hours=2)
    response = client.get(path_of(back))
    assert response.status_code == 400 and 'data-sso-error="expired"' in response.get_data(as_text=True)
    assert db.scalar(select(User).where(User.email == "anna@acme.example")) is None


def test_sso_oidc_callback_with_foreign_state_is_refused(client, oidc_org):
    """A callback that does not belong to the login this browser started changes nothing."""
    url = _start(client, oidc_org)
    back = follow_login(url, "anna").replace("state=", "state=x")
    response = client.get(path_of(back))
    assert 'data-sso-error="state"' in response.get_data(as_text=True)


@pytest.fixture
def real_token(app, oidc_provider, oidc_org):
    """A token response the provider really issued for the LMS's client (taken through the LMS's own start)."""
    from lms.sso import oidc

    with app.test_request_context():
        url, pending = oidc.start(oidc_org, "http://lms.test/sso/oidc/callback")
        back = parse_qs(urlsplit(follow_login(url, "anna")).query)
        from lms.sso.oidc import _client, discover

        metadata = discover(oidc_org)
        token = _client(oidc_org, "http://lms.test/sso/oidc/callback", state=pending["state"]).fetch_token(
            metadata["token_endpoint"], code=back["code"][0], code_verifier=pending["verifier"])
    return token, metadata, pending["nonce"]


def _verify(app, token, metadata, nonce, client_id=CLIENT_ID):
    from lms.sso.oidc import verify_id_token

    with app.test_request_context():
        return verify_id_token(token, metadata, client_id, nonce)


def test_sso_oidc_id_token_checks_accept_the_real_token(app, real_token):
    """The untouched token passes: signature via JWKS, iss, aud, exp, nonce, at_hash."""
    claims = _verify(app, *real_token)
    assert claims["email"] == "anna@acme.example" and claims["aud"] == CLIENT_ID


def test_sso_oidc_tampered_signature_is_refused(app, real_token):
    """Changing one claim breaks the signature."""
    token, metadata, nonce = real_token
    header, payload, signature = token["id_token"].split(".")
    import base64
    import json

    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["email"] = "ceo@acme.example"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(SsoError) as error:
        _verify(app, {**token, "id_token": f"{header}.{forged}.{signature}"}, metadata, nonce)
    assert error.value.code == "signature"


def test_sso_oidc_wrong_audience_and_nonce_are_refused(app, real_token):
    """A token issued for another client, or for another login (nonce), is refused with its reason."""
    token, metadata, nonce = real_token
    for client_id, expected_nonce, code in (("another-client", nonce, "audience"), (CLIENT_ID, "other", "nonce")):
        with pytest.raises(SsoError) as error:
            _verify(app, token, metadata, expected_nonce, client_id)
        assert error.value.code == code


def test_sso_oidc_token_signed_by_another_key_is_refused(app, real_token):
    """A token with the right claims but a key the provider does not publish fails the JWKS check."""
    from joserfc.jwk import RSAKey

    token, metadata, nonce = real_token
    claims = jwt.decode(token["id_token"], RSAKey.import_key(_jwks_key(metadata))).claims
    other = RSAKey.generate_key(2048, parameters={"kid": "test-key"}, private=True)
    forged = jwt.encode({"alg": "RS256", "kid": "test-key"}, {**claims, "iat": int(time.time())}, other)
    with pytest.raises(SsoError) as error:
        _verify(app, {**token, "id_token": forged}, metadata, nonce)
    assert error.value.code == "signature"


def _jwks_key(metadata):
    import requests

    return requests.get(metadata["jwks_uri"], timeout=10).json()["keys"][0]


def test_sso_password_login_can_be_switched_off_but_admins_keep_it(client, world, oidc_org):
    """With local passwords off, a learner must use the provider; the admin's break-glass login still works."""
    login(client, "admin@alpha.example")
    assert client.post("/admin/sso/", data={}).status_code == 302  # checkbox unticked: passwords off
    client.post("/logout")
    refused = login(client, "learner@alpha.example")
    assert refused.status_code == 403 and "Firmenkonto" in refused.get_data(as_text=True)
    assert login(client, "admin@alpha.example").status_code == 302


def test_sso_unknown_domain_is_told_plainly(client, oidc_org):
    """An address of a domain no organisation routes says so, in the user's language."""
    response = client.post("/sso/", data={"email": "someone@nowhere.example"},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 400 and "No sign-in through an identity provider" in response.get_data(as_text=True)


def test_sso_oidc_logout_offers_the_providers_end_session(client, oidc_org, oidc_provider):
    """After an SSO sign-in, signing out here links to the provider's end-session endpoint (RP-initiated)."""
    assert _sign_in(client, oidc_org, "anna").status_code == 302
    page = client.post("/sso/logout").get_data(as_text=True)
    assert f'href="{oidc_provider.issuer}/session/end?' in page and "id_token_hint=" in page
    assert client.get("/").headers["Location"].endswith("/login")


def test_sso_refused_sign_in_is_in_the_organisations_audit_log(client, db, world, oidc_org):
    """A refused sign-in leaves an audit row with its reason for the organisation's admins (and nothing else)."""
    from lms.audit.models import AuditEntry

    _sign_in(client, oidc_org, "eve")
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "sso.refused"))
    assert entry is not None and entry.org_id == world["org_a"].id and entry.details["reason"] == "domain_mismatch"
    assert entry.actor_user_id is None
    assert db.scalar(select(User).where(User.email == "eve@elsewhere.example")) is None
