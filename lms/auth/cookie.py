"""The session cookie's signing serializer, built once per secret key instead of on every request."""
from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface


class CachedSerializerSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, unchanged, except that the serializer is reused while the secret key and
    its fallbacks stay the same (Flask builds a new one, with its signer, for every request)."""

    def __init__(self) -> None:
        """Start with no serializer."""
        self._built: tuple | None = None

    def get_signing_serializer(self, app: Flask):
        """The serializer for the app's current keys (None without a secret key, as in Flask)."""
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        built = self._built
        if built is None or built[0] != keys:
            built = self._built = (keys, super().get_signing_serializer(app))
        return built[1]


def install(app: Flask) -> None:
    """Use the cached serializer unless the app (a host) already chose its own session interface."""
    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = CachedSerializerSessionInterface()
