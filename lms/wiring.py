"""What mounting the LMS does: core services, every package's init_app, then the parent blueprint."""
from __future__ import annotations

from flask import Flask


def mount(app: Flask, lms) -> None:
    """Wire the LMS into ``app``: core first, then each package (which registers into ``lms``), then routes."""
    from . import access, config, converters, db, errors, i18n, localtime, nav, security
    from .blueprint import make_blueprint

    config.apply_defaults(app)
    converters.init_app(app)
    db.init_app(app)
    i18n.init_app(app)
    localtime.init_app(app)
    security.init_app(app)
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
    parent = make_blueprint(lms)
    parent.before_request(access.enforce)  # lms/policy.py, enforced before every LMS route by lms/access.py
    app.register_blueprint(parent, url_prefix=lms.url_prefix or None)
    # Routing failures (no rule matched) under the prefix get the LMS's error pages; the host's stay elsewhere.
    errors.init_app(app, lms)
