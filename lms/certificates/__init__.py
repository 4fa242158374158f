"""Completion certificates: PDF, signed credential, public verification, revocation."""
from flask import Flask

from ..extension import of as lms_of


def init_app(app: Flask) -> None:
    """Register the pages, issue certificates on course completion, and plug into course and report pages."""
    from .. import nav, signals
    from ..i18n import _l
    from . import services, views

    lms_of(app).add_blueprint(views.bp)
    signals.course_completed.connect(services.on_course_completed)
    nav.register(app, "lms.certificates.mine", _l("Zertifikate"), ("learner", "trainer", "admin"))
    lms_of(app).add_hook("course_extras", views.course_link)
    lms_of(app).add_hook("learner_report_extras", views.staff_learner_extra)
    lms_of(app).add_hook("report_extras", views.expiring_extra)
