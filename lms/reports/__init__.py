"""Trainer dashboard and reports (read-only; nothing imports this package)."""
from flask import Flask

from ..extension import of as lms_of


def init_app(app: Flask) -> None:
    """Register the reports pages and the header link for trainers and admins."""
    from .. import nav
    from ..i18n import _l
    from . import views

    lms_of(app).add_blueprint(views.bp)
    nav.register(app, "lms.reports.overview", _l("Auswertung"), ("trainer", "admin"))
