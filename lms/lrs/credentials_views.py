"""Admin page for the organisation's LRS client credentials: list, create (secret shown once), deactivate."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..db import get_session
from ..i18n import _, _l
from .credential_services import add_credential, deactivate_credential
from .models import LRSCredential

bp = Blueprint("xapi_admin", __name__, url_prefix="/admin/lrs", template_folder="templates")


class CredentialForm(FlaskForm):
    """Name and scope of a new LRS client credential."""

    name = StringField(_l("Name des Clients"), validators=[DataRequired(), Length(max=200)])
    scope = SelectField(_l("Berechtigung"), choices=[("all", _l("Lesen und Schreiben")), ("write", _l("Nur schreiben")),
                                                      ("read", _l("Nur lesen"))])


def _credentials():
    return get_session().scalars(select(LRSCredential).where(LRSCredential.org_id == current_user.org_id)
                                 .order_by(LRSCredential.active.desc(), LRSCredential.created_at.desc())).all()


@bp.route("/credentials", methods=["GET", "POST"])
def credentials():
    """List the organisation's credentials and create a new one; its secret is shown only in this response."""
    form = CredentialForm()
    created = None
    if form.validate_on_submit():
        credential, secret = add_credential(get_session(), current_user, form.name.data, form.scope.data)
        created = {"name": credential.name, "key": credential.key, "secret": secret}
        form = CredentialForm(formdata=None)
    endpoint = request.host_url.rstrip("/") + url_for("lms.xapi.statements").rsplit("/statements", 1)[0] + "/"
    response = render_template("xapi/credentials.html", form=form, credentials=_credentials(), created=created,
                               endpoint=endpoint)
    return response, 400 if form.errors else 200


@bp.route("/credentials/<int:credential_id>/deactivate", methods=["POST"])
def deactivate(credential_id: int):
    """Deactivate a credential of the admin's own organisation; clients using it get 401 from now on."""
    credential = g.credential
    deactivate_credential(get_session(), current_user, credential)
    flash(_("Zugang %(name)s wurde deaktiviert.", name=credential.name), "success")
    return redirect(url_for("lms.xapi_admin.credentials"))
