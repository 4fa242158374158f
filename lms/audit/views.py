"""The audit log page for an organisation's admins: filters and CSV export. No route changes or deletes rows."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from ..db import get_session, utcnow
from . import services

bp = Blueprint("audit", __name__, template_folder="templates")


@bp.route("/admin/audit")
def log():
    """The organisation's audit rows, newest first, filtered by action, actor and date."""
    flt = services.AuditFilter.from_args(request.args)
    rows, total = services.entries(get_session(), current_user.org_id, flt)
    pages = max(1, -(-total // services.PAGE_SIZE))
    return render_template("audit/log.html", rows=rows, total=total, filters=flt, pages=pages,
                           actions=services.ACTIONS)


@bp.route("/admin/audit.csv")
def export_csv():
    """All rows matching the filters as CSV; the export itself is recorded too."""
    db = get_session()
    flt = services.AuditFilter.from_args(request.args)
    rows, total = services.entries(db, current_user.org_id, flt, paginate=False)
    services.record(db, current_user, "export.audit", details={"rows": total, **flt.args(page=None)})
    name = f"protokoll-{current_user.organisation.slug}-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(services.to_csv(rows), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
