"""cmi5: the course as a cmi5 course package, and the AU runtime for launches by an external cmi5 LMS."""
from flask import Flask

from ..extension import of as lms_of


def init_app(app: Flask) -> None:
    """Register the routes, the quiz receiver and the CLI."""
    from .. import nav, signals
    from ..i18n import _l
    from ..loops import register_pass
    from . import cli, views
    from .receivers import on_quiz_submitted
    from .relay import run_pass as relay_pass

    app.config.setdefault("CMI5_SEND_AFTER_RESPONSE", True)  # try the LMS's LRS right after each request
    signals.quiz_submitted.connect(on_quiz_submitted, weak=False)
    lms_of(app).add_blueprint(views.bp)
    nav.register(app, "lms.cmi5.admin", _l("cmi5/SCORM"), ("admin",))
    app.cli.add_command(cli.cmi5_cli)
    register_pass(app, "cmi5-statements", relay_pass)
