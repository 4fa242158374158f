"""Secure cookies and HSTS, no caching of downloads with personal data, the database file mode, SECRET_KEY length."""
import os
import re
import stat

import pytest
from sqlalchemy import select

from conftest import login, make_app
from lms import create_app
from lms.certificates.models import Certificate
from tests_quiz_helpers import complete_course


def test_security_secure_cookies_and_hsts_when_enabled(database_url, tmp_path, world):
    """With SECURE_COOKIES and HSTS, the session cookie is Secure and HTTPS responses carry HSTS."""
    app = make_app(database_url, tmp_path, SECURE_COOKIES=True, HSTS=True)
    client = app.test_client()
    token_page = client.get("/login", base_url="https://lms.test")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', token_page.get_data(as_text=True)).group(1)
    response = client.post("/login", base_url="https://lms.test", data={
        "email": "learner@alpha.example", "password": "password-123", "csrf_token": token}, csrf=False)
    cookies = [v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session=")]
    assert cookies and all("Secure" in c for c in cookies)
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    assert "Strict-Transport-Security" not in client.get("/login").headers  # plain HTTP: no HSTS
    app.extensions["lms_db"][0].dispose()


def test_security_cookies_not_secure_by_default(client, world):
    """Without the setting (local development over HTTP) cookies work over HTTP and there is no HSTS."""
    response = login(client, "learner@alpha.example")
    cookie = [v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session=")][0]
    assert "Secure" not in cookie
    assert "Strict-Transport-Security" not in client.get("/login", base_url="https://lms.test").headers


def test_security_short_secret_key_refused_outside_testing(tmp_path):
    """Outside testing a SECRET_KEY under 32 characters stops the app at start."""
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SECRET_KEY": "short-secret", "DATABASE_URL": "sqlite://", "TESTING": False})
    app = create_app({"SECRET_KEY": "x" * 32, "DATABASE_URL": "sqlite://", "TESTING": False})
    app.extensions["lms_db"][0].dispose()


def test_security_generated_instance_secret_is_long_enough(tmp_path):
    """The instance/secret_key that `make run` creates has at least 32 characters and mode 0600."""
    from pathlib import Path

    from lms.config import MIN_SECRET_LENGTH, _instance_secret

    secret = _instance_secret(Path(tmp_path) / "instance")
    assert len(secret) >= MIN_SECRET_LENGTH
    assert stat.S_IMODE(os.stat(tmp_path / "instance" / "secret_key").st_mode) == 0o600


def test_security_sqlite_file_created_private(tmp_path):
    """A new SQLite database file is created with mode 0600 (owner only), whatever the umask."""
    from lms.db import make_engine
    from sqlalchemy import text

    old = os.umask(0o022)
    try:
        engine = make_engine(f"sqlite:///{tmp_path / 'new.sqlite3'}")
        with engine.connect() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
        engine.dispose()
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.sqlite3").st_mode) == 0o600


def _no_store(response):
    assert response.status_code == 200, response.status_code
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"


def test_security_every_download_is_no_store(app, client, login_as, world, db):
    """CSV, XLSX, PDF, credential JSON, Markdown, DOCX, JSON lines and audit CSV downloads are never cached."""
    learner = app.test_client()
    login(learner, "learner@alpha.example")
    complete_course(app, learner, db)
    learner.post("/guidelines/mini/builder", data={"step": "ziele", "action": "save",
                                                   "ziele-unternehmen": "Müller GmbH", "ziele-ziele": "Ziele."})
    for fmt in ("md", "pdf", "docx"):
        _no_store(learner.post("/guidelines/mini/builder/download", data={"format": fmt}))
    db.rollback()
    certificate = db.scalar(select(Certificate))
    _no_store(learner.get(f"/certificates/{certificate.id}.pdf"))
    _no_store(learner.get(f"/certificates/{certificate.id}.json"))
    login_as("trainer_a")
    for path in ("/reports/export.csv", "/reports/export.xlsx", "/export/statements.jsonl"):
        _no_store(client.get(path))
    client.post("/logout")
    login_as("admin_a")
    _no_store(client.get("/guidelines/admin/acknowledgements.csv"))
    _no_store(client.get("/admin/audit.csv"))
