"""Both company sign-ins in a real browser: OIDC through node-oidc-provider, SAML through pysaml2's IdP."""
from __future__ import annotations

import requests

from tests.sso.sso_helpers import oidc_provider, saml_idp  # noqa: F401  (session fixtures)


def _connect(live, **fields):
    """Store an identity provider for organisation A of the live server (domain acme.example)."""
    from lms.auth.models import Organisation
    from lms.sso import services

    db = live.session()
    try:
        with live.app.app_context():
            org = db.get(Organisation, live.world["org_a"].id)
            provider = services.save_provider(db, org, None, domains=["acme.example"], jit=True,
                                              default_role="learner", group_claim="groups",
                                              role_map={"lms-trainers": "trainer"}, department_claim="department",
                                              enabled=True, **fields)
        db.commit()
        return provider.id
    finally:
        db.close()


def _email_step(page, email):
    page.goto("/login")
    page.click("text=Mit Firmenkonto anmelden")
    page.fill("input[name=email]", email)
    page.click("main button[type=submit]")
    page.click("#sso-continue")


def test_browser_sso_oidc_login_lands_signed_in_as_mapped_trainer(live_server, page, oidc_provider):  # noqa: F811
    """Login page → e-mail → provider's sign-in and consent → back in the LMS as a trainer (JIT, group mapping)."""
    live_server.app.config["BASE_IRI"] = live_server.url
    client = requests.post(f"{oidc_provider.issuer}/reg", timeout=10, json={
        "redirect_uris": [f"{live_server.url}/sso/oidc/callback"],
        "post_logout_redirect_uris": [f"{live_server.url}/login"],
        "token_endpoint_auth_method": "client_secret_basic"}).json()
    _connect(live_server, kind="oidc", name="Acme ID", issuer=oidc_provider.issuer, client_id=client["client_id"],
             client_secret=client["client_secret"])
    _email_step(page, "anna@acme.example")
    page.fill("input[name=login]", "anna")
    page.fill("input[name=password]", "any")
    page.click("button[type=submit]")
    page.click("button[type=submit]")  # the provider's consent page
    page.wait_for_url(f"{live_server.url}/**")
    assert "/reports/" in page.url, page.inner_text("main")[:300]


def test_browser_sso_saml_login_lands_signed_in(live_server, page, saml_idp):  # noqa: F811
    """Login page → e-mail → IdP form → signed assertion auto-posted to the ACS → signed in as a trainer."""
    live_server.app.config["BASE_IRI"] = live_server.url
    metadata = requests.get(f"{saml_idp.base}/metadata", timeout=10).text
    provider_id = _connect(live_server, kind="saml", name="Acme SAML", issuer=saml_idp.entity_id,
                           metadata_xml=metadata)
    sp = requests.get(f"{live_server.url}/sso/saml/{provider_id}/metadata", timeout=10)
    assert requests.post(f"{saml_idp.base}/register-sp", data=sp.content, timeout=10).status_code == 204
    _email_step(page, "sam@acme.example")
    page.fill("input[name=login]", "sam")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/**")
    assert "/reports/" in page.url, page.inner_text("main")[:300]
