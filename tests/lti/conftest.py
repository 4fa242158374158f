"""LTI fixtures: the test platform on 127.0.0.1, registered for organisation A, and a launch helper."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import select

# Appended, not prepended: other test packages import the top-level tests/conftest.py as `conftest`.
sys.path.append(str(Path(__file__).parent))  # platform_lti and lti_helpers beside this file

from platform_lti import TestPlatform  # noqa: E402


@pytest.fixture
def platform(app, world):
    """A running test platform that checks client assertions against this app's tool JWKS."""
    lti_platform = TestPlatform()

    def tool_jwks():
        with app.app_context():
            from lms.db import session_scope
            from lms.lti.keys import public_jwks

            with session_scope(write=False) as db:
                return public_jwks(db)

    lti_platform.tool_jwks = tool_jwks
    lti_platform.start()
    yield lti_platform
    lti_platform.stop()


@pytest.fixture
def registered(app, db, world, platform):
    """The platform registered for organisation A through the admin form."""
    from factories import PASSWORD

    from conftest import login

    admin = app.test_client()
    login(admin, world["admin_a"].email, PASSWORD)
    response = admin.post("/admin/lti/new", data=platform.registration())
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    from lms.lti.models import LtiPlatform

    db.rollback()
    return db.scalar(select(LtiPlatform).where(LtiPlatform.issuer == platform.url))
