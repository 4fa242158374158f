"""Social-media micro-LMS: application factory and plugin entry point."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

REPO_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the standalone app: config, database, i18n, then every package (test config last)."""
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    from . import config

    config.load(app, test_config)
    init_app(app, url_prefix=app.config["URL_PREFIX"])
    return app


def init_app(app: Flask, url_prefix: str = "") -> None:
    """Mount the LMS on an app (standalone or a host app) under ``url_prefix``."""
    from . import config, converters, db, errors, i18n, localtime, nav, security
    from .blueprint import make_blueprint

    config.apply_defaults(app)
    converters.init_app(app)
    db.init_app(app)
    i18n.init_app(app)
    localtime.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    nav.init_app(app)
    from . import (assignments, audit, auth, certificates, cmi5, courses, forwarding, guidelines, imports, jobs, lti,
                   lrs, mail, privacy, quizzes, reports, scorm, sso, tasks, xapi)

    # Order matters only for navigation entries and signal receivers registered in init_app.
    # assignments after certificates: its course_completed receiver runs after the certificate is issued.
    for package in (auth, courses, quizzes, lrs, xapi, certificates, reports, guidelines, tasks, forwarding, sso,
                    audit, assignments, mail, imports, jobs, lti, cmi5, scorm, privacy):
        package.init_app(app)
    from .dbcli import db_cli

    app.cli.add_command(db_cli)
    app.register_blueprint(make_blueprint(), url_prefix=url_prefix or None)

