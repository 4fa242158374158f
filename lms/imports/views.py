"""Admin pages: upload a user list, see the preview, confirm the import."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField
from wtforms.validators import DataRequired

from ..db import get_session
from ..i18n import _, _l
from . import services
from .parse import ImportFileError

bp = Blueprint("imports", __name__, template_folder="templates")
HANDOVER = [("mail", _l("Einladung per E-Mail an neue Personen")),
            ("links", _l("keine E-Mail: Anmeldelinks für mich anzeigen"))]


class UploadForm(FlaskForm):
    """The file and the options of an import."""

    file = FileField(_l("Datei (CSV oder XLSX)"), validators=[FileRequired()])
    deactivate_missing = BooleanField(_l("Personen der Organisation deaktivieren, die nicht in der Datei stehen"))
    handover = SelectField(_l("Zugang für neue Personen"), choices=HANDOVER, default="mail")


class ConfirmForm(FlaskForm):
    """Confirm the previewed import (the token names the stored file and its hash)."""

    token = HiddenField(validators=[DataRequired()])
    deactivate_missing = HiddenField()
    handover = HiddenField()


@bp.route("/admin/users/import", methods=["GET", "POST"])
def upload():
    """Upload a file and show what the import would do; nothing is changed yet."""
    db = get_session()
    form = UploadForm()
    if not form.validate_on_submit():
        return render_template("imports/upload.html", form=form), 400 if form.errors else 200
    data = form.file.data.read()
    filename = form.file.data.filename or "upload"
    try:
        plan = services.preview(db, current_user.organisation, data, filename, actor_id=current_user.id,
                                deactivate_missing=form.deactivate_missing.data)
    except ImportFileError as exc:
        form.file.errors.append(str(exc))
        return render_template("imports/upload.html", form=form), 400
    confirm = None
    if plan.ok:
        _pending, token = services.keep_file(db, current_user, filename, data)
        confirm = ConfirmForm(formdata=None, token=token, handover=form.handover.data,
                              deactivate_missing="1" if form.deactivate_missing.data else "")
    return render_template("imports/preview.html", plan=plan, confirm=confirm, filename=filename,
                           deactivating=form.deactivate_missing.data)


@bp.route("/admin/users/import/confirm", methods=["POST"])
def confirm():
    """Import the previewed file in one transaction, if it is still the same file and still error-free."""
    db = get_session()
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("imports/upload.html", form=UploadForm(formdata=None),
                               error=_("Ungültige Bestätigung.")), 400
    try:
        pending = services.take_file(db, current_user, form.token.data)
        plan = services.preview(db, current_user.organisation, pending.content, pending.filename,
                                actor_id=current_user.id, deactivate_missing=form.deactivate_missing.data == "1")
        outcome = services.run_import(db, current_user.organisation, current_user, plan, filename=pending.filename,
                                      send_mail=form.handover.data != "links")
    except (services.ImportRefused, ImportFileError) as exc:
        db.rollback()
        return render_template("imports/upload.html", form=UploadForm(formdata=None), error=str(exc)), 400
    services.discard_file(db, pending)
    return render_template("imports/done.html", outcome=outcome)
