"""Temporary passwords must be replaced first; the password policy refuses personal, reused and guessable ones."""
import re

import pytest
from sqlalchemy import select

from conftest import login
from lms.auth import passwords
from lms.auth.models import User

STRONG = "Quartz-Lantern-Ferry-93"


def _create_by_admin(client, email="neu@alpha.example", name="Nora Neu") -> str:
    body = client.post("/admin/users", data={"name": name, "email": email, "role": "learner", "locale": "de", "handover": "password"}
                       ).get_data(as_text=True)
    return re.search(r'<code class="secret">([^<]+)</code>', body).group(1)


def test_passwords_admin_created_user_must_change_password(app, client, login_as, db):
    """A user created by an admin has a temporary password: must_change_password is set."""
    login_as("admin_a")
    _create_by_admin(client)
    assert db.scalar(select(User.must_change_password).where(User.email == "neu@alpha.example")) is True


def test_passwords_factory_users_are_not_forced(db, world):
    """Users made by the factories (and the CLI, the demo) chose their password and are not held."""
    assert not any(world[key].must_change_password for key in ("learner_a", "trainer_a", "admin_a"))


def test_passwords_temporary_password_holds_every_page(app, client, login_as):
    """With a temporary password every page redirects to the password page; account and logout still work."""
    login_as("admin_a")
    temporary = _create_by_admin(client)
    newcomer = app.test_client()
    assert login(newcomer, "neu@alpha.example", temporary).headers["Location"].endswith("/account")
    for path in ("/courses/", "/certificates/", "/", "/guidelines/mini/questionnaire"):
        response = newcomer.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/account"), path
    posted = newcomer.post("/courses/mini/start")
    assert posted.status_code == 302 and posted.headers["Location"].endswith("/account")
    assert newcomer.get("/account").status_code == 200
    response = newcomer.post("/account", data={"action": "password", "pw-current": temporary, "pw-new": STRONG,
                                               "pw-repeat": STRONG})
    assert response.status_code == 302
    assert newcomer.get("/courses/").status_code == 200


def test_passwords_logout_allowed_with_temporary_password(app, client, login_as):
    """Signing out works while the password is still temporary."""
    login_as("admin_a")
    temporary = _create_by_admin(client)
    newcomer = app.test_client()
    login(newcomer, "neu@alpha.example", temporary)
    assert newcomer.post("/logout").headers["Location"].endswith("/login")


def test_passwords_reset_password_holds_the_user_too(app, client, login_as, world):
    """After an admin reset the user is held at the password page as well."""
    login_as("admin_a")
    body = client.post(f"/admin/users/{world['learner_a'].id}/reset-password").get_data(as_text=True)
    temporary = re.search(r'<code class="secret">([^<]+)</code>', body).group(1)
    learner = app.test_client()
    login(learner, "learner@alpha.example", temporary)
    assert learner.get("/courses/").headers["Location"].endswith("/account")


@pytest.mark.parametrize("new, reason", [
    ("lea.lernend-2026!", "Namen"),                # the e-mail's local part / the name
    ("Xylophon-Lea-Lernend", "Namen"),             # the name
    ("password-123", "unterscheiden"),             # the unchanged current password
    ("Passwort1234", "zu leicht"),                 # common
    ("qwertzuiop123", "zu leicht"),                # keyboard pattern
    ("kurz", ""),                                  # too short (the form refuses it)
])
def test_passwords_policy_refuses(client, login_as, db, world, new, reason):
    """Names, e-mail, the current password, common and short passwords are refused; nothing changes."""
    login_as("learner_a")
    before = world["learner_a"].password_hash
    response = client.post("/account", data={"action": "password", "pw-current": "password-123", "pw-new": new,
                                             "pw-repeat": new})
    assert response.status_code in (200, 400)
    assert reason in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, world["learner_a"].id).password_hash == before


def test_passwords_policy_accepts_a_strong_password():
    """A long unusual passphrase without personal data passes."""
    passwords.check(STRONG, email="lea@alpha.example", name="Lea Lernend")


def test_passwords_policy_local_part_of_email():
    """The e-mail's local part is refused even when it is not a dictionary word."""
    with pytest.raises(passwords.PasswordRejected):
        passwords.check("Zq-jdoe77-Fernweh-Blau", email="jdoe77@alpha.example", name="X")


def test_passwords_cli_create_applies_policy(runner, db):
    """`flask users create` refuses a common password."""
    result = runner.invoke(args=["users", "create", "--org", "cli", "--email", "c@cli.example", "--name", "C",
                                 "--password", "Passwort1234"])
    assert result.exit_code != 0 and "zu leicht" in result.output
    assert db.scalar(select(User).where(User.email == "c@cli.example")) is None
