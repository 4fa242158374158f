"""Admin page: the time zone in which the organisation's dates and times are shown."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField

from ..db import get_session
from ..i18n import _, _l
from . import organisation_timezone
from .services import set_organisation_timezone, timezone_choices

bp = Blueprint("localtime", __name__, template_folder="templates")


class TimezoneForm(FlaskForm):
    """The organisation's time zone."""

    timezone = SelectField(_l("Zeitzone"))


@bp.route("/admin/timezone", methods=["GET", "POST"])
def timezone():
    """Show and change the organisation's time zone (dates and times on every page and in exports)."""
    current = organisation_timezone() or current_app.config["BABEL_DEFAULT_TIMEZONE"]
    form = TimezoneForm(timezone=current)
    form.timezone.choices = [(name, name) for name in timezone_choices()]
    if form.validate_on_submit():
        set_organisation_timezone(get_session(), current_user.org_id, form.timezone.data)
        flash(_("Zeitzone gespeichert: %(tz)s.", tz=form.timezone.data), "success")
        return redirect(url_for("lms.localtime.timezone"))
    return render_template("localtime/timezone.html", form=form), 400 if form.errors else 200
