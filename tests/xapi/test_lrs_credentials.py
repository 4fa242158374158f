"""Admin page for LRS client credentials: list, create (secret shown once), deactivate; org-scoped, CSRF."""
from __future__ import annotations

import base64
import re

from sqlalchemy import select

from lms.lrs.lrs_auth import create_credential
from lms.lrs.models import LRSCredential

PAGE = "/admin/lrs/credentials"


def test_lrs_credentials_page_admin_only(client, login_as):
    """Trainers get 403; admins see the page and the nav link."""
    login_as("trainer_a")
    assert client.get(PAGE).status_code == 403
    client.post("/logout")
    login_as("admin_a")
    response = client.get(PAGE)
    assert response.status_code == 200 and PAGE in client.get("/account").get_data(as_text=True)


def test_lrs_credentials_create_shows_secret_once_and_it_works(client, login_as, db, world):
    """Creating shows key and secret once; the pair authenticates against the LRS."""
    login_as("admin_a")
    response = client.post(PAGE, data={"name": "Moodle", "scope": "all"})
    html = response.get_data(as_text=True)
    secrets_shown = re.findall(r'<code class="secret">([^<]+)</code>', html)
    assert response.status_code == 200 and len(secrets_shown) == 2
    key, secret = secrets_shown
    assert secret not in client.get(PAGE).get_data(as_text=True)
    credential = db.scalar(select(LRSCredential).where(LRSCredential.key == key))
    assert credential.org_id == world["org_a"].id and secret not in credential.secret_hash
    auth = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
    got = client.get("/xapi/statements", headers={"Authorization": auth, "X-Experience-API-Version": "1.0.3"})
    assert got.status_code == 200


def test_lrs_credentials_create_requires_csrf(client, login_as, db):
    """A create form post without a CSRF token is refused and creates nothing."""
    login_as("admin_a")
    response = client.post(PAGE, data={"name": "x", "scope": "all"}, csrf=False)
    assert response.status_code == 400
    assert db.scalar(select(LRSCredential).where(LRSCredential.name == "x")) is None


def test_lrs_credentials_list_is_org_scoped(client, login_as, db, world):
    """An admin only sees credentials of their own organisation."""
    create_credential(db, world["org_a"].id, "Alpha client")
    create_credential(db, world["org_b"].id, "Beta client")
    db.commit()
    login_as("admin_a")
    html = client.get(PAGE).get_data(as_text=True)
    assert "Alpha client" in html and "Beta client" not in html


def test_lrs_credentials_deactivate_blocks_client(client, login_as, db, world):
    """Deactivating a credential makes the LRS answer 401 for it."""
    credential, secret = create_credential(db, world["org_a"].id, "Old client")
    db.commit()
    login_as("admin_a")
    response = client.post(f"{PAGE}/{credential.id}/deactivate")
    assert response.status_code == 302
    auth = "Basic " + base64.b64encode(f"{credential.key}:{secret}".encode()).decode()
    got = client.get("/xapi/statements", headers={"Authorization": auth, "X-Experience-API-Version": "1.0.3"})
    assert got.status_code == 401


def test_lrs_credentials_deactivate_other_org_404(client, login_as, db, world):
    """An admin cannot deactivate another organisation's credential."""
    credential, _ = create_credential(db, world["org_b"].id, "Beta client")
    db.commit()
    login_as("admin_a")
    assert client.post(f"{PAGE}/{credential.id}/deactivate").status_code == 404
    db.expire_all()
    assert db.get(LRSCredential, credential.id).active
