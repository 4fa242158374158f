"""Alembic migrations, driven from Python so the app and the CLI use the same configuration."""
from __future__ import annotations

import importlib

from alembic import command
from alembic.config import Config

from ..resources import package_path

HERE = package_path("migrations")
MODEL_MODULES = ["auth.models", "courses.models", "quizzes.models", "lrs.models", "lrs.document_models",
                 "certificates.models", "guidelines.models", "forwarding.models", "sso.models", "tasks.models",
                 "audit.models", "assignments.models", "mail.models", "lti.models", "cmi5.models",
                 "scorm.models", "localtime.models", "privacy.models", "imports.models", "ratelimit", "jobs.models"]


def import_models() -> None:
    """Import every package's models so Base.metadata knows all tables."""
    for name in MODEL_MODULES:
        importlib.import_module(f"lms.{name}")


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our scripts and the given database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    """Bring the database to the newest schema."""
    command.upgrade(alembic_config(url), revision)
