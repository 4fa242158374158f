"""The built-in LRS: Statement, State, Activity/Agent Profile, Activities, Agents and About Resources.

It knows nothing of courses, quizzes or certificates: it stores, validates and answers statements for the
organisations and client credentials it is given. The app's own statements come from lms.xapi.
"""
import importlib

from flask import Flask, request

from ..extension import of as lms_of


def init_app(app: Flask) -> None:
    """Register the LRS and the credentials page and exempt the LRS from CSRF."""
    from .. import nav
    from ..i18n import _l
    from ..security import csrf
    from . import credentials_views, statements_views
    from .lrs_auth import RESPONSE_VERSION, response_version

    app.config.setdefault("XAPI_MAX_BODY", 10 * 1024 * 1024)
    app.config.setdefault("XAPI_MAX_LIMIT", statements_views.DEFAULT_MAX_LIMIT)
    # The version an answer names when the request names none (or an unsupported one): 1.0.3 or 2.0.0.
    app.config.setdefault("XAPI_DEFAULT_VERSION", RESPONSE_VERSION)
    # LRS clients authenticate with HTTP Basic per request, never with a browser session, so CSRF does not apply.
    csrf.exempt(statements_views.bp)
    csrf.exempt(statements_views.statements)
    lms_of(app).add_blueprint(statements_views.bp)
    lms_of(app).add_blueprint(credentials_views.bp)
    try:  # the Document Resources (State, Profiles, Activities, Agents, About) live in their own module
        documents_views = importlib.import_module(f"{__name__}.documents_views")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.documents_views":
            raise
    else:
        documents_views.init_app(app)
    nav.register(app, "lms.xapi_admin.credentials", _l("LRS-Zugänge"), roles=("admin",))
    xapi_prefix = lms_of(app).url_prefix + "/xapi/"

    @app.after_request
    def _xapi_version_header(response):
        # Communication 3.3: every LRS response carries the version, routing errors (404/405) included.
        if request.path.startswith(xapi_prefix):
            response.headers.setdefault("X-Experience-API-Version", response_version())
        return response
