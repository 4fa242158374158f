"""SCORM 1.2 and 2004 packages whose launcher opens the hosted course and reports the result to the host LMS."""
from flask import Flask

from ..extension import of as lms_of


def init_app(app: Flask) -> None:
    """Register the routes."""
    from . import views

    app.config.setdefault("SCORM_POLL_MS", 5000)  # how often a launcher asks for the result
    lms_of(app).add_blueprint(views.bp)
