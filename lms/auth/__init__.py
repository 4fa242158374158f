"""Accounts, roles and organisations."""
from functools import cache

from flask import Flask, current_app, request
from flask_login import LoginManager
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, lazyload

from ..extension import of as lms_of


def _load_user(token: str):
    """The session user: the ORM ``User`` for a request that may write or outside the LMS's paths (a host's pages),
    else the lighter read-only ``SessionUser`` (session_user.py; same query, same conditions)."""
    from ..db import get_session, write_intent

    if write_intent.get() or not lms_of(current_app).owns_path(request.path):
        return get_session().scalar(_session_user_query(), {"token": token})
    from . import session_user

    return session_user.load(get_session(), token)


@cache
def _session_user_query():
    """The signed-in user by session token, built once (SQLAlchemy then reuses its compiled form); the
    organisation comes in the same query because every page reads it (idle timeout, header); the department
    (joined by default) only when a page asks for it: no learner page does."""
    from .models import User

    return (select(User).options(joinedload(User.organisation), lazyload(User.department))
            .where(User.session_token == bindparam("token"), User.active.is_(True)))


def init_app(app: Flask) -> None:
    """Install Flask-Login, the auth blueprint and the CLI commands."""
    from .. import nav
    from ..i18n import _l
    from . import cli, cookie, sessions, user_admin, views  # noqa: F401  (user_admin adds routes to views.bp)

    from .host import sync_host_identity

    lms = lms_of(app)
    cookie.install(app)
    # One LoginManager per app (not a module global), so two mounted LMSs keep their own settings.
    login_manager = LoginManager(app)
    login_manager.login_view = "lms.auth.login"
    login_manager.session_protection = "basic"
    login_manager.login_message = _l("Bitte melden Sie sich an.")
    login_manager.user_loader(_load_user)
    cookie.remember_identifiers(login_manager)

    @app.before_request
    def _lms_session_checks():
        # Only the LMS's own paths: a host's pages keep the host's rules. First follow the host's signed-in user
        # (if the host gave an identity loader), then end expired or revoked sessions, then hold users with a
        # temporary password at the password page.
        if not lms.owns_path(request.path):
            return None
        sync_host_identity()
        sessions.check_session()
        return sessions.password_change_redirect()

    lms.add_blueprint(views.bp)
    nav.register(app, "lms.auth.organisation", _l("Organisation"), ("admin",))
    app.cli.add_command(cli.demo_cli)
    app.cli.add_command(cli.users_cli)
