"""Practical tasks from the course package: hand-in by learners, rubric review by trainers, module requirement."""
from flask import Flask

from ..extension import of as lms_of


def init_app(app: Flask) -> None:
    """Register the pages, the trainer link, the lesson-page links and the module-completion requirement."""
    from .. import nav
    from ..i18n import _l
    from . import demo, review_views, services, views  # review_views adds its routes to views.bp

    lms_of(app).add_blueprint(views.bp)
    lms_of(app).add_hook("lesson_extras", views.lesson_tasks)
    lms_of(app).add_hook("module_requirements", services.module_tasks_done)
    lms_of(app).add_hook("report_extras", review_views.report_extra)
    lms_of(app).add_hook("demo_loaders", demo.load_hand_in)
    nav.register(app, "lms.tasks.review_list", _l("Aufgaben"), ("trainer", "admin"))
