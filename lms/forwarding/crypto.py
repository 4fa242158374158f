"""Target secrets encrypted at rest with a key derived from the app's SECRET_KEY; endpoint address checks."""
from __future__ import annotations

import base64
import ipaddress
import socket
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


class SecretError(ValueError):
    """A stored secret cannot be decrypted (SECRET_KEY changed): it must be entered again."""


class EndpointError(ValueError):
    """An endpoint the relay must not contact."""


def _fernet(secret_key: str | bytes) -> Fernet:
    raw = secret_key.encode() if isinstance(secret_key, str) else secret_key
    # HKDF with a purpose label, so this key is independent of every other use of SECRET_KEY.
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"lms-forwarding-v1",
               info=b"forward-target-secret").derive(raw)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_secret(plain: str, secret_key: str | None = None) -> str:
    """Encrypt a target password for storage."""
    return _fernet(secret_key or current_app.config["SECRET_KEY"]).encrypt(plain.encode()).decode()


def decrypt_secret(token: str, secret_key: str | None = None) -> str:
    """Decrypt a stored target password; SecretError when the key no longer fits."""
    try:
        return _fernet(secret_key or current_app.config["SECRET_KEY"]).decrypt(token.encode()).decode()
    except (InvalidToken, ValueError) as exc:
        raise SecretError("the stored password cannot be decrypted (SECRET_KEY changed?): enter it again") from exc


def check_endpoint(url: str, allow_private: bool | None = None) -> None:
    """Reject non-HTTP(S) URLs and, unless allowed, hosts resolving to loopback, private or link-local addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointError("the endpoint must be an http:// or https:// URL")
    if parts.username or parts.password:
        raise EndpointError("put the credentials in the username and password fields, not in the URL")
    if allow_private is None:
        allow_private = bool(current_app.config.get("FORWARDING_ALLOW_PRIVATE_NETWORKS"))
    if allow_private:
        return
    # Org admins choose the endpoint: without this check the relay and "test connection" would reach
    # the server's own network (metadata services, databases). DNS rebinding is not covered.
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except OSError as exc:
        raise EndpointError(f"host {parts.hostname!r} cannot be resolved") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            raise EndpointError(f"host {parts.hostname!r} resolves to a non-public address ({address})")
