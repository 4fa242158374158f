"""User administration: no cross-organisation e-mail probing, role changes."""
from sqlalchemy import func, select

from lms.auth.models import User


def _create(client, email):
    return client.post("/admin/users", data={"name": "Probe", "email": email, "role": "learner", "locale": "de"})


def _error_text(response) -> str:
    import re

    return re.findall(r'<p class="error" role="alert">([^<]+)</p>', response.get_data(as_text=True))


def test_admin_users_email_of_other_org_not_revealed(client, login_as, db):
    """Admin B gets the same neutral answer for A's address as for an address of B's own: no 'already taken'."""
    login_as("admin_b")
    count = db.scalar(select(func.count(User.id)))
    elsewhere = _create(client, "learner@alpha.example")
    own = _create(client, "learner@beta.example")
    assert elsewhere.status_code == own.status_code == 400
    assert _error_text(elsewhere) == _error_text(own) == ["Diese E-Mail-Adresse kann nicht verwendet werden."]
    body = elsewhere.get_data(as_text=True)
    assert "vergeben" not in body and "alpha" not in body.split("<form", 1)[0]
    db.rollback()
    assert db.scalar(select(func.count(User.id))) == count


def test_admin_users_role_change(client, login_as, db, world):
    """An admin gives a learner of their organisation the trainer role."""
    login_as("admin_a")
    response = client.post(f"/admin/users/{world['learner_a'].id}/role", data={"role": "trainer"})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(User, world["learner_a"].id).role == "trainer"


def test_admin_users_role_change_refused_for_self_other_org_and_bad_role(client, login_as, db, world):
    """Not one's own role (the organisation keeps its admin), not another organisation's user, no unknown role."""
    login_as("admin_a")
    assert client.post(f"/admin/users/{world['admin_a'].id}/role", data={"role": "learner"}).status_code == 400
    assert client.post(f"/admin/users/{world['learner_b'].id}/role", data={"role": "admin"}).status_code == 404
    assert client.post(f"/admin/users/{world['learner_a'].id}/role", data={"role": "root"}).status_code == 400
    db.expire_all()
    assert db.get(User, world["admin_a"].id).role == "admin"
    assert db.get(User, world["learner_b"].id).role == "learner"
