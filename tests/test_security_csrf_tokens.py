"""CSRF tokens in templates (lms/security.py csrf_token): signed once per session secret, checked as before."""
import re
import time

from conftest import CSRF_RE

FORM_PAGE = "/courses/"


def _token(client, path: str = FORM_PAGE) -> str:
    match = CSRF_RE.search(client.get(path).get_data(as_text=True))
    return match.group(1) or match.group(2)


def test_security_csrf_token_signed_once_per_session_secret(app, client, login_as, monkeypatch):
    """Two pages a minute apart carry the same signed token (Flask-WTF would sign it again with a new time)."""
    login_as("learner_a")
    first = _token(client)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 60)
    assert _token(client) == first
    assert (app.secret_key, _raw(app, client)) in app.extensions["lms_csrf_signed"]


def _raw(app, client) -> str:
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.loads(client.get_cookie("session").value)["csrf_token"]


def test_security_csrf_token_remembered_token_is_accepted_and_others_are_not(app, client, login_as):
    """The remembered token passes Flask-WTF's check on a form post; a wrong one is still refused."""
    login_as("learner_a")
    token = _token(client)
    assert _token(client) == token
    assert client.post("/language", data={"lang": "en", "csrf_token": token}, csrf=False).status_code == 302
    assert client.post("/language", data={"lang": "de", "csrf_token": token[:-3] + "abc"},
                       csrf=False).status_code == 400


def test_security_csrf_token_other_session_gets_its_own(app, client, login_as):
    """Another session (another raw secret) gets another token, which the first session's check refuses."""
    login_as("learner_a")
    mine = _token(client)
    other = app.test_client()
    other_token = _token(other, "/login")
    assert other_token != mine
    assert client.post("/language", data={"lang": "en", "csrf_token": other_token}, csrf=False).status_code == 400


def test_security_csrf_token_time_limit_falls_back_to_flask_wtf(app, client, login_as, monkeypatch):
    """With a time limit configured the token is signed per request as Flask-WTF does (it must carry its time)."""
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    login_as("learner_a")
    first = _token(client)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 60)
    assert _token(client) != first
    assert not app.extensions["lms_csrf_signed"]
