"""Privacy: settings a works agreement can name, data subject rights, erasure, retention and documents."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from ..extension import of as lms_of

# GET endpoints that record an audit row (a person downloading their own data, an admin producing a document).
WRITES_ON_GET = frozenset({"lms.privacy.download_json", "lms.privacy.download_statements", "lms.privacy.summary",
                           "lms.privacy.document"})

privacy_cli = AppGroup("privacy", help="Privacy: retention runs.")


@privacy_cli.command("retention")
def retention_command():
    """Apply every organisation's retention periods once (idempotent; each run is logged)."""
    from ..db import session_scope
    from . import retention

    with session_scope() as db:
        for run in retention.apply_all(db):
            click.echo(f"org {run.org_id}: settings v{run.settings_version}, removed {run.counts or 'nothing'}")


def _retention_job(db) -> int:
    """Retention for every organisation not run in the last 23 hours (the jobs scheduler calls this)."""
    from . import retention

    return retention.apply_due(db)


def init_app(app: Flask) -> None:
    """Register the privacy pages, header links, the GET endpoints that audit, and the CLI."""
    from .. import nav
    from ..i18n import _l
    from . import admin_views, outgoing, views  # noqa: F401  (admin_views adds its routes to views.bp)

    lms_of(app).add_blueprint(views.bp)
    app.extensions.setdefault("lms_write_on_get", set()).update(WRITES_ON_GET)
    nav.register(app, "lms.privacy.my_data", _l("Meine Daten"), ("learner", "trainer", "admin"))
    nav.register(app, "lms.privacy.admin_settings", _l("Datenschutz"), ("admin",))
    lms_of(app).set_hook("forward_transform", outgoing.transform_raw)
    app.extensions.setdefault("lms_jobs", {})["privacy_retention"] = _retention_job
    app.cli.add_command(privacy_cli)
