"""The credential signing key lives in the database: every app server (instance folder) signs with the same key."""
from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from conftest import make_app
from lms.certificates import keystore, services


def _public(key) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _key_of(app):
    with app.app_context():
        return services.signing_key()


def test_keystore_two_servers_share_one_key(database_url, tmp_path):
    """Two apps with separate instance folders on one database publish and use the same key."""
    node_a = make_app(database_url, tmp_path / "a")
    node_b = make_app(database_url, tmp_path / "b")
    try:
        assert _public(_key_of(node_a)) == _public(_key_of(node_b))
        doc_a = node_a.test_client().get("/.well-known/lms-credential-key.json").get_json()
        doc_b = node_b.test_client().get("/.well-known/lms-credential-key.json").get_json()
        assert doc_a["publicKeyMultibase"] == doc_b["publicKeyMultibase"]
    finally:
        for app in (node_a, node_b):
            app.extensions["lms_db"][0].dispose()


def test_keystore_takes_over_an_older_instance_key_file(database_url, tmp_path):
    """An installation that kept its key in instance/credential_key.pem keeps that key (old certificates verify)."""
    app = make_app(database_url, tmp_path)
    old = Ed25519PrivateKey.generate()
    folder = tmp_path / "instance"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "credential_key.pem").write_bytes(old.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    try:
        assert _public(_key_of(app)) == _public(old)
    finally:
        app.extensions["lms_db"][0].dispose()


def test_keystore_other_secret_key_cannot_read_it(database_url, tmp_path):
    """A server with another SECRET_KEY refuses to sign instead of creating a second key."""
    node_a = make_app(database_url, tmp_path / "a")
    node_b = make_app(database_url, tmp_path / "b", SECRET_KEY="another-secret-key-of-at-least-32-chars")
    try:
        _key_of(node_a)
        with pytest.raises(keystore.KeyUnreadable):
            _key_of(node_b)
    finally:
        for app in (node_a, node_b):
            app.extensions["lms_db"][0].dispose()
