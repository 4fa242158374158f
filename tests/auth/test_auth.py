"""Sign-in, sessions, throttling, CSRF, headers and user administration."""
from sqlalchemy import select

from conftest import login
from lms.auth.models import LoginThrottle, User
from lms.auth.services import PASSWORD_METHOD


def test_auth_login_success_redirects_home(client, world):
    """A learner with the right password is signed in and sent on."""
    response = login(client, "learner@alpha.example")
    assert response.status_code == 302
    assert client.get("/courses/").status_code == 200


def test_auth_login_wrong_password_shows_error(client, world):
    """A wrong password re-renders the form with an error and signs nobody in."""
    response = login(client, "learner@alpha.example", "wrong-password")
    assert response.status_code == 200
    assert "E-Mail oder Passwort ist falsch" in response.get_data(as_text=True)
    assert client.get("/courses/").status_code == 302


def test_auth_password_hash_is_scrypt_with_default_cost(db, world):
    """Passwords are stored as scrypt hashes with at least werkzeug's default cost."""
    user = db.scalar(select(User).where(User.email == "learner@alpha.example"))
    assert user.password_hash.startswith("scrypt:32768:8:1$")
    assert PASSWORD_METHOD == "scrypt:32768:8:1"


def test_auth_login_throttled_after_repeated_failures(app, client, world, db):
    """After five failures from one address the account is locked there, even with the right password (DB counter)."""
    for _ in range(5):
        login(client, "learner@alpha.example", "wrong-password")
    row = db.scalar(select(LoginThrottle).where(
        LoginThrottle.key == "account-address:learner@alpha.example|127.0.0.1"))
    assert row.failures == 5 and row.locked_until is not None
    response = login(client, "learner@alpha.example")
    assert response.status_code == 429
    assert client.get("/courses/").status_code == 302


def test_auth_throttle_shared_between_app_instances(app, world, database_url, tmp_path):
    """Failures counted by one server process lock the account for another (counters live in the database)."""
    from conftest import make_app

    other = make_app(database_url, tmp_path / "second")
    first_client, second_client = app.test_client(), other.test_client()
    for _ in range(3):
        login(first_client, "trainer@alpha.example", "nope-nope-nope")
    for _ in range(2):
        login(second_client, "trainer@alpha.example", "nope-nope-nope")
    assert login(first_client, "trainer@alpha.example").status_code == 429
    other.extensions["lms_db"][0].dispose()


def test_auth_logout_requires_post(client, login_as):
    """GET /logout changes nothing; POST signs out."""
    login_as("learner_a")
    assert client.get("/logout").status_code == 405
    assert client.get("/courses/").status_code == 200
    client.post("/logout")
    assert client.get("/courses/").status_code == 302


def test_auth_form_without_csrf_token_is_refused(client, world):
    """A sign-in form posted without its CSRF token is rejected with 400."""
    response = client.post("/login", data={"email": "learner@alpha.example", "password": "password-123"}, csrf=False)
    assert response.status_code == 400
    assert client.get("/courses/").status_code == 302


def test_auth_session_renewed_at_login(client, world):
    """Session data from before sign-in does not survive it."""
    with client.session_transaction() as sess:
        sess["planted"] = "attacker"
    login(client, "learner@alpha.example")
    with client.session_transaction() as sess:
        assert "planted" not in sess


def test_auth_security_headers_present(client):
    """Every page carries CSP without inline script, nosniff, frame-ancestors and a referrer policy."""
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_auth_open_redirect_after_login_refused(client, world):
    """The next parameter cannot send users to another site."""
    token = client.csrf_token()
    response = client.post("/login?next=https://evil.example/", data={
        "email": "learner@alpha.example", "password": "password-123", "csrf_token": token}, csrf=False)
    assert response.headers["Location"].endswith("/")
    assert "evil" not in response.headers["Location"]


def test_auth_admin_creates_user_in_own_org(client, login_as, db, world):
    """An admin creates a user in their own organisation and sees the one-time password."""
    login_as("admin_a")
    response = client.post("/admin/users", data={"name": "Neu Person", "email": "neu@alpha.example",
                                                 "role": "learner", "department": "Service", "locale": "de",
                                                 "handover": "password"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "neu@alpha.example" in body and "Vorläufiges Passwort" in body
    user = db.scalar(select(User).where(User.email == "neu@alpha.example"))
    assert user.org_id == world["org_a"].id


def test_auth_admin_invalid_user_form_shows_errors(client, login_as, db, world):
    """A duplicate e-mail is shown as a (neutral) form error and creates nothing."""
    login_as("admin_a")
    response = client.post("/admin/users", data={"name": "X", "email": "learner@alpha.example", "role": "learner",
                                                 "locale": "de"})
    assert response.status_code == 400
    assert "kann nicht verwendet werden" in response.get_data(as_text=True)


def test_auth_deactivate_ends_sessions(app, client, login_as, world):
    """Deactivating a user ends their running session at once."""
    learner_client = app.test_client()
    login(learner_client, "learner@alpha.example")
    assert learner_client.get("/courses/").status_code == 200
    login_as("admin_a")
    assert client.post(f"/admin/users/{world['learner_a'].id}/deactivate").status_code == 302
    assert learner_client.get("/courses/").status_code == 302
    assert login(learner_client, "learner@alpha.example").status_code == 200  # inactive: form with error


def test_auth_reset_password_ends_sessions_and_forces_change(app, client, login_as, world):
    """A reset gives a temporary password, ends old sessions, and asks for a new password at sign-in."""
    import re

    learner_client = app.test_client()
    login(learner_client, "learner@alpha.example")
    login_as("admin_a")
    body = client.post(f"/admin/users/{world['learner_a'].id}/reset-password").get_data(as_text=True)
    temporary = re.search(r'<code class="secret">([^<]+)</code>', body).group(1)
    assert learner_client.get("/courses/").status_code == 302
    response = login(app.test_client(), "learner@alpha.example", temporary)
    assert response.headers["Location"].endswith("/account")


def test_auth_admin_cannot_touch_other_org(client, login_as, world):
    """An admin of A gets 404 for B's users."""
    login_as("admin_a")
    assert client.post(f"/admin/users/{world['learner_b'].id}/deactivate").status_code == 404
    assert client.post(f"/admin/users/{world['learner_b'].id}/reset-password").status_code == 404


def test_auth_admin_pages_forbidden_for_learners(client, login_as):
    """Learners and trainers cannot open user administration."""
    login_as("learner_a")
    assert client.get("/admin/users").status_code == 403


def test_auth_users_list_shows_only_own_org(client, login_as):
    """The user list is scoped to the admin's organisation."""
    login_as("admin_a")
    body = client.get("/admin/users").get_data(as_text=True)
    assert "learner@alpha.example" in body and "learner@beta.example" not in body


def test_auth_demo_load_is_idempotent(runner, db):
    """Loading demo data twice keeps one copy and prints the logins."""
    first = runner.invoke(args=["demo", "load"])
    second = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert "admin@muster.example" in second.output
    assert db.scalar(select(User).where(User.email == "admin@muster.example")) is not None
    assert len(db.scalars(select(User)).all()) == 6


def test_auth_demo_load_records_progress_once_through_the_services(runner, db):
    """Demo learners get enrolments, lesson progress and the matching xAPI statements, once."""
    from sqlalchemy import func

    from lms.courses.models import Enrolment, LessonProgress
    from lms.lrs.models import Statement

    runner.invoke(args=["demo", "load"])
    db.rollback()
    counts = (db.scalar(select(func.count(Enrolment.id))), db.scalar(select(func.count(LessonProgress.id))),
              db.scalar(select(func.count(Statement.seq))))
    lena = db.scalar(select(User).where(User.email == "lena@muster.example"))
    enrolment = db.scalar(select(Enrolment).where(Enrolment.user_id == lena.id))
    assert counts[0] == 3 and enrolment.progress > 0 and counts[2] > counts[1] > 0
    completed = db.scalars(select(Statement.verb_id).where(Statement.org_id == lena.org_id)).all()
    assert "http://adlnet.gov/expapi/verbs/completed" in completed
    runner.invoke(args=["demo", "load"])
    db.rollback()
    assert (db.scalar(select(func.count(Enrolment.id))), db.scalar(select(func.count(LessonProgress.id))),
            db.scalar(select(func.count(Statement.seq)))) == counts
