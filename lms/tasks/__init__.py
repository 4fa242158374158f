"""Practical tasks from the course package: hand-in by learners, rubric review by trainers, module requirement."""
from flask import Flask

from ..blueprint import add_child


def init_app(app: Flask) -> None:
    """Register the pages, the trainer link, the lesson-page links and the module-completion requirement."""
    from .. import nav
    from ..i18n import _l
    from . import demo, review_views, services, views  # review_views adds its routes to views.bp

    add_child(views.bp)
    app.extensions.setdefault("lms_lesson_extras", []).append(views.lesson_tasks)
    app.extensions.setdefault("lms_module_requirements", []).append(services.module_tasks_done)
    app.extensions.setdefault("lms_report_extras", []).append(review_views.report_extra)
    app.extensions.setdefault("lms_demo_loaders", []).append(demo.load_hand_in)
    nav.register(app, "lms.tasks.review_list", _l("Aufgaben"), ("trainer", "admin"))
