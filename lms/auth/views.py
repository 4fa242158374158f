"""Sign-in, sign-out, own account, and user administration within the admin's organisation."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..clock import now
from ..db import get_session
from ..i18n import _
from . import admin_services, services, sessions, signin, throttle
from .forms import ChangePasswordForm, LoginForm, OrganisationForm, ProfileForm, RoleForm, UserForm
from .models import User

bp = Blueprint("auth", __name__, template_folder="templates")


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are allowed as a redirect target (no scheme, host, backslash or control chars)."""
    if not target or len(target) > 2000:
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F or ch == "\\" for ch in target):
        return None  # CR/LF would split the Location header; browsers read "\\" as "/" ("/\\evil" = "//evil")
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
        admin_services.set_locale(get_session(), current_user.id, lang)
    response = redirect(_safe_next(request.form.get("next")) or url_for("lms.home"))
    response.set_cookie("lms_lang", lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                        secure=request.is_secure or bool(current_app.config.get("SECURE_COOKIES")))
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show and handle the sign-in form."""
    if current_user.is_authenticated:
        return redirect(url_for("lms.home"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form, error=None)
    db = get_session()
    limits = throttle.keys_and_limits(form.email.data)
    keys = list(limits)
    # The password hash is checked with no transaction open and the sign-in is recorded in one short transaction of
    # its own, so other writers never wait for a hash (see auth/signin.py).
    verdict = signin.check_password(db, form.email.data, form.password.data, keys)
    if verdict.locked:
        return _too_many_failures(form)
    user, refusal = verdict.user, verdict.refusal
    if user is not None and refusal:  # e.g. the organisation signs its people in through its identity provider only
        return render_template("auth/login.html", form=form, error=refusal), 403
    cleared = [key for key in keys if not key.startswith("address:")]
    if user is not None and signin.record_sign_in(verdict, keys, cleared, now()):
        sessions.start_session(user)
        if user.must_change_password:
            return redirect(url_for("lms.auth.account"))
        return redirect(_safe_next(request.args.get("next")) or url_for("lms.home"))
    if signin.locked_meanwhile(db, keys):
        return _too_many_failures(form)
    cfg = current_app.config
    throttle.record_failure(db, limits, window=cfg["LOGIN_WINDOW_SECONDS"], lock=cfg["LOGIN_LOCK_SECONDS"])
    return render_template("auth/login.html", form=form, error=_("E-Mail oder Passwort ist falsch."))


def _too_many_failures(form: LoginForm):
    return render_template("auth/login.html", form=form,
                           error=_("Zu viele fehlgeschlagene Anmeldungen. Bitte später erneut versuchen.")), 429


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out (POST only, so a link or image cannot sign anyone out); the session ends on the server too."""
    user = get_session().get(User, current_user.id) if current_user.is_authenticated else None
    sessions.end_session(user)
    return redirect(url_for("lms.auth.login"))


@bp.route("/account", methods=["GET", "POST"])
def account():
    """Change one's own password (required first after a temporary one) and language."""
    pw_form = ChangePasswordForm(prefix="pw")
    profile_form = ProfileForm(prefix="profile", locale=current_user.locale)
    db = get_session()
    action = request.form.get("action") if request.method == "POST" else None
    status = 200
    if action == "password" and pw_form.validate_on_submit():
        user = db.get(User, current_user.id)
        try:
            services.change_own_password(db, user, pw_form.current.data, pw_form.new.data)
        except services.AccountError as exc:
            pw_form.new.errors.append(_(str(exc)))
            status = 400
        else:
            sessions.restart_session(user)  # the token rotated: keep this session, end the others
            flash(_("Ihr Passwort wurde geändert."), "success")
            return redirect(url_for("lms.auth.account"))
    elif action == "profile" and not current_user.must_change_password and profile_form.validate_on_submit():
        admin_services.set_locale(db, current_user.id, profile_form.locale.data)
        flash(_("Gespeichert."), "success")
        return redirect(url_for("lms.auth.account"))
    return render_template("auth/account.html", pw_form=pw_form, profile_form=profile_form), status


def _users_page(form: UserForm, new_password=None, status: int = 200):
    people = get_session().scalars(select(User).where(User.org_id == current_user.org_id).order_by(User.name)).all()
    return render_template("auth/users.html", form=form, users=people, new_password=new_password,
                           role_form=RoleForm(formdata=None)), status


@bp.route("/admin/users", methods=["GET", "POST"])
def users():
    """List and create users of the admin's organisation; new users get a temporary password."""
    db = get_session()
    form = UserForm()
    if not form.validate_on_submit():
        return _users_page(form, status=400 if form.errors else 200)
    try:
        user, password = admin_services.add_user(
            db, current_user, email=form.email.data, name=form.name.data, role=form.role.data,
            department=form.department.data or "", locale=form.locale.data, handover=form.handover.data)
    except services.AccountError as exc:
        form.email.errors.append(_(str(exc)))
        return _users_page(form, status=400)
    if form.handover.data == "invite":
        flash(_("Einladung an %(email)s wird verschickt.", email=user.email), "success")
        return _users_page(UserForm(formdata=None))
    return _users_page(UserForm(formdata=None), new_password=(user.email, password))


@bp.route("/admin/users/<int:user_id>/reset-password", methods=["POST"])
def reset_password(user_id: int):
    """Give a user a new temporary password (shown once) and end their sessions."""
    user = g.user
    password = admin_services.reset_password(get_session(), current_user, user)
    if user.id == current_user.id:
        return redirect(url_for("lms.auth.login"))  # one's own reset ends one's own session as well
    return _users_page(UserForm(formdata=None), new_password=(user.email, password))


@bp.route("/admin/users/<int:user_id>/role", methods=["POST"])
def change_role(user_id: int):
    """Give a user of the organisation another role (not oneself, so an organisation keeps an admin)."""
    user = g.user
    form = RoleForm()
    if user.id == current_user.id or not form.validate_on_submit():
        abort(400)
    admin_services.change_role(get_session(), current_user, user, form.role.data)
    flash(_("Die Rolle von %(name)s wurde geändert.", name=user.name), "success")
    return redirect(url_for("lms.auth.users"))


@bp.route("/admin/users/<int:user_id>/deactivate", methods=["POST"])
def deactivate(user_id: int):
    """Deactivate a user; their sessions end at once."""
    user = g.user
    if user.id == current_user.id:
        flash(_("Sie können sich nicht selbst deaktivieren."), "error")
    else:
        admin_services.deactivate(get_session(), current_user, user)
        flash(_("%(name)s wurde deaktiviert.", name=user.name), "success")
    return redirect(url_for("lms.auth.users"))


@bp.route("/admin/users/<int:user_id>/activate", methods=["POST"])
def activate(user_id: int):
    """Reactivate a user."""
    user = g.user
    admin_services.activate(get_session(), current_user, user)
    flash(_("%(name)s wurde aktiviert.", name=user.name), "success")
    return redirect(url_for("lms.auth.users"))


@bp.route("/admin/organisation", methods=["GET", "POST"])
def organisation():
    """Settings of the admin's organisation: xAPI actor, pseudonymous reports, inactivity days, session timeout."""
    org = current_user.organisation
    cfg = current_app.config
    form = OrganisationForm(actor_mode=org.actor_mode, pseudonymous_reports="1" if org.pseudonymous_reports else "0",
                            inactivity_days=org.inactivity_days or cfg["INACTIVITY_DAYS"],
                            session_idle_minutes=org.session_idle_minutes or cfg["SESSION_IDLE_MINUTES"],
                            self_enrolment="1" if org.self_enrolment else "0")
    if form.validate_on_submit():
        admin_services.update_organisation(get_session(), current_user, org, {
            "actor_mode": form.actor_mode.data, "pseudonymous_reports": form.pseudonymous_reports.data == "1",
            "inactivity_days": form.inactivity_days.data,
            "session_idle_minutes": form.session_idle_minutes.data or None,  # empty: the app default
            "self_enrolment": form.self_enrolment.data == "1"})
        flash(_("Einstellungen gespeichert."), "success")
        return redirect(url_for("lms.auth.organisation"))
    return render_template("auth/organisation.html", form=form, org=org), 400 if form.errors else 200
