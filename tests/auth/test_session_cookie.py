"""The session cookie's serializer is built once per secret key (lms/auth/cookie.py) and follows key changes."""
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from lms.auth import cookie


def test_auth_session_cookie_serializer_reused_for_the_same_key(app):
    """Two requests with the same key share one serializer (Flask would build a new one each time)."""
    interface = app.session_interface
    assert isinstance(interface, cookie.CachedSerializerSessionInterface)
    assert interface.get_signing_serializer(app) is interface.get_signing_serializer(app)


def test_auth_session_cookie_serializer_follows_a_key_change(app, client, login_as):
    """After the secret key changes, cookies signed with the old key no longer open a session (unless the old key
    is a fallback): the cached serializer is rebuilt for the new keys."""
    login_as("learner_a")
    assert client.get("/courses/").status_code == 200
    old = app.secret_key
    app.secret_key = "another-secret-key-for-this-test-only-0123456789"
    assert client.get("/courses/").status_code == 302  # signed with the old key: not signed in
    app.config["SECRET_KEY_FALLBACKS"] = [old]
    signer = app.session_interface.get_signing_serializer(app)
    assert signer.secret_keys[0] == old.encode() and signer.secret_keys[-1] == app.secret_key.encode()


def test_auth_session_cookie_host_interface_is_kept():
    """A host app's own session interface is left alone."""
    class HostSessions(SecureCookieSessionInterface):
        pass

    host = Flask("host")
    host.session_interface = HostSessions()
    cookie.install(host)
    assert type(host.session_interface) is HostSessions
    plain = Flask("plain")
    cookie.install(plain)
    assert isinstance(plain.session_interface, cookie.CachedSerializerSessionInterface)



def test_auth_session_user_department_loaded_when_asked(app, world):
    """The session user's query leaves the department out, yet the department is there when code asks for it
    while the request's session is open."""
    from lms.auth import _load_user

    with app.test_request_context("/courses/"):
        user = _load_user(world["learner_a"].session_token)
        assert "department" not in user.__dict__
        assert user.department_name == "Marketing"
