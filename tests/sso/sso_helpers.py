"""Fixtures for SSO: a real OpenID provider (node-oidc-provider) and a real SAML IdP (pysaml2) on 127.0.0.1."""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from joserfc.jwk import RSAKey

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
CLIENT_ID, CLIENT_SECRET = "lms-test-client", "lms-test-secret-value"
CALLBACK = "http://lms.test/sso/oidc/callback"
ACCOUNTS = {
    "anna": {"email": "anna@acme.example", "email_verified": True, "name": "Anna Acme", "groups": ["lms-trainers"],
             "department": "Vertrieb"},
    "otto": {"email": "otto@acme.example", "email_verified": True, "name": "Otto Acme", "groups": ["staff"]},
    "lea": {"email": "learner@alpha.example", "email_verified": True, "name": "Lea Lernend", "groups": []},
    "eve": {"email": "eve@elsewhere.example", "email_verified": True, "name": "Eve", "groups": []},
}
FORM_RE = re.compile(r'<form[^>]*action="([^"]+)"', re.I)
HIDDEN_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', re.I)


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class OidcProvider:
    """The running provider: its issuer and the private key it signs with (published in its JWKS)."""

    issuer: str
    key: RSAKey
    process: subprocess.Popen


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """node-oidc-provider on 127.0.0.1 with one confidential client for the LMS and four accounts."""
    setup = subprocess.run([str(ROOT / "scripts" / "oidc-provider.sh")], capture_output=True, text=True, timeout=300)
    assert setup.returncode == 0, f"scripts/oidc-provider.sh failed: {setup.stderr[-2000:]}"
    home = setup.stdout.strip().splitlines()[-1]
    key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig", "alg": "RS256"}, private=True)
    port = free_port()
    config = {"port": port, "jwks": {"keys": [key.as_dict(private=True)]}, "accounts": ACCOUNTS,
              "clients": [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [CALLBACK],
                           "post_logout_redirect_uris": ["http://lms.test/login"]}]}
    path = tmp_path_factory.mktemp("oidc") / "config.json"
    path.write_text(json.dumps(config))
    process = subprocess.Popen(["node", str(HERE / "oidc_provider.mjs"), str(path)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env={**os.environ, "OIDC_PROVIDER_HOME": home})
    line = process.stdout.readline()  # blocks until the provider listens (or dies)
    assert line.startswith("READY"), f"oidc-provider did not start: {line}{process.stderr.read()[-2000:]}"
    yield OidcProvider(issuer=line.split()[1], key=key, process=process)
    process.terminate()
    process.wait(timeout=10)


def follow_login(url: str, login: str) -> str:
    """Play the person at the provider: open the URL, sign in as `login`, consent; returns the redirect to the LMS."""
    browser = requests.Session()
    response = browser.get(url, allow_redirects=False, timeout=10)
    for _ in range(10):
        location = response.headers.get("Location")
        if location:
            target = urljoin(response.url, location)
            if target.startswith("http://lms.test"):
                return target
            response = browser.get(target, allow_redirects=False, timeout=10)
            continue
        form = FORM_RE.search(response.text)
        assert form, f"no form at the provider ({response.status_code}): {response.text[-800:]}"
        data = {name: unescape(value) for name, value in HIDDEN_RE.findall(response.text)}
        if 'name="login"' in response.text:
            data.update(login=login, password="any")
        response = browser.post(urljoin(response.url, unescape(form.group(1))), data=data, allow_redirects=False, timeout=10)
    raise AssertionError("the provider never redirected back to the LMS")


def path_of(url: str) -> str:
    """The path and query of an absolute URL (what the Flask test client needs)."""
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


@pytest.fixture
def oidc_org(app, db, world, oidc_provider):
    """Organisation A connected to the provider: domains acme.example and alpha.example, JIT on, group mapping."""
    from lms.sso import services

    org = world["org_a"]
    with app.app_context():
        provider = services.save_provider(
            db, org, None, client_secret=CLIENT_SECRET, kind="oidc", name="Acme ID", issuer=oidc_provider.issuer,
            client_id=CLIENT_ID, domains=["acme.example", "alpha.example"], jit=True, default_role="learner",
            group_claim="groups", role_map={"lms-trainers": "trainer"}, department_claim="department", enabled=True)
    db.commit()
    return provider


# ----------------------------------------------------------------------------------------------------- SAML

SAML_USERS = {
    "sam": {"subject": "sam-0001", "attributes": {"mail": ["sam@acme.example"], "displayName": ["Sam Acme"],
                                                  "groups": ["lms-trainers"], "department": ["Einkauf"]}},
    "lea": {"subject": "lea-0002", "attributes": {"mail": ["learner@alpha.example"], "displayName": ["Lea Lernend"],
                                                  "groups": []}},
}
INPUT_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', re.I)


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-idp")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256()))
    key_path, cert_path = folder / "idp.key", folder / "idp.crt"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


@dataclass
class SamlIdp:
    """The running IdP: its base URL and entity id."""

    base: str
    entity_id: str


@pytest.fixture(scope="session")
def saml_idp(tmp_path_factory):
    """pysaml2's IdP in its own process on 127.0.0.1, signing with Debian's xmlsec1."""
    import shutil

    folder = tmp_path_factory.mktemp("saml")
    key, cert = _self_signed(folder)
    xmlsec = shutil.which("xmlsec1")
    assert xmlsec, "xmlsec1 is missing (scripts/system-deps.sh installs it)"
    config = folder / "idp.json"
    config.write_text(json.dumps({"port": free_port(), "key": str(key), "cert": str(cert), "xmlsec": xmlsec,
                                  "users": SAML_USERS}))
    process = subprocess.Popen([os.sys.executable, str(HERE / "saml_idp.py"), str(config)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    assert line.startswith("READY"), f"the SAML IdP did not start: {line}{process.stderr.read()[-2000:]}"
    base = line.split()[1]
    yield SamlIdp(base=base, entity_id=f"{base}/idp")
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def saml_org(app, db, world, saml_idp):
    """Organisation A connected to the SAML IdP (metadata exchanged both ways), groups mapped to roles."""
    from lms.sso import services

    metadata = requests.get(f"{saml_idp.base}/metadata", timeout=10).text
    with app.app_context():
        provider = services.save_provider(
            db, world["org_a"], None, kind="saml", name="Acme SAML", issuer=saml_idp.entity_id, metadata_xml=metadata,
            domains=["acme.example", "alpha.example"], jit=True, default_role="learner", group_claim="groups",
            role_map={"lms-trainers": "trainer"}, department_claim="department", enabled=True)
    db.commit()
    sp_metadata = app.test_client().get(f"/sso/saml/{provider.id}/metadata")
    assert sp_metadata.status_code == 200
    assert requests.post(f"{saml_idp.base}/register-sp", data=sp_metadata.get_data(), timeout=10).status_code == 204
    return provider


def saml_answer(client, provider, login: str, mode: str = "normal") -> tuple[str, dict]:
    """Start at the LMS, sign in at the IdP; returns the ACS path and the form the IdP's page would auto-post."""
    start = client.get(f"/sso/{provider.id}/start")
    assert start.status_code == 302, start.get_data(as_text=True)
    browser = requests.Session()
    page = browser.get(start.headers["Location"], timeout=10)
    fields = {name: unescape(value) for name, value in INPUT_RE.findall(page.text)}
    answer = browser.post(urljoin(page.url, "/sso/login"), data={**fields, "login": login, "mode": mode}, timeout=10)
    assert answer.status_code == 200, answer.text[-3000:]
    action = unescape(re.search(r'<form[^>]*action="([^"]+)"', answer.text).group(1))
    form = {name: unescape(value) for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', answer.text)}
    return path_of(action), form
