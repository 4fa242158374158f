"""Bulk import of users from CSV/XLSX files (web preview and confirm, and a CLI command)."""
from flask import Flask

from ..extension import of as lms_of


def init_app(app: Flask) -> None:
    """Register the admin pages and the `flask users import` command."""
    from . import cli, views  # noqa: F401 - cli adds its command to the users group

    lms_of(app).add_blueprint(views.bp)
