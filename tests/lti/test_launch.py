"""LTI launch: OIDC login initiation, id_token validation (signature, iss, aud/azp, nonce, exp, deployment),
provisioning into the platform's organisation with the mapped role, framing by the registered platform only."""
from __future__ import annotations

import time

from joserfc.jwk import RSAKey
from lti_helpers import launch, start_login
from platform_lti import INSTRUCTOR
from sqlalchemy import func, select

from lms.auth.models import User
from lms.lti.models import LtiUserLink


def _users(db) -> int:
    db.rollback()
    return db.scalar(select(func.count(User.id)))


def test_lti_launch_valid_signs_learner_into_platform_org(client, db, world, platform, registered):
    """A valid launch creates the learner in the platform's organisation, enrols them and opens the course."""
    response = launch(client, platform, sub="learner-42")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert response.headers["Location"].endswith("/courses/mini/")
    db.rollback()
    link = db.scalar(select(LtiUserLink).where(LtiUserLink.sub == "learner-42"))
    user = db.get(User, link.user_id)
    assert user.org_id == world["org_a"].id and user.role == "learner"
    page = client.get("/courses/mini/")
    assert page.status_code == 200
    assert f"frame-ancestors 'self' {platform.url}" in page.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in page.headers


def test_lti_launch_instructor_becomes_trainer(client, db, platform, registered):
    """An Instructor role maps to the organisation's trainer role."""
    assert launch(client, platform, sub="teacher-1", roles=[INSTRUCTOR]).status_code == 302
    db.rollback()
    link = db.scalar(select(LtiUserLink).where(LtiUserLink.sub == "teacher-1"))
    assert db.get(User, link.user_id).role == "trainer"


def test_lti_launch_second_launch_reuses_the_account(client, db, platform, registered):
    """The same platform user launching twice is one local account (no second login, no duplicate)."""
    launch(client, platform, sub="same")
    before = _users(db)
    assert launch(client, platform, sub="same").status_code == 302
    assert _users(db) == before


def test_lti_launch_tampered_signature_refused(client, db, platform, registered):
    """A token signed by another key under the platform's kid is refused and creates no user."""
    before = _users(db)
    forger = RSAKey.generate_key(2048, parameters={"kid": "platform-key-1"})
    response = launch(client, platform, key=forger)
    assert response.status_code == 400
    assert b"signature" in response.data
    assert _users(db) == before


def test_lti_launch_wrong_audience_refused(client, db, platform, registered):
    """A token for another client id is refused."""
    response = launch(client, platform, aud="someone-else")
    assert response.status_code == 400 and b"audience" in response.data


def test_lti_launch_multiple_audiences_need_azp(client, platform, registered):
    """With several audiences the azp claim must name this tool."""
    response = launch(client, platform, aud=[platform.client_id, "other"], azp="other")
    assert response.status_code == 400 and b"azp" in response.data


def test_lti_launch_replayed_nonce_refused(client, platform, registered):
    """Posting the same state and id_token a second time is refused."""
    auth = start_login(client, platform)
    token = platform.id_token(auth["nonce"])
    first = client.post("/lti/launch", data={"id_token": token, "state": auth["state"]}, csrf=False)
    assert first.status_code == 302
    again = client.post("/lti/launch", data={"id_token": token, "state": auth["state"]}, csrf=False)
    assert again.status_code == 400


def test_lti_launch_nonce_of_another_login_refused(client, platform, registered):
    """A token carrying the nonce of a different login initiation is refused."""
    first, second = start_login(client, platform), start_login(client, platform)
    token = platform.id_token(first["nonce"])
    response = client.post("/lti/launch", data={"id_token": token, "state": second["state"]}, csrf=False)
    assert response.status_code == 400 and b"nonce" in response.data


def test_lti_launch_unknown_deployment_refused(client, platform, registered):
    """A deployment id the admin did not register is refused at login and at launch."""
    response = client.post("/lti/login", data={"iss": platform.url, "login_hint": "x", "target_link_uri": "x",
                                               "lti_deployment_id": "dep-unknown"}, csrf=False)
    assert response.status_code == 400
    response = launch(client, platform, **{"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "dep-9"})
    assert response.status_code == 400 and b"deployment" in response.data


def test_lti_launch_expired_token_refused(client, platform, registered):
    """A token whose exp lies in the past is refused."""
    past = int(time.time()) - 3600
    response = launch(client, platform, iat=past - 300, exp=past)
    assert response.status_code == 400 and b"expired" in response.data


def test_lti_launch_wrong_issuer_refused(client, platform, registered):
    """A token whose iss is not the registered issuer is refused."""
    response = launch(client, platform, iss="http://evil.example")
    assert response.status_code == 400


def test_lti_login_unknown_platform_refused(client, registered):
    """A login initiation from an unregistered issuer gets a clear 400, nothing stored."""
    response = client.post("/lti/login", data={"iss": "http://unknown.example", "login_hint": "x",
                                               "target_link_uri": "x"}, csrf=False)
    assert response.status_code == 400


def test_lti_launch_module_target_opens_first_lesson(client, platform, registered):
    """A link placed for a module (custom target) opens that module's first lesson."""
    response = launch(client, platform, **{"https://purl.imsglobal.org/spec/lti/claim/custom":
                                           {"course": "mini", "target": "module:basics"}})
    assert response.status_code == 302 and response.headers["Location"].endswith("/courses/mini/lessons/b-one")


def test_lti_pages_not_frameable_without_launch(login_as):
    """A normal session keeps frame-ancestors 'none' and X-Frame-Options DENY."""
    client = login_as("learner_a")
    page = client.get("/courses/mini/")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"


def test_lti_tool_jwks_public_only(client, registered):
    """The tool's JWKS lists its RSA key without private members."""
    keys = client.get("/lti/jwks.json").get_json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "RSA" and "d" not in keys[0] and "p" not in keys[0]
