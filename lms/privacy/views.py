"""Learner pages: the privacy summary ('My data'), the data download, and the erasure request."""
from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, stream_with_context, url_for
from flask_login import current_user
from sqlalchemy import select

from ..audit.services import record
from ..db import get_session, session_scope, utcnow
from ..i18n import _
from . import erasure, export, settings
from .forms import DETAIL_LABELS, FORWARDING_LABELS, LEVEL_LABELS, ErasureRequestForm
from .models import ErasureRequest

bp = Blueprint("privacy", __name__, template_folder="templates")


@bp.route("/privacy")
def my_data():
    """What is recorded about me, who may see which part under the current settings, and the downloads."""
    db = get_session()
    active = settings.current(db, current_user.organisation)
    data = export.collect(db, current_user)
    pending = db.scalar(select(ErasureRequest).where(ErasureRequest.user_id == current_user.id))
    return render_template("privacy/my_data.html", settings=active, data=data, pending=pending,
                           form=ErasureRequestForm(), labels=_labels())


def _labels() -> dict:
    return {"level": LEVEL_LABELS, "detail": DETAIL_LABELS, "forwarding": FORWARDING_LABELS}


@bp.route("/privacy/my-data.json")
def download_json():
    """All rows about me as one JSON document (the statements are in the JSON-lines download)."""
    db = get_session()
    record(db, current_user, "export.my_data", target_type="user", target_id=current_user.id,
           details={"format": "json"})
    body = json.dumps(export.collect(db, current_user), ensure_ascii=False, indent=2, default=str)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="meine-daten-{utcnow():%Y%m%d}.json"'})


@bp.route("/privacy/statements.jsonl")
def download_statements():
    """My statements from the built-in LRS as JSON lines, streamed in chunks."""
    record(get_session(), current_user, "export.my_data", target_type="user", target_id=current_user.id,
           details={"format": "jsonl"})
    user_id = current_user.id

    def lines():
        from ..auth.models import User

        with session_scope(write=False) as db:
            user = db.get(User, user_id)
            yield from export.statement_lines(db, user)

    return Response(stream_with_context(lines()), mimetype="application/x-ndjson",
                    headers={"Content-Disposition": f'attachment; filename="statements-{utcnow():%Y%m%d}.jsonl"'})


@bp.route("/privacy/summary")
def summary():
    """A readable, printable summary of everything recorded about me."""
    db = get_session()
    record(db, current_user, "export.my_data", target_type="user", target_id=current_user.id,
           details={"format": "html"})
    return render_template("privacy/summary.html", data=export.collect(db, current_user),
                           settings=settings.current(db, current_user.organisation), labels=_labels())


@bp.route("/privacy/erasure-request", methods=["POST"])
def request_erasure():
    """Ask the organisation's admins to erase my data."""
    form = ErasureRequestForm()
    if not form.validate_on_submit():
        flash(_("Die Anfrage konnte nicht gesendet werden."), "error")
        return redirect(url_for("lms.privacy.my_data")), 303
    erasure.request_erasure(get_session(), current_user, form.note.data or "")
    flash(_("Ihre Löschanfrage wurde an die Administration übermittelt."), "success")
    return redirect(url_for("lms.privacy.my_data"))
