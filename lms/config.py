"""Configuration: defaults, instance/config.py, LMS_* environment variables, test mapping last."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from . import REPO_ROOT

DEFAULTS = {
    "URL_PREFIX": "",
    "COURSES_DIR": str(REPO_ROOT / "courses"),
    "QUIZZES_DIR": str(REPO_ROOT / "quizzes"),
    "STATIC_DIR": str(REPO_ROOT / "static"),
    # xAPI: home page of pseudonymous actor accounts and the platform name in statement context.
    "BASE_IRI": "http://127.0.0.1:5000",
    "PLATFORM_NAME": "Social Media LMS",
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_WINDOW_SECONDS": 15 * 60,
    "LOGIN_LOCK_SECONDS": 15 * 60,
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


def _instance_secret(instance: Path) -> str:
    """A per-instance random secret kept in instance/secret_key, so restarts keep sessions valid."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()
