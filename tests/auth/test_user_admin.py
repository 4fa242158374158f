"""Admin user pages: edit name, department and role; confirmation pages before deactivating or resetting;
search in the user list; roles in words."""
from lms.auth.models import User


def _user(db, world, key):
    db.rollback()
    db.expire_all()  # the factories' objects were committed without expiring: read what the app committed
    return db.get(User, world[key].id)


def test_user_admin_edit_changes_name_department_role(client, login_as, world, db):
    """An admin changes a learner's name, department and role."""
    login_as("admin_a")
    url = f"/admin/users/{world['learner_a'].id}/edit"
    assert 'value="Lea Lernend"' in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"name": "Lea Neu", "department": "Vertrieb", "role": "trainer"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith("/admin/users"), response.headers["Location"]
    user = _user(db, world, "learner_a")
    assert (user.name, user.department_name, user.role) == ("Lea Neu", "Vertrieb", "trainer")


def test_user_admin_cannot_change_own_role(client, login_as, world, db):
    """An admin demoting themselves is refused (400), nothing changes."""
    login_as("admin_a")
    response = client.post(f"/admin/users/{world['admin_a'].id}/edit",
                           data={"name": "Ada", "department": "", "role": "learner"})
    assert response.status_code == 400 and "eigene Rolle" in response.get_data(as_text=True)
    assert _user(db, world, "admin_a").role == "admin"


def test_user_admin_bad_role_is_400(client, login_as, world, db):
    """An unknown role is a 400 and nothing is changed."""
    login_as("admin_a")
    response = client.post(f"/admin/users/{world['learner_a'].id}/edit",
                           data={"name": "X", "department": "", "role": "root"})
    assert response.status_code == 400 and _user(db, world, "learner_a").name == "Lea Lernend"


def test_user_admin_other_organisation_is_404(client, login_as, world):
    """A user of another organisation cannot be edited or confirmed."""
    login_as("admin_a")
    other = next(key for key in world if key.endswith("_b") and not key.startswith("org_"))
    assert client.get(f"/admin/users/{world[other].id}/edit").status_code == 404
    assert client.get(f"/admin/users/{world[other].id}/confirm-deactivate").status_code == 404


def test_user_admin_deactivate_and_reset_ask_first(client, login_as, world, db):
    """The list links to confirmation pages; only their POST buttons act; the GET changes nothing."""
    login_as("admin_a")
    uid = world["learner_a"].id
    listing = client.get("/admin/users").get_data(as_text=True)
    assert f"/admin/users/{uid}/confirm-deactivate" in listing and f"/admin/users/{uid}/confirm-reset-password" in listing
    assert f'action="/admin/users/{uid}/deactivate"' not in listing
    page = client.get(f"/admin/users/{uid}/confirm-deactivate").get_data(as_text=True)
    assert "Lea Lernend deaktivieren?" in page and f'action="/admin/users/{uid}/deactivate"' in page
    assert _user(db, world, "learner_a").active
    reset = client.get(f"/admin/users/{uid}/confirm-reset-password").get_data(as_text=True)
    assert f'action="/admin/users/{uid}/reset-password"' in reset


def test_user_admin_search_and_role_words(client, login_as, world):
    """The search filters by name, e-mail or department; roles appear as words, not codes."""
    login_as("admin_a")
    page = client.get("/admin/users?q=vertrieb").get_data(as_text=True)
    assert "Lars Lernend" in page and "Lea Lernend" not in page
    assert "Lernende:r" in page and "<td>learner</td>" not in page
