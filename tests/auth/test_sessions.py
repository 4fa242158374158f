"""Sessions end on the server: logout, password change, deactivation, idle timeout and absolute lifetime."""
from datetime import timedelta

from sqlalchemy import select

from conftest import login
from lms.auth.models import Organisation, User
from lms.db import utcnow


class Clock:
    """A settable clock for app.extensions['lms_clock']."""

    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, **delta):
        """Move the clock forward."""
        self.now += timedelta(**delta)


def _clock(app) -> Clock:
    clock = Clock()
    app.extensions["lms_clock"] = clock
    return clock


def _replay(app, cookie_value: str):
    """A new client that presents a captured session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie_value)
    return thief


def test_sessions_logout_kills_a_captured_cookie(app, client, login_as, db):
    """A session cookie copied before logout neither reads pages nor saves a guideline draft afterwards."""
    from lms.guidelines.models import GuidelineDraft

    login_as("learner_a")
    client.post("/courses/mini/start")
    captured = client.get_cookie("session").value
    token = client.csrf_token()  # what a thief of the cookie could have read from any page
    before = _replay(app, captured).post("/guidelines/mini/builder/autosave", csrf=False,
                                         data={"step": "ziele", "ziele-ziele": "vorher", "csrf_token": token},
                                         headers={"Accept": "application/json"})
    assert before.status_code == 200  # the copy works while the session is alive
    client.post("/logout")
    assert _replay(app, captured).get("/courses/").status_code == 302
    saved = _replay(app, captured).post("/guidelines/mini/builder/autosave", csrf=False,
                       data={"step": "ziele", "ziele-ziele": "nachher", "csrf_token": token},
                       headers={"Accept": "application/json"})
    assert saved.status_code in (302, 401)
    db.rollback()
    assert db.scalar(select(GuidelineDraft)).answers == {"ziele": {"ziele": "vorher"}}


def test_sessions_logout_rotates_the_token(client, login_as, db, world):
    """Logout stores a new session token on the user."""
    before = world["learner_a"].session_token
    login_as("learner_a")
    client.post("/logout")
    db.expire_all()
    assert db.get(User, world["learner_a"].id).session_token != before


def test_sessions_password_change_ends_other_sessions_keeps_this_one(app, client, login_as):
    """After changing the password the changing session goes on; a second session and old cookies end."""
    other = app.test_client()
    login(other, "learner@alpha.example")
    login_as("learner_a")
    captured = client.get_cookie("session").value
    new = "Quartz-Lantern-Ferry-93"
    response = client.post("/account", data={"action": "password", "pw-current": "password-123", "pw-new": new,
                                             "pw-repeat": new})
    assert response.status_code == 302
    assert client.get("/courses/").status_code == 200
    assert other.get("/courses/").status_code == 302
    assert _replay(app, captured).get("/courses/").status_code == 302


def test_sessions_deactivation_kills_a_captured_cookie(app, client, login_as, world):
    """A deactivated user's copied cookie stops working at once."""
    learner = app.test_client()
    login(learner, "learner@alpha.example")
    captured = learner.get_cookie("session").value
    login_as("admin_a")
    client.post(f"/admin/users/{world['learner_a'].id}/deactivate")
    assert _replay(app, captured).get("/courses/").status_code == 302


def test_sessions_idle_timeout_default_sixty_minutes(app, client, login_as):
    """A session used every 59 minutes lives on; after more than 60 idle minutes it ends."""
    clock = _clock(app)
    login_as("learner_a")
    for _ in range(3):
        clock.advance(minutes=59)
        assert client.get("/courses/").status_code == 200
    clock.advance(minutes=61)
    response = client.get("/courses/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    clock.advance(minutes=1)
    assert client.get("/courses/").status_code == 302  # ended for good, not only for one request


def test_sessions_idle_timeout_is_an_organisation_setting(app, client, login_as, db, world):
    """An admin sets 15 minutes for their organisation; its users are signed out after 16 idle minutes."""
    login_as("admin_a")
    response = client.post("/admin/organisation", data={"actor_mode": "account", "pseudonymous_reports": "0",
                                                         "inactivity_days": "7", "session_idle_minutes": "15"})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Organisation, world["org_a"].id).session_idle_minutes == 15
    assert client.post("/admin/organisation", data={"actor_mode": "account", "pseudonymous_reports": "0",
                                                    "inactivity_days": "7", "session_idle_minutes": "1"}
                       ).status_code == 400
    clock = _clock(app)
    learner, other_org = app.test_client(), app.test_client()
    login(learner, "learner@alpha.example")
    login(other_org, "learner@beta.example")
    clock.advance(minutes=16)
    assert learner.get("/courses/").status_code == 302
    assert other_org.get("/courses/").status_code == 200  # organisation B keeps the default of 60


def test_sessions_absolute_lifetime_ends_even_active_sessions(app, client, login_as):
    """A session in constant use still ends after SESSION_ABSOLUTE_HOURS (12 by default)."""
    clock = _clock(app)
    login_as("learner_a")
    for _ in range(23):
        clock.advance(minutes=30)
        assert client.get("/courses/").status_code == 200
    clock.advance(minutes=31)  # 12 h 01 min after sign-in
    assert client.get("/courses/").status_code == 302


def test_sessions_absolute_lifetime_configurable(database_url, tmp_path, world):
    """LMS_SESSION_ABSOLUTE_HOURS (config SESSION_ABSOLUTE_HOURS) shortens the lifetime."""
    from conftest import make_app

    app = make_app(database_url, tmp_path, SESSION_ABSOLUTE_HOURS=1)
    clock = _clock(app)
    client = app.test_client()
    login(client, "learner@alpha.example")
    clock.advance(minutes=50)
    assert client.get("/courses/").status_code == 200
    clock.advance(minutes=11)
    assert client.get("/courses/").status_code == 302
    app.extensions["lms_db"][0].dispose()


def test_sessions_cookie_without_times_is_not_accepted(app, client, login_as):
    """A session that lacks the start time (not made by start_session) is ended."""
    login_as("learner_a")
    with client.session_transaction() as sess:
        del sess["_lms_started"]
    assert client.get("/courses/").status_code == 302


def test_sessions_start_session_is_the_login_path(app, db, world):
    """start_session signs in a user with a fresh session and both times; end_session rotates the token."""
    from flask import session

    from lms.auth import sessions

    with app.test_request_context("/"):
        from lms.db import get_session

        user = get_session().scalar(select(User).where(User.email == "learner@alpha.example"))
        token = user.session_token
        session["planted"] = "x"
        sessions.start_session(user)
        assert "planted" not in session and session["_user_id"] == token
        assert session["_lms_started"] == session["_lms_seen"]
        sessions.end_session(user)
        assert user.session_token != token and "_user_id" not in session


def test_sessions_next_with_crlf_or_other_host_is_ignored(client, world):
    """CR/LF, backslashes and absolute URLs in next= on /login are ignored (no header injection, no 500)."""
    token = client.csrf_token()
    for target in ("/courses/%0d%0aSet-Cookie:%20x=1", "/courses/\r\nX-Evil: 1", "/\\evil.example",
                   "https://evil.example/", "//evil.example", "/%09/evil.example"):
        response = client.post(f"/login?next={target}", data={
            "email": "learner@alpha.example", "password": "password-123", "csrf_token": token}, csrf=False)
        assert response.status_code == 302, target
        location = response.headers["Location"]
        assert "evil" not in location and "\n" not in location and "X-Evil" not in response.headers
        client.post("/logout")
        token = client.csrf_token()


def test_sessions_language_next_with_crlf_is_ignored(client):
    """The language switch ignores a next= with CR/LF or another host."""
    for target in ("/courses/\r\nSet-Cookie: x=1", "https://evil.example/", "/\\evil.example"):
        response = client.post("/language", data={"lang": "en", "next": target})
        assert response.status_code == 302
        assert "evil" not in response.headers["Location"] and "\n" not in response.headers["Location"]
    assert client.post("/language", data={"lang": "en", "next": "/courses/"}).headers["Location"].endswith("/courses/")


def test_sessions_last_seen_cookie_rewritten_at_most_every_30_seconds(app, client, login_as):
    """Requests within 30 s of the recorded last-seen time do not re-sign the session cookie; a later one does,
    and the idle timeout counts from the recorded time (so it can only end a session up to 30 s early)."""
    clock = _clock(app)
    login_as("learner_a")
    client.get("/courses/")
    clock.advance(seconds=20)
    assert not client.get("/courses/").headers.getlist("Set-Cookie")
    clock.advance(seconds=15)
    assert client.get("/courses/").headers.getlist("Set-Cookie")
    with client.session_transaction() as session:
        assert session["_lms_seen"] == clock.now.timestamp()
    clock.advance(minutes=59, seconds=50)
    assert client.get("/courses/").status_code == 200
