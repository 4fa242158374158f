"""The read-only session user (lms/auth/session_user.py): same conditions as the ORM user, never written."""
import pytest
from flask_login import current_user
from sqlalchemy import update

from lms.auth.models import User
from lms.auth.session_user import SessionOrganisation, SessionUser


def _change(db, user_id: int, **values) -> None:
    db.execute(update(User).where(User.id == user_id).values(**values))
    db.commit()


def _seen_user(app, client):
    """The session user one GET of the client's cookie gets (the request context is kept after the request)."""
    with client:
        client.get("/healthz")
        return current_user._get_current_object()


def test_auth_session_user_read_only_request_gets_the_light_user(app, client, login_as, world):
    """A GET gets a SessionUser with the user's columns and its organisation's."""
    login_as("learner_a")
    user = _seen_user(app, client)
    assert isinstance(user, SessionUser) and isinstance(user.organisation, SessionOrganisation)
    assert (user.id, user.email, user.role) == (world["learner_a"].id, world["learner_a"].email, "learner")
    assert user.organisation.id == world["learner_a"].org_id and user.is_authenticated and not user.is_staff


def test_auth_session_user_request_that_may_write_gets_the_orm_user(app, client, login_as):
    """A POST (and a GET that records an audit row) gets the ORM User, which it may change."""
    login_as("learner_a")
    with client:
        client.post("/language", data={"lang": "en"})
        assert isinstance(current_user._get_current_object(), User)


@pytest.mark.parametrize("change", [{"session_token": "rotated-token"}, {"active": False}])
def test_auth_session_user_token_rotation_or_deactivation_ends_the_session_at_once(app, client, login_as, world, db,
                                                                                   change):
    """The light loader has the ORM loader's conditions: after a token rotation or a deactivation the very next
    read-only request is not signed in."""
    login_as("learner_a")
    assert client.get("/courses/").status_code == 200
    _change(db, world["learner_a"].id, **change)
    assert client.get("/courses/").status_code == 302


def test_auth_session_user_role_change_applies_at_the_next_request(app, client, login_as, world, db):
    """A trainer demoted to learner loses the trainer pages at the next read-only request."""
    login_as("trainer_a")
    assert client.get("/reports/").status_code == 200
    _change(db, world["trainer_a"].id, role="learner")
    assert _seen_user(app, client).role == "learner"
    assert client.get("/reports/").status_code == 403


def test_auth_session_user_cannot_be_changed(app, client, login_as):
    """Setting an attribute on the read-only session user raises instead of being silently lost."""
    login_as("learner_a")
    user = _seen_user(app, client)
    with pytest.raises(AttributeError):
        user.locale = "en"
    with pytest.raises(AttributeError):
        user.organisation.name = "other"


def test_auth_session_user_other_attributes_come_from_the_orm_user(app, client, login_as, world):
    """Relationships and model methods the light user lacks are read from the ORM user in the request's session."""
    login_as("learner_a")
    with client:
        client.get("/healthz")
        user = current_user._get_current_object()
        assert isinstance(user, SessionUser)
        assert user.department_name == "Marketing"
        assert user.organisation.users  # a relationship of Organisation
