"""STARTTLS and implicit TLS with login against a real aiosmtpd server using a certificate made for the test."""
from __future__ import annotations

import ipaddress
import ssl
from datetime import datetime, timedelta, timezone

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conftest import make_app
from lms.mail import outbox
from lms.mail.models import Mail
from lms.mail.worker import MailWorker
from mail.conftest import Recorder, free_port


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (cert file, key file)."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"lms" and auth_data.password == b"s3cret"
    return AuthResult(success=ok)


def _run(database_url, tmp_path, certificate, security: str, password: str) -> tuple[Recorder, str]:
    from factories import build_world

    cert_file, key_file = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert_file, key_file)
    recorder, port = Recorder(), free_port()
    # With implicit TLS aiosmtpd does not know the session is encrypted, so it must be told AUTH is fine.
    options = ({"ssl_context": server_tls, "auth_require_tls": False} if security == "ssl"
               else {"tls_context": server_tls, "require_starttls": True})
    controller = Controller(recorder, hostname="127.0.0.1", port=port, authenticator=_authenticator,
                            auth_required=True, **options)
    controller.start()
    app = make_app(database_url, tmp_path, MAIL_SMTP_HOST="127.0.0.1", MAIL_SMTP_PORT=port, MAIL_SMTP_USER="lms",
                   MAIL_SMTP_PASSWORD=password, MAIL_SMTP_SECURITY=security, MAIL_SMTP_CA_FILE=str(cert_file),
                   MAIL_SENDER="LMS <lms@lms.test>", MAIL_SMTP_TIMEOUT=2.0)
    try:
        db = app.extensions["lms_db"][1]()
        world = build_world(db)
        with app.app_context():
            outbox.queue(db, world["learner_a"], "password_reset", "password_reset",
                         {"name": "Lea", "org_name": "Alpha GmbH", "minutes": 60, "action_url": "http://lms.test/x"})
            db.commit()
        MailWorker(app).run_pass()
        db.rollback()
        error = db.query(Mail).one().last_error
        db.close()
    finally:
        controller.stop()
        app.extensions["lms_db"][0].dispose()
    return recorder, error


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_mail_tls_with_login_delivers(database_url, tmp_path, certificate, security):
    """STARTTLS on a plain port and implicit TLS, each with a verified certificate and a login, deliver the mail."""
    recorder, error = _run(database_url, tmp_path, certificate, security, "s3cret")
    assert error == "" and len(recorder.messages) == 1


def test_mail_tls_wrong_password_is_retried_not_sent(database_url, tmp_path, certificate):
    """A refused login is a connection problem: nothing is sent, the mail stays queued with the reason."""
    recorder, error = _run(database_url, tmp_path, certificate, "starttls", "wrong")
    assert recorder.messages == [] and error  # refused (535) or dropped: either way kept for a retry
