"""The session cookie: its signing serializer built once per secret key, and the cookies it already verified
remembered, instead of both being redone on every request."""
from __future__ import annotations

import time

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

#: Verified cookies remembered per process; the cache starts afresh when it is full or the keys change.
VERIFIED_LIMIT = 4096
#: Values a remembered session may hold: immutable, so the request's session can be a shallow copy.
_SCALARS = (str, int, float, bool, type(None))


class CachedSerializerSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, unchanged, except that the serializer is reused while the secret key and
    its fallbacks stay the same (Flask builds a new one, with its signer, for every request), and that a cookie
    whose signature was already checked is not checked and decoded again: its contents and signing time are
    remembered, and the age limit is checked against that time on every request as itsdangerous does."""

    def __init__(self) -> None:
        """Start with no serializer and nothing verified."""
        self._built: tuple | None = None
        self._verified: dict[str, tuple[dict, int]] = {}

    def get_signing_serializer(self, app: Flask):
        """The serializer for the app's current keys (None without a secret key, as in Flask)."""
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        built = self._built
        if built is None or built[0] != keys:
            self._verified = {}  # verified under other keys: they must be checked again
            built = self._built = (keys, super().get_signing_serializer(app))
        return built[1]

    def open_session(self, app: Flask, request):
        """The request's session: a remembered verified cookie within its age, else Flask's own check (the same
        steps as SecureCookieSessionInterface.open_session, keeping the signing time)."""
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        known = self._verified.get(value)
        if known is not None and 0 <= int(time.time()) - known[1] <= max_age:  # itsdangerous's age rule
            return self.session_class(known[0])
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(isinstance(item, _SCALARS) for item in data.values()):
            if len(self._verified) >= VERIFIED_LIMIT:
                self._verified = {}
            self._verified[value] = (dict(data), int(signed_at.timestamp()))
        return self.session_class(data)

    def save_session(self, app: Flask, session, response) -> None:
        """As Flask's, with a short path for the common case of a cookie that is not rewritten (Flask reads seven
        cookie settings from the config before it finds that out): only the Vary header it would add."""
        if session and not self.should_set_cookie(app, session):
            if session.accessed:
                if "Vary" in response.headers:
                    response.vary.add("Cookie")
                else:
                    response.headers["Vary"] = "Cookie"
            return
        super().save_session(app, session, response)


class SessionIdentifiers:
    """Flask-Login's session identifier (the SHA-512 of the client address and User-Agent the session is bound to,
    computed on every request by its session protection), remembered per process for the same three inputs
    Flask-Login reads; bounded, emptied when full."""

    def __init__(self, generator) -> None:
        """Wrap Flask-Login's generator (flask_login.utils._create_identifier)."""
        self.generator = generator
        self.known: dict[tuple, str] = {}

    def __call__(self) -> str:
        """The identifier of the current request, as the wrapped generator computes it."""
        environ = request.environ  # X-Forwarded-For, REMOTE_ADDR (after ProxyFix) and User-Agent, as Flask-Login
        key = (environ.get("HTTP_X_FORWARDED_FOR"), environ.get("REMOTE_ADDR"), environ.get("HTTP_USER_AGENT"))
        identifier = self.known.get(key)
        if identifier is None:
            identifier = self.generator()
            if len(self.known) >= VERIFIED_LIMIT:
                self.known = {}
            self.known[key] = identifier
        return identifier


def install(app: Flask) -> None:
    """Use the cached serializer unless the app (a host) already chose its own session interface."""
    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = CachedSerializerSessionInterface()


def remember_identifiers(login_manager) -> None:
    """Let the login manager compute each client's session identifier once per process."""
    login_manager._session_identifier_generator = SessionIdentifiers(login_manager._session_identifier_generator)
