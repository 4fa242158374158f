"""Courses: content packages, enrolment and lesson progress."""
from flask import Flask

from ..blueprint import add_child


def init_app(app: Flask) -> None:
    """Load the content catalog and register the learner pages and the content CLI."""
    from .. import catalog, fragments, nav
    from ..i18n import _l
    from . import cli, demo, views

    catalog.init_app(app)
    fragments.init_app(app)
    add_child(views.bp)
    app.cli.add_command(cli.content_cli)
    app.extensions.setdefault("lms_demo_loaders", []).append(demo.load_progress)
    app.jinja_env.globals["lesson_html"] = views.lesson_html
    nav.register(app, "lms.courses.review_due", _l("Inhaltsprüfung"), ("admin",))
