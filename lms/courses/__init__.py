"""Courses: content packages, enrolment and lesson progress."""
from flask import Flask

from ..extension import of as lms_of


def init_app(app: Flask) -> None:
    """Load the content catalog and register the learner pages and the content CLI."""
    from .. import catalog, fragments, nav
    from ..i18n import _l
    from . import cli, demo, views

    catalog.init_app(app)
    fragments.init_app(app)
    lms_of(app).add_blueprint(views.bp)
    app.cli.add_command(cli.content_cli)
    lms_of(app).add_hook("demo_loaders", demo.load_progress)
    app.jinja_env.globals["lesson_html"] = views.lesson_html
    nav.register(app, "lms.courses.review_due", _l("Inhaltsprüfung"), ("admin",))
