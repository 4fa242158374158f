"""Accounts, roles and organisations."""
from flask import Flask
from flask_login import LoginManager
from sqlalchemy import select

from ..extension import of as lms_of

login_manager = LoginManager()
login_manager.login_view = "lms.auth.login"
login_manager.session_protection = "basic"


@login_manager.user_loader
def _load_user(token: str):
    from ..db import get_session
    from .models import User

    return get_session().scalar(select(User).where(User.session_token == token, User.active.is_(True)))


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
    lms_of(app).add_blueprint(views.bp)
    nav.register(app, "lms.auth.organisation", _l("Organisation"), ("admin",))
    app.cli.add_command(cli.demo_cli)
    app.cli.add_command(cli.users_cli)
