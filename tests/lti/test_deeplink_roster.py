"""Deep Linking (the teacher places the course, a module or the final exam) and NRPS roster sync."""
from __future__ import annotations

import re

from joserfc import jwt
from joserfc.jwk import KeySet
from lti_helpers import launch
from platform_lti import INSTRUCTOR, LEARNER
from sqlalchemy import select

from conftest import login
from lms.auth.models import User
from lms.lti.models import LtiUserLink

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


def _dl_launch(client, platform, roles=(INSTRUCTOR,)):
    settings = {"deep_link_return_url": f"{platform.url}/dl-return", "accept_types": ["ltiResourceLink"],
                "data": "opaque-123"}
    return launch(client, platform, sub="teacher-1", roles=list(roles), message_type="LtiDeepLinkingRequest",
                  **{DL + "deep_linking_settings": settings,
                     "https://purl.imsglobal.org/spec/lti/claim/resource_link": None})


def test_lti_deep_link_teacher_picks_module(client, platform, registered):
    """The teacher's choice comes back as a signed LtiDeepLinkingResponse with the module as custom target."""
    response = _dl_launch(client, platform)
    assert response.status_code == 302 and response.headers["Location"].endswith("/lti/deep-link")
    page = client.get("/lti/deep-link")
    assert page.status_code == 200 and b"module:basics" in page.data
    answer = client.post("/lti/deep-link", data={"target": "module:basics"})
    assert answer.status_code == 200
    assert f"form-action 'self' {platform.url}" in answer.headers["Content-Security-Policy"]
    body = answer.get_data(as_text=True)
    assert f'action="{platform.url}/dl-return"' in body
    token = re.search(r'name="JWT" value="([^"]+)"', body).group(1)
    keys = KeySet.import_key_set(client.get("/lti/jwks.json").get_json())
    claims = jwt.decode(token, keys, algorithms=["RS256"]).claims
    assert claims["iss"] == platform.client_id and claims["aud"] == [platform.url]
    assert claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] == "LtiDeepLinkingResponse"
    assert claims[DL + "data"] == "opaque-123"
    (item,) = claims[DL + "content_items"]
    assert item["type"] == "ltiResourceLink" and item["custom"] == {"course": "mini", "target": "module:basics"}
    assert item["lineItem"]["scoreMaximum"] == 100


def test_lti_deep_link_learner_refused(client, platform, registered):
    """Only instructors may place content."""
    assert _dl_launch(client, platform, roles=(LEARNER,)).status_code == 400


def test_lti_deep_link_without_launch_is_404(login_as):
    """The picker needs a deep-linking launch in this session."""
    assert login_as("trainer_a").get("/lti/deep-link").status_code == 404


def test_lti_roster_sync_provisions_members(app, client, db, world, platform, registered):
    """NRPS members become users of the organisation: instructors as trainers, learners as learners."""
    assert launch(client, platform, sub="teacher-1", roles=[INSTRUCTOR]).status_code == 302
    platform.members = [
        {"user_id": "m-1", "name": "Mia Muster", "email": "mia@platform.example", "roles": [LEARNER],
         "status": "Active"},
        {"user_id": "m-2", "name": "Tom Teach", "email": "tom@platform.example", "roles": [INSTRUCTOR]},
        {"user_id": "m-3", "name": "Gone", "roles": [LEARNER], "status": "Inactive"},
    ]
    admin = app.test_client()
    login(admin, world["admin_a"].email)
    response = admin.post(f"/admin/lti/{registered.id}/roster")
    assert response.status_code == 302
    db.rollback()
    roles = {link.sub: db.get(User, link.user_id) for link in db.scalars(select(LtiUserLink))}
    assert roles["m-1"].role == "learner" and roles["m-1"].org_id == world["org_a"].id
    assert roles["m-2"].role == "trainer" and "m-3" not in roles


def test_lti_admin_registration_rejects_bad_url(app, world, platform):
    """A registration with a non-HTTP URL is a clear 400 and stores nothing."""
    admin = app.test_client()
    login(admin, world["admin_a"].email)
    data = {**platform.registration(), "jwks_url": "ftp://x"}
    assert admin.post("/admin/lti/new", data=data).status_code == 400
    assert b"ftp://x" not in admin.get("/admin/lti/").data


def test_lti_roster_sync_platform_down_changes_nothing(app, client, db, world, platform, registered):
    """When the platform does not answer, the admin is told and no user is added."""
    from sqlalchemy import func

    assert launch(client, platform, sub="teacher-1", roles=[INSTRUCTOR]).status_code == 302
    platform.members = [{"user_id": "m-1", "name": "Mia", "roles": [LEARNER]}]
    platform.stop()
    db.rollback()
    before = db.scalar(select(func.count(User.id)))
    admin = app.test_client()
    login(admin, world["admin_a"].email)
    response = admin.post(f"/admin/lti/{registered.id}/roster", follow_redirects=True)
    assert response.status_code == 200 and b"Teilnehmerliste nicht abrufbar" in response.data
    db.rollback()
    assert db.scalar(select(func.count(User.id))) == before
