"""SAML 2.0 sign-in against a real IdP (pysaml2's Server, xmlsec1 signatures) on 127.0.0.1."""
from __future__ import annotations

import base64

from sqlalchemy import select

from lms.auth.models import User
from sso_helpers import saml_answer


def _post(client, path, form):
    return client.post(path, data=form, csrf=False)


def test_sso_saml_signed_assertion_signs_in_and_creates_the_user(client, db, saml_org):
    """Happy path with JIT creation, group → role and the department attribute."""
    path, form = saml_answer(client, saml_org, "sam")
    response = _post(client, path, form)
    assert response.status_code == 302, response.get_data(as_text=True)
    user = db.scalar(select(User).where(User.email == "sam@acme.example"))
    assert (user.role, user.department_name, user.name) == ("trainer", "Einkauf", "Sam Acme")
    assert client.get("/").headers["Location"].endswith("/reports/")


def test_sso_saml_replayed_assertion_is_refused(app, saml_org):
    """The same response posted a second time (another browser) is a replay."""
    first = app.test_client()
    path, form = saml_answer(first, saml_org, "lea")
    assert _post(first, path, form).status_code == 302
    second = app.test_client()
    response = _post(second, path, form)
    assert response.status_code == 400 and 'data-sso-error="replay"' in response.get_data(as_text=True)


def test_sso_saml_tampered_assertion_is_refused(client, db, saml_org):
    """Changing the signed e-mail inside the assertion breaks the XML signature."""
    path, form = saml_answer(client, saml_org, "lea")
    xml = base64.b64decode(form["SAMLResponse"]).decode()
    assert "learner@alpha.example" in xml
    form["SAMLResponse"] = base64.b64encode(xml.replace("learner@alpha.example", "admin@alpha.example").encode()).decode()
    response = _post(client, path, form)
    assert response.status_code == 400 and 'data-sso-error="signature"' in response.get_data(as_text=True)
    assert client.get("/").headers["Location"].endswith("/login")


def test_sso_saml_wrong_audience_is_refused(client, saml_org):
    """An assertion issued for another service provider is not accepted here."""
    path, form = saml_answer(client, saml_org, "lea", mode="wrong_audience")
    response = _post(client, path, form)
    assert response.status_code == 400 and 'data-sso-error="audience"' in response.get_data(as_text=True)


def test_sso_saml_expired_assertion_is_refused(client, saml_org, monkeypatch):
    """An assertion posted after its NotOnOrAfter (15 min) is refused: the SP's clock is moved on by 2 hours."""
    import saml2.time_util

    path, form = saml_answer(client, saml_org, "lea")
    later = saml2.time_util.utc_now() + 2 * 3600
    monkeypatch.setattr(saml2.time_util, "utc_now", lambda: later)
    response = _post(client, path, form)
    assert response.status_code == 400 and 'data-sso-error="expired"' in response.get_data(as_text=True)


def test_sso_saml_response_without_our_relay_state_is_refused(client, saml_org):
    """An unsolicited or forged RelayState (not signed by this SP) is refused before the XML is read."""
    path, form = saml_answer(client, saml_org, "lea")
    response = _post(client, path, {**form, "RelayState": "forged"})
    assert 'data-sso-error="state"' in response.get_data(as_text=True)


def test_sso_saml_metadata_names_the_acs(client, saml_org):
    """The SP metadata an IdP admin imports names this SP's entity id and ACS URL."""
    xml = client.get(f"/sso/saml/{saml_org.id}/metadata").get_data(as_text=True)
    assert f'entityID="http://lms.test/sso/saml/{saml_org.id}/metadata"' in xml
    assert f'Location="http://lms.test/sso/saml/{saml_org.id}/acs"' in xml


def test_sso_admin_changes_to_providers_are_audited(client, db, world, saml_org):
    """Saving a provider, switching password sign-in and removing a provider each leave an audit row."""
    from lms.audit.models import AuditEntry
    from conftest import login

    login(client, "admin@alpha.example")
    assert client.post("/admin/sso/", data={"password_login": "y"}).status_code == 302
    assert client.post(f"/admin/sso/{saml_org.id}/delete").status_code == 302
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.org_id == world["org_a"].id)).all()
    assert "sso.password_login" in actions and "sso.provider_delete" in actions
