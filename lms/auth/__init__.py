"""Accounts, roles and organisations."""
from functools import cache

from flask import Flask
from flask_login import LoginManager
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from ..blueprint import add_child

login_manager = LoginManager()
login_manager.login_view = "lms.auth.login"
login_manager.session_protection = "basic"


@login_manager.user_loader
def _load_user(token: str):
    from ..db import get_session

    return get_session().scalar(_session_user_query(), {"token": token})


@cache
def _session_user_query():
    """The signed-in user by session token, built once (SQLAlchemy then reuses its compiled form); the
    organisation comes in the same query because every page reads it (idle timeout, header)."""
    from .models import User

    return (select(User).options(joinedload(User.organisation))
            .where(User.session_token == bindparam("token"), User.active.is_(True)))


def init_app(app: Flask) -> None:
    """Install Flask-Login, the auth blueprint and the CLI commands."""
    from .. import nav
    from ..i18n import _l
    from . import cli, sessions, user_admin, views  # noqa: F401  (user_admin adds routes to views.bp)

    login_manager.login_message = _l("Bitte melden Sie sich an.")
    login_manager.init_app(app)
    # Every request: end expired or revoked sessions first, then hold users with a temporary password at the
    # password page.
    app.before_request(sessions.check_session)
    app.before_request(sessions.password_change_redirect)
    add_child(views.bp)
    nav.register(app, "lms.auth.organisation", _l("Organisation"), ("admin",))
    app.cli.add_command(cli.demo_cli)
    app.cli.add_command(cli.users_cli)
