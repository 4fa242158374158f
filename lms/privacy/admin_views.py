"""Admin pages: privacy settings with their history, erasure (requests, confirm, log), the documents."""
from __future__ import annotations

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..audit.services import record
from ..auth.models import User
from ..db import get_session
from ..i18n import _
from . import documents, erasure, settings
from .forms import ConfirmForm, SettingsForm
from .views import _labels, bp


@bp.route("/admin/privacy", methods=["GET", "POST"])
def admin_settings():
    """The organisation's privacy settings (each save is a new version) and their history."""
    db = get_session()
    org = current_user.organisation
    active = settings.current(db, org)
    form = SettingsForm(data=active.values())
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in active.values()}
        settings.save(db, current_user, org, values)
        flash(_("Datenschutzeinstellungen gespeichert."), "success")
        return redirect(url_for("lms.privacy.admin_settings"))
    history = settings.changes(settings.history(db, org))
    return render_template("privacy/admin_settings.html", form=form, settings=active, history=history,
                           labels=_labels()), 400 if form.errors else 200


@bp.route("/admin/privacy/erasure")
def erasure_page():
    """Open erasure requests, the organisation's people, and the erasure log."""
    db = get_session()
    people = db.scalars(select(User).where(User.org_id == current_user.org_id, User.active.is_(True))
                        .order_by(User.name)).all()
    requests = erasure.open_requests(db, current_user.org_id)
    return render_template("privacy/erasure.html", requests=requests, people=people,
                           names={p.id: p.name for p in people}, requested={r.user_id for r in requests}, log=erasure.log_entries(db, current_user.org_id), form=ConfirmForm())


@bp.route("/admin/privacy/users/<int:user_id>/erase", methods=["POST"])
def erase(user_id: int):
    """Erase one person of the admin's organisation (after the admin confirmed on the erasure page)."""
    db, user = get_session(), g.user
    form = ConfirmForm()
    if not form.validate_on_submit() or request.form.get("confirm") != "yes":
        flash(_("Bitte bestätigen Sie die Löschung."), "error")
        return redirect(url_for("lms.privacy.erasure_page")), 303
    on_request = any(r.user_id == user.id for r in erasure.open_requests(db, current_user.org_id))
    try:
        log = erasure.erase(db, current_user, user, on_request=on_request)
    except erasure.ErasureError:
        abort(400)
    flash(_("Die Person wurde gelöscht (Referenz %(ref)s).", ref=log.subject_ref), "success")
    return redirect(url_for("lms.privacy.erasure_page"))


@bp.route("/admin/privacy/document")
def document():
    """A document generated from the settings in force: Art. 30 record, TOM summary, works agreement draft."""
    kind = request.args.get("kind", "works-agreement")
    fmt = request.args.get("format", "pdf")
    lang = request.args.get("lang", "de")
    if kind not in documents.KINDS or fmt not in ("pdf", "docx") or lang not in ("de", "en"):
        abort(404)
    db = get_session()
    org = current_user.organisation
    active = settings.current(db, org)
    data = documents.render(kind, fmt, org, active, lang)
    record(db, current_user, "export.privacy_document", target_type="organisation", target_id=org.id,
           details={"kind": kind, "format": fmt, "lang": lang, "settings_version": active.version})
    mimetype = "application/pdf" if fmt == "pdf" else \
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    name = f"{kind}-{org.slug}-v{active.version}-{lang}.{fmt}"
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})
