"""Completion certificates: PDF, signed credential, public verification, revocation."""
from flask import Flask

from ..blueprint import add_child


def init_app(app: Flask) -> None:
    """Register the pages, issue certificates on course completion, and plug into course and report pages."""
    from .. import nav, signals
    from ..i18n import _l
    from . import services, views

    add_child(views.bp)
    signals.course_completed.connect(services.on_course_completed)
    nav.register(app, "lms.certificates.mine", _l("Zertifikate"), ("learner", "trainer", "admin"))
    app.extensions.setdefault("lms_course_extras", []).append(views.course_link)
    app.extensions.setdefault("lms_learner_report_extras", []).append(views.staff_learner_extra)
    app.extensions.setdefault("lms_report_extras", []).append(views.expiring_extra)
