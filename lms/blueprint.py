"""The LMS as one blueprint a host app can mount; each domain package contributes a child blueprint."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, url_for
from flask_login import current_user

from . import errors
from .resources import package_path


def make_blueprint(lms) -> Blueprint:
    """Build the parent blueprint 'lms' with static files, the home route, the error pages and every package's
    blueprint the LMS object collected (a new parent per app, so two apps never share one)."""
    parent = Blueprint(
        "lms",
        __name__,
        static_folder=str(package_path("static")),
        static_url_path="/static",
        template_folder="templates",
    )

    @parent.route("/")
    def home():
        # Signed in for sure: the access step sends anonymous callers of "lms.home" to the login page.
        if current_user.role in ("trainer", "admin") and "lms.reports.overview" in current_app.view_functions:
            return redirect(url_for("lms.reports.overview"))
        return redirect(url_for("lms.courses.index"))

    @parent.route("/healthz")
    def healthz():
        from sqlalchemy import text

        from .db import get_session, read_connection

        read_connection(get_session()).execute(text("SELECT 1"))
        return {"status": "ok"}

    errors.register(parent, lms)
    for child in lms.blueprints:
        parent.register_blueprint(child)
    return parent
