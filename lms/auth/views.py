"""Sign-in, sign-out, own account, and user administration within the admin's organisation."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from urllib.parse import urlsplit

from ..db import get_session, utcnow
from ..i18n import _
from . import services
from .decorators import role_required
from .forms import ChangePasswordForm, LoginForm, OrganisationForm, ProfileForm, UserForm
from .models import User

bp = Blueprint("auth", __name__, template_folder="templates")


def _throttle_keys(email: str) -> list[str]:
    return [f"account:{email.strip().lower()}", f"ip:{request.remote_addr or '-'}"]


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are allowed as a post-login redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/language", methods=["POST"])
def language():
    """Switch the interface language: kept in a cookie, and for a signed-in user in their profile."""
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    if current_user.is_authenticated:
        get_session().get(User, current_user.id).locale = lang
    response = redirect(_safe_next(request.form.get("next")) or url_for("lms.home"))
    response.set_cookie("lms_lang", lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                        secure=request.is_secure)
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show and handle the sign-in form."""
    if current_user.is_authenticated:
        return redirect(url_for("lms.home"))
    form = LoginForm()
    if form.validate_on_submit():
        db = get_session()
        cfg = current_app.config
        keys = _throttle_keys(form.email.data)
        if services.is_locked(db, keys):
            return render_template("auth/login.html", form=form,
                                   error=_("Zu viele fehlgeschlagene Anmeldungen. Bitte später erneut versuchen.")), 429
        user = services.authenticate(db, form.email.data, form.password.data)
        if user is None:
            services.record_failure(db, keys, max_failures=cfg["LOGIN_MAX_FAILURES"],
                                    window=cfg["LOGIN_WINDOW_SECONDS"], lock=cfg["LOGIN_LOCK_SECONDS"])
            return render_template("auth/login.html", form=form, error=_("E-Mail oder Passwort ist falsch."))
        services.clear_failures(db, keys[0])
        for refusal in (check(db, user) for check in current_app.extensions.get("lms_password_login_checks", [])):
            if refusal:  # e.g. the organisation signs its people in through its identity provider only
                return render_template("auth/login.html", form=form, error=refusal), 403
        session.clear()  # a fresh session at sign-in: nothing from before carries over
        user.last_login_at = utcnow()
        login_user(user)
        if user.must_change_password:
            return redirect(url_for("lms.auth.account"))
        return redirect(_safe_next(request.args.get("next")) or url_for("lms.home"))
    return render_template("auth/login.html", form=form, error=None)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out (POST only, so a link or image cannot sign anyone out)."""
    logout_user()
    session.clear()
    return redirect(url_for("lms.auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Change one's own password and language."""
    pw_form = ChangePasswordForm(prefix="pw")
    profile_form = ProfileForm(prefix="profile", locale=current_user.locale)
    db = get_session()
    action = request.form.get("action") if request.method == "POST" else None
    if action == "password" and pw_form.validate_on_submit():
        if not services.authenticate(db, current_user.email, pw_form.current.data):
            pw_form.current.errors.append(_("Das aktuelle Passwort stimmt nicht."))
        else:
            user = db.get(User, current_user.id)
            services.set_password(user, pw_form.new.data)
            login_user(user)  # the token rotated: keep this session, end the others
            flash(_("Ihr Passwort wurde geändert."), "success")
            return redirect(url_for("lms.auth.account"))
    elif action == "profile" and profile_form.validate_on_submit():
        user = db.get(User, current_user.id)
        user.locale = profile_form.locale.data
        flash(_("Gespeichert."), "success")
        return redirect(url_for("lms.auth.account"))
    return render_template("auth/account.html", pw_form=pw_form, profile_form=profile_form)


def _own_user(user_id: int) -> User:
    """A user of the admin's own organisation, else 404."""
    user = get_session().scalar(select(User).where(User.id == user_id, User.org_id == current_user.org_id))
    if user is None:
        abort(404)
    return user


@bp.route("/admin/users", methods=["GET", "POST"])
@role_required("admin")
def users():
    """List and create users of the admin's organisation."""
    db = get_session()
    form = UserForm()
    new_password = None
    if form.validate_on_submit():
        password = services.generate_password()
        try:
            services.create_user(db, current_user.organisation, email=form.email.data, name=form.name.data,
                                 password=password, role=form.role.data, department=form.department.data or "",
                                 locale=form.locale.data)
        except services.AccountError as exc:
            form.email.errors.append(_(str(exc)))
        else:
            db.flush()
            new_password = (form.email.data.strip().lower(), password)
            form = UserForm(formdata=None)
    people = db.scalars(select(User).where(User.org_id == current_user.org_id).order_by(User.name)).all()
    status = 200 if not form.errors else 400
    return render_template("auth/users.html", form=form, users=people, new_password=new_password), status


@bp.route("/admin/users/<int:user_id>/reset-password", methods=["POST"])
@role_required("admin")
def reset_password(user_id: int):
    """Give a user a new temporary password (shown once) and end their sessions."""
    user = _own_user(user_id)
    password = services.generate_password()
    services.set_password(user, password, temporary=True)
    db = get_session()
    people = db.scalars(select(User).where(User.org_id == current_user.org_id).order_by(User.name)).all()
    return render_template("auth/users.html", form=UserForm(formdata=None), users=people,
                           new_password=(user.email, password))


@bp.route("/admin/users/<int:user_id>/deactivate", methods=["POST"])
@role_required("admin")
def deactivate(user_id: int):
    """Deactivate a user; their sessions end at once."""
    user = _own_user(user_id)
    if user.id == current_user.id:
        flash(_("Sie können sich nicht selbst deaktivieren."), "error")
    else:
        services.deactivate_user(user)
        flash(_("%(name)s wurde deaktiviert.", name=user.name), "success")
    return redirect(url_for("lms.auth.users"))


@bp.route("/admin/users/<int:user_id>/activate", methods=["POST"])
@role_required("admin")
def activate(user_id: int):
    """Reactivate a user."""
    user = _own_user(user_id)
    user.active = True
    flash(_("%(name)s wurde aktiviert.", name=user.name), "success")
    return redirect(url_for("lms.auth.users"))


@bp.route("/admin/organisation", methods=["GET", "POST"])
@role_required("admin")
def organisation():
    """Settings of the admin's organisation: xAPI actor identification, pseudonymous reports, inactivity days."""
    org = current_user.organisation
    form = OrganisationForm(actor_mode=org.actor_mode, pseudonymous_reports="1" if org.pseudonymous_reports else "0",
                            inactivity_days=org.inactivity_days or current_app.config["INACTIVITY_DAYS"])
    if form.validate_on_submit():
        org.actor_mode = form.actor_mode.data
        org.pseudonymous_reports = form.pseudonymous_reports.data == "1"
        org.inactivity_days = form.inactivity_days.data
        flash(_("Einstellungen gespeichert."), "success")
        return redirect(url_for("lms.auth.organisation"))
    return render_template("auth/organisation.html", form=form, org=org), 400 if form.errors else 200
