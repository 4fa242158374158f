"""Admin user pages added on the auth blueprint: edit a user (name, department, role) and confirmation steps
before deactivating a user or resetting their password (plain pages, so they work without JavaScript)."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..db import get_session
from ..i18n import _, _l
from .forms import UserForm
from . import admin_services
from .views import bp

ROLE_CHOICES = UserForm.role.kwargs["choices"]


class UserEditForm(FlaskForm):
    """Name, department and role of a user of the admin's organisation."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    # A department name; a new name creates the department (as on the user form).
    department = StringField(_l("Abteilung / Gruppe"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Rolle"), choices=ROLE_CHOICES)


@bp.route("/admin/users/<int:user_id>/edit", methods=["GET", "POST"])
def edit_user(user_id: int):
    """Edit a user's name, department and role."""
    user = g.user
    form = UserEditForm(name=user.name, department=user.department_name, role=user.role)
    if form.validate_on_submit():
        try:
            admin_services.update_user(get_session(), current_user, user, name=form.name.data,
                                       department=form.department.data, role=form.role.data,
                                       roles=tuple(dict(ROLE_CHOICES)))
        except PermissionError:
            form.role.errors.append(_("Ihre eigene Rolle können Sie nicht ändern."))
        else:
            flash(_("Änderungen an %(name)s gespeichert.", name=user.name), "success")
            return redirect(url_for("lms.auth.users"))
    return render_template("auth/user_edit.html", form=form, user=user), 400 if form.errors else 200


@bp.route("/admin/users/<int:user_id>/confirm-deactivate")
def confirm_deactivate(user_id: int):
    """Ask before deactivating a user (the button posts to the deactivate action)."""
    return render_template("auth/user_confirm.html", user=g.user, action="deactivate")


@bp.route("/admin/users/<int:user_id>/confirm-reset-password")
def confirm_reset_password(user_id: int):
    """Ask before resetting a user's password (the button posts to the reset action)."""
    return render_template("auth/user_confirm.html", user=g.user, action="reset_password")


def user_matches(user: User, needle: str) -> bool:
    """Whether a lower-case search text occurs in the user's name, e-mail or department (users list search)."""
    return any(needle in (value or "").lower() for value in (user.name, user.email, user.department_name))


def role_label(role: str) -> str:
    """The role in the user's language (never the raw code)."""
    return str(dict(ROLE_CHOICES).get(role, role))


@bp.record_once
def _register_template_helpers(state) -> None:
    state.app.jinja_env.tests["user_matches"] = user_matches
    state.app.jinja_env.globals["role_label"] = role_label
