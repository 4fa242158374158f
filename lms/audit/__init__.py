"""Audit log: who changed or looked at personal data, and when (append-only, per organisation)."""
from flask import Flask

from ..extension import of as lms_of


def init_app(app: Flask) -> None:
    """Register the audit pages, the admin's header link, and the one write the log does on GET."""
    from .. import nav
    from ..i18n import _l
    from . import views

    lms_of(app).add_blueprint(views.bp)
    app.extensions.setdefault("lms_write_on_get", set()).update(WRITES_ON_GET)
    nav.register(app, "lms.audit.log", _l("Protokoll"), ("admin",))


# GET endpoints that write one audit row (the sanctioned exception to "no writes on GET"); lms/db.py begins their
# transaction with the write lock (BEGIN IMMEDIATE on SQLite) like a POST.
WRITES_ON_GET = frozenset({
    "lms.audit.export_csv", "lms.reports.learner", "lms.reports.export_csv", "lms.reports.export_xlsx",
    "lms.forwarding.export_download", "lms.guidelines.acknowledgements_csv", "lms.guidelines.team_detail",
    "lms.certificates.pdf", "lms.certificates.credential_file",
})
