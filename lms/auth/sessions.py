"""The one way into and out of a signed-in session, and the checks every request makes on it.

Every login method (the password form here; SSO, LTI or others later) calls ``start_session(user)`` after it has
established who the user is, and every way out calls ``end_session(user)``. A session is bound to the user's
``session_token`` (Flask-Login's user id), so rotating the token ends every session of the user on the server,
whatever cookies were captured. On each request ``check_session`` ends sessions that were idle too long (an
organisation setting, default SESSION_IDLE_MINUTES) or that are older than SESSION_ABSOLUTE_HOURS.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..clock import now
from ..i18n import _
from .models import User

STARTED = "_lms_started"
SEEN = "_lms_seen"
SEEN_RESOLUTION_SECONDS = 30


def clear_session() -> None:
    """Empty the session cookie, except the keys a host app declared as its own (HOST_SESSION_KEYS): mounted in
    a host, the LMS ends its own sign-in without signing the person out of the host."""
    kept = {key: session[key] for key in current_app.config.get("HOST_SESSION_KEYS", ()) if key in session}
    session.clear()
    session.update(kept)


def start_session(user: User) -> None:
    """Sign a user in: a fresh session (nothing of the LMS's from before carries over), with its start and
    last-seen times."""
    clear_session()
    moment = now()
    user.last_login_at = moment
    login_user(user)
    session[STARTED] = session[SEEN] = moment.timestamp()


def end_session(user: User | None = None) -> None:
    """Sign out: rotate the user's session token, so every copy of this and any other session cookie is dead."""
    if user is not None:
        user.rotate_session_token()
    logout_user()
    clear_session()


def restart_session(user: User) -> None:
    """After the user's token rotated (own password change): keep this session, with the same start time."""
    started = session.get(STARTED)
    login_user(user)
    session[STARTED] = started if started is not None else now().timestamp()
    session[SEEN] = now().timestamp()


def idle_limit(user: User) -> timedelta:
    """How long this user's session may sit unused: the organisation's setting, else the app default."""
    minutes = user.organisation.session_idle_minutes or current_app.config["SESSION_IDLE_MINUTES"]
    return timedelta(minutes=minutes)


def expired(user: User, moment: datetime) -> bool:
    """Whether the current session is past its idle timeout or its absolute lifetime (or has no times at all)."""
    started, seen = session.get(STARTED), session.get(SEEN)
    if not isinstance(started, (int, float)) or not isinstance(seen, (int, float)):
        return True
    absolute = timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])
    stamp = moment.timestamp()
    return stamp - started > absolute.total_seconds() or stamp - seen > idle_limit(user).total_seconds()


def check_session() -> None:
    """Before each request: end an expired session, else note that it was used now."""
    if "_user_id" not in session:
        return
    user = current_user._get_current_object()  # resolved once: every access through the proxy costs
    if not user.is_authenticated:  # token rotated or user deactivated: the cookie is worthless
        clear_session()
        return
    moment = now()
    if expired(user, moment):
        logout_user()
        clear_session()
        flash(_("Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an."), "info")
        return
    stamp = moment.timestamp()
    # Rewriting the signed cookie on every request costs more than the rest of a small page; a last-seen time up
    # to SEEN_RESOLUTION old only ever ends an idle session that much earlier, never later.
    if stamp - session[SEEN] >= SEEN_RESOLUTION_SECONDS:
        session[SEEN] = stamp


# Reachable while a temporary password is still in use: the page that sets a new one, signing out, the language
# switch, static files and the health check. Everything else redirects to the password page.
OPEN_WHILE_TEMPORARY = frozenset({"lms.auth.account", "lms.auth.logout", "lms.auth.language", "lms.static",
                                  "lms.healthz"})


def password_change_redirect():
    """Before each request: a user with a temporary password may only set a new one (or sign out)."""
    user = current_user._get_current_object()
    if not user.is_authenticated or not user.must_change_password:
        return None
    if request.endpoint in OPEN_WHILE_TEMPORARY:
        return None
    return redirect(url_for("lms.auth.account"))
