"""Configuration: defaults, instance/config.py, LMS_* environment variables, test mapping last."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

DEFAULTS = {
    "URL_PREFIX": "",
    # Content: the course and quizzes bundled in the package (lms/content/), plus folders of your own (a path or a
    # list of paths) whose courses are added or replace a bundled course of the same name (lms/catalog.py).
    "BUNDLED_CONTENT": True,
    "COURSES_DIR": None,
    "QUIZZES_DIR": None,
    # xAPI: home page of pseudonymous actor accounts and the platform name in statement context.
    "BASE_IRI": "http://127.0.0.1:5000",
    "PLATFORM_NAME": "Social Media LMS",
    # Failed sign-ins per window before a lock: for one account from one address, for one account from anywhere,
    # and for one address (high, because many people can share an address behind a proxy or NAT).
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_MAX_FAILURES_ACCOUNT": 20,
    "LOGIN_MAX_FAILURES_ADDRESS": 100,
    "LOGIN_WINDOW_SECONDS": 15 * 60,
    "LOGIN_LOCK_SECONDS": 15 * 60,
    # Sessions end after this many idle minutes (organisations may set their own) and this many hours in any case.
    "SESSION_IDLE_MINUTES": 60,
    "SESSION_ABSOLUTE_HOURS": 12,
    # Number of reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host headers are trusted.
    "TRUSTED_PROXIES": 0,
    # Over HTTPS: cookies only over HTTPS, and Strict-Transport-Security (both on in scripts/serve.sh).
    "SECURE_COOKIES": False,
    "HSTS": False,
    "HSTS_MAX_AGE": 365 * 24 * 3600,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "BABEL_DEFAULT_LOCALE": "de",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",  # organisations may choose another (lms/localtime)
    "LANGUAGES": ["de", "en"],
    "INACTIVITY_DAYS": 7,
    "RELAY_IN_APP": False,
    # Content freshness: a dated law/open box is due for review after this many months, and fails
    # `flask content check` after the second number.
    "CONTENT_REVIEW_MONTHS": 12,
    "CONTENT_MAX_AGE_MONTHS": 24,
}


def load(app: Flask, test_config: dict | None) -> None:
    """Fill app.config for the standalone app; the test mapping wins over everything."""
    app.config.from_mapping(DEFAULTS)
    app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'lms.sqlite3'}"
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("LMS")
    else:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))


def apply_defaults(app: Flask) -> None:
    """Give a host app every LMS setting it did not set itself."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.config.setdefault("DATABASE_URL", f"sqlite:///{Path(app.instance_path) / 'lms.sqlite3'}")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    check_secret_key(app)


MIN_SECRET_LENGTH = 32


def check_secret_key(app: Flask) -> None:
    """Refuse to start outside testing with a SECRET_KEY too short to protect session cookies."""
    if app.testing:
        return
    if len(str(app.config.get("SECRET_KEY") or "")) < MIN_SECRET_LENGTH:
        raise RuntimeError(f"SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters long (e.g. "
                           "`python -c 'import secrets; print(secrets.token_hex(32))'`); "
                           "or remove it to use the generated instance/secret_key.")


def _instance_secret(instance: Path) -> str:
    """A per-instance random secret kept in instance/secret_key, so restarts keep sessions valid."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()
