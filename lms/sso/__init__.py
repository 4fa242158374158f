"""Single sign-on: OpenID Connect and SAML 2.0 identity providers per organisation."""
from flask import Flask

from ..extension import of as lms_of


def init_app(app: Flask) -> None:
    """Register the SSO pages and the admin navigation entry."""
    from .. import nav
    from ..i18n import _l
    from . import admin_views, services, views  # noqa: F401  (admin_views adds its routes to views.bp)

    lms_of(app).add_blueprint(views.bp)
    lms_of(app).add_hook("password_login_checks", services.password_login_refusal)
    nav.register(app, "lms.sso.admin", _l("Single Sign-on"), ("admin",))
