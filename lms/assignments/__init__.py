"""Assignments: courses assigned to people, departments or the organisation, with due dates and statuses."""
from flask import Flask

from ..extension import of as lms_of


def init_app(app: Flask) -> None:
    """Register the trainer pages, the learner panel, the completion receivers and the xAPI statements."""
    from .. import nav, signals
    from ..i18n import _l
    from . import demo, departments, services, statements, views  # noqa: F401 - departments adds its routes

    app.config.setdefault("ASSIGNMENT_DUE_SOON_DAYS", 7)
    app.config.setdefault("ASSIGNMENT_EXPIRING_DAYS", 30)
    lms_of(app).add_blueprint(views.bp)
    nav.register(app, "lms.assignments.manage", _l("Zuweisungen"), ("trainer", "admin"))
    nav.register(app, "lms.assignments.departments", _l("Abteilungen"), ("admin",))
    lms_of(app).add_hook("home_panels", views.learner_panel)
    lms_of(app).add_hook("demo_loaders", demo.load_assignments)
    lms_of(app).add_hook("enrol_guards", services.may_self_enrol)
    lms_of(app).add_hook("report_extras", views.overdue_extra)
    signals.course_completed.connect(services.on_course_completed)
    signals.certificate_issued.connect(services.on_certificate_issued)
    for signal, receiver in statements.CONNECTIONS:
        signal.connect(receiver)
