"""Password links, forgot password, mail preferences and one-click unsubscribe; the admins' mail pages."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import delete, func, select, update

from .. import clock
from ..auth.decorators import role_required
from ..auth.models import User
from ..auth.services import AccountError
from ..converters import id_arg
from ..db import get_session
from ..i18n import _
from .. import ratelimit
from . import render, services, tokens
from .forms import ForgotForm, PreferencesForm, SetPasswordForm
from .models import DEAD, PENDING, SENT, Mail

bp = Blueprint("mail", __name__, template_folder="templates")


def _forgot_allowed() -> bool:
    """Each request may queue a mail, so a client address gets a few per quarter hour (the answer stays the same)."""
    return ratelimit.allow(get_session(), f"forgot:{request.remote_addr or '-'}",
                           int(current_app.config["MAIL_FORGOT_LIMIT"]), 15 * 60)


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot():
    """Ask for a reset link; the answer is the same whether or not the address has an account."""
    form = ForgotForm()
    if form.validate_on_submit():
        if _forgot_allowed():
            services.request_reset(get_session(), form.email.data)
        return render_template("mail/forgot.html", form=None, done=True)
    return render_template("mail/forgot.html", form=form, done=False), 400 if form.errors else 200


@bp.route("/password/set", methods=["GET", "POST"])
def set_password():
    """Set a password with an invitation or reset link (?token=…); the link works once."""
    token = request.args.get("token", "")
    db = get_session()
    found = tokens.lookup(db, token)
    if found is None:
        return render_template("mail/set_password.html", form=None, invalid=True), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.set_password_with_token(db, token, form.new.data)
        except AccountError as exc:
            form.new.errors.append(_(str(exc)))
        else:
            if user is not None:
                flash(_("Ihr Passwort ist gesetzt. Bitte melden Sie sich an."), "success")
                return redirect(url_for("lms.auth.login"))
            return render_template("mail/set_password.html", form=None, invalid=True), 400
    return render_template("mail/set_password.html", form=form, invalid=False, purpose=found[0].purpose,
                           email=found[1].email), 400 if form.errors else 200


@bp.route("/mail/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    """Switch optional mails (reminders, weekly digest) on or off."""
    db = get_session()
    user = db.get(User, current_user.id)
    pref = db.get(services.MailPreference, user.id)
    form = PreferencesForm(reminders=pref.reminders if pref else True, digest=pref.digest if pref else True)
    if form.validate_on_submit():
        services.set_preference(db, user, "reminders", form.reminders.data)
        services.set_preference(db, user, "digest", form.digest.data)
        flash(_("Gespeichert."), "success")
        return redirect(url_for("lms.mail.preferences"))
    return render_template("mail/preferences.html", form=form), 400 if form.errors else 200


@bp.route("/mail/unsubscribe", methods=["GET", "POST"])
def unsubscribe():
    """One-click unsubscribe (RFC 8058 POST from mail programs, or the confirm button) with a signed token."""
    found = render.read_unsubscribe_token(request.args.get("token", ""))
    db = get_session()
    user = db.get(User, found[0]) if found else None
    if user is None:
        return render_template("mail/unsubscribe.html", invalid=True, done=False), 400
    if request.method == "POST":
        services.set_preference(db, user, found[1], False)
        return render_template("mail/unsubscribe.html", invalid=False, done=True, topic=found[1])
    return render_template("mail/unsubscribe.html", invalid=False, done=False, topic=found[1])


@bp.route("/admin/users/<int:user_id>/send-reset", methods=["POST"])
@role_required("admin")
def send_reset(user_id: int):
    """Send a user of the admin's organisation a reset link (instead of handing over a temporary password)."""
    db = get_session()
    user = db.scalar(select(User).where(User.id == user_id, User.org_id == current_user.org_id))
    if user is None:
        abort(404)
    services.send_reset(db, user)
    flash(_("Link zum Zurücksetzen an %(email)s wird verschickt.", email=user.email), "success")
    return redirect(url_for("lms.auth.users"))


@bp.route("/admin/mail")
@role_required("admin")
def outbox():
    """The organisation's mails: pending, sent (in development: kept, with their text) and dead letters."""
    db = get_session()
    status = request.args.get("status", "")
    query = select(Mail).where(Mail.org_id == current_user.org_id)
    if status in (PENDING, SENT, DEAD):
        query = query.where(Mail.status == status)
    mails = db.scalars(query.order_by(Mail.id.desc()).limit(200)).all()
    counts = dict(db.execute(select(Mail.status, func.count()).where(Mail.org_id == current_user.org_id)
                             .group_by(Mail.status)).all())
    shown, rendered = None, None
    show = id_arg(request.args.get("show"))
    if show is not None:
        shown = db.scalar(select(Mail).where(Mail.id == show, Mail.org_id == current_user.org_id))
        if shown is None:
            abort(404)
        rendered = render.render(shown) if _dev_mode() else None
    return render_template("mail/outbox.html", mails=mails, counts=counts, status=status, shown=shown,
                           rendered=rendered, dev_mode=_dev_mode())


def _dev_mode() -> bool:
    return not current_app.config.get("MAIL_SMTP_HOST")


@bp.route("/admin/mail/dead", methods=["POST"])
@role_required("admin")
def dead_action():
    """Retry or discard the organisation's dead letters."""
    action = request.form.get("action")
    if action not in ("retry", "discard"):
        abort(400)
    db = get_session()
    where = (Mail.org_id == current_user.org_id, Mail.status == DEAD)
    if action == "retry":
        count = db.execute(update(Mail).where(*where).values(status=PENDING, attempts=0, next_attempt_at=clock.now(),
                                                             last_error="")).rowcount
    else:
        count = db.execute(delete(Mail).where(*where)).rowcount
    flash(_("%(n)d Nachricht(en) bearbeitet.", n=count), "success")
    return redirect(url_for("lms.mail.outbox", status=DEAD))
