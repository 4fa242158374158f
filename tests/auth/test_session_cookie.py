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


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_auth_session_cookie_remembered_cookie_keeps_the_age_limit(app, client, login_as, monkeypatch):
    """A cookie whose signature was already verified is remembered, yet once it is older than the session
    lifetime it opens no session any more (the remembered signing time is checked on every request)."""
    import time
    from datetime import timedelta

    login_as("learner_a")
    client.get("/courses/")
    value = _session_cookie(client)
    assert client.get("/courses/").status_code == 200
    assert value in app.session_interface._verified
    app.permanent_session_lifetime = timedelta(hours=1)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 2 * 3600)
    assert client.get("/courses/").status_code == 302


def test_auth_session_cookie_remembered_session_is_a_copy(app, client, login_as):
    """Changing the session of one request does not change what the next request with the same cookie gets."""
    login_as("learner_a")
    client.get("/courses/")
    value = _session_cookie(client)
    interface = app.session_interface
    with app.test_request_context("/courses/", headers={"Cookie": f"session={value}"}) as ctx:
        first = interface.open_session(app, ctx.request)
        first["changed"] = "yes"
        second = interface.open_session(app, ctx.request)
    assert "_user_id" in second and "changed" not in second


def test_auth_session_cookie_tampered_cookie_is_refused_after_a_valid_one(app, client, login_as):
    """A forged cookie is checked in full even while the genuine one is remembered."""
    login_as("learner_a")
    client.get("/courses/")
    value = _session_cookie(client)
    forged = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    interface = app.session_interface
    with app.test_request_context("/courses/", headers={"Cookie": f"session={forged}"}) as ctx:
        assert "_user_id" not in interface.open_session(app, ctx.request)
    assert forged not in interface._verified


def test_auth_session_cookie_mutable_values_are_not_remembered(app):
    """A session holding a list (flashed messages) is decoded afresh each time, so a request that appends to
    the list cannot change what the next request reads."""
    interface = app.session_interface
    serializer = interface.get_signing_serializer(app)
    value = serializer.dumps({"_flashes": [["info", "x"]], "_user_id": "t"})
    with app.test_request_context("/", headers={"Cookie": f"session={value}"}) as ctx:
        session = interface.open_session(app, ctx.request)
        session["_flashes"].append(["info", "y"])
        assert value not in interface._verified
        assert len(interface.open_session(app, ctx.request)["_flashes"]) == 1


def test_auth_session_identifier_remembered_per_address_and_agent(app):
    """Flask-Login's session identifier comes from the per-process memory, equal to Flask-Login's own for the same
    client and different for another address, User-Agent or X-Forwarded-For (the session stays bound to them)."""
    from flask_login.utils import _create_identifier

    generator = app.login_manager._session_identifier_generator
    assert isinstance(generator, cookie.SessionIdentifiers)
    seen = set()
    for addr, agent, forwarded in [("10.0.0.1", "A", None), ("10.0.0.2", "A", None), ("10.0.0.1", "B", None),
                                   ("10.0.0.1", "A", "192.0.2.7"), ("10.0.0.1", "A", None)]:
        headers = {"User-Agent": agent, **({"X-Forwarded-For": forwarded} if forwarded else {})}
        with app.test_request_context("/", headers=headers, environ_base={"REMOTE_ADDR": addr}):
            identifier = generator()
            assert identifier == _create_identifier()
            seen.add(identifier)
    assert len(seen) == 4 and len(generator.known) == 4


def test_auth_session_identifier_other_agent_marks_session_not_fresh(app, client, login_as):
    """With the remembered identifier, Flask-Login's basic session protection still notices a session cookie
    used from another browser (the session is no longer fresh), as without it."""
    login_as("learner_a")
    client.get("/courses/")
    with client.session_transaction() as session:
        assert session.get("_fresh") is True
    client.get("/courses/", headers={"User-Agent": "another browser"})
    with client.session_transaction() as session:
        assert not session.get("_fresh")


def test_auth_session_cookie_unchanged_session_sends_vary_only(app, client, login_as):
    """A request that reads but does not change the session answers with Vary: Cookie and no Set-Cookie (as
    Flask); one that changes it (signing out empties it) still writes the cookie."""
    login_as("learner_a")
    client.get("/courses/")
    response = client.get("/courses/")
    assert response.headers.get("Vary") == "Cookie" and "Set-Cookie" not in response.headers
    signed_out = client.post("/logout")
    assert "session=" in " ".join(signed_out.headers.getlist("Set-Cookie"))
