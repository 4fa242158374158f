"""Needs questionnaire that tailors the learning path, the guideline builder, and the published guideline."""
from flask import Flask

from ..extension import of as lms_of

#: The endpoint courses' start() redirects to after enrolling when the course has a questionnaire.
QUESTIONNAIRE_ENDPOINT = "lms.guidelines.questionnaire"


def init_app(app: Flask) -> None:
    """Validate every questionnaire (a broken one stops the app), register pages, links and the enrol hook."""
    from .. import nav
    from ..i18n import _l
    from . import services, views

    services.check_startup(app)
    lms_of(app).add_blueprint(views.bp)
    lms_of(app).set_hook("after_enrol_endpoint", QUESTIONNAIRE_ENDPOINT)
    lms_of(app).add_hook("course_extras", views.course_links)
    lms_of(app).add_hook("module_extras", views.module_links)
    nav.register(app, "lms.guidelines.index", _l("Richtlinie"), ("learner", "trainer", "admin"))
    nav.register(app, "lms.guidelines.team", _l("Lernpfade"), ("trainer", "admin"))
