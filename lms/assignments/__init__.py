"""Assignments: courses assigned to people, departments or the organisation, with due dates and statuses."""
from flask import Flask

from ..blueprint import add_child


def init_app(app: Flask) -> None:
    """Register the trainer pages, the learner panel, the completion receivers and the xAPI statements."""
    from .. import nav, signals
    from ..i18n import _l
    from . import demo, departments, services, statements, views  # noqa: F401 - departments adds its routes

    app.config.setdefault("ASSIGNMENT_DUE_SOON_DAYS", 7)
    app.config.setdefault("ASSIGNMENT_EXPIRING_DAYS", 30)
    add_child(views.bp)
    nav.register(app, "lms.assignments.manage", _l("Zuweisungen"), ("trainer", "admin"))
    nav.register(app, "lms.assignments.departments", _l("Abteilungen"), ("admin",))
    app.extensions.setdefault("lms_home_panels", []).append(views.learner_panel)
    app.extensions.setdefault("lms_demo_loaders", []).append(demo.load_assignments)
    app.extensions.setdefault("lms_enrol_guards", []).append(services.may_self_enrol)
    app.extensions.setdefault("lms_report_extras", []).append(views.overdue_extra)
    signals.course_completed.connect(services.on_course_completed)
    signals.certificate_issued.connect(services.on_certificate_issued)
    for signal, receiver in statements.CONNECTIONS:
        signal.connect(receiver)
