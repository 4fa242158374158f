"""Needs questionnaire that tailors the learning path, the guideline builder, and the published guideline."""
from flask import Flask

from ..blueprint import add_child

#: The endpoint courses' start() redirects to after enrolling when the course has a questionnaire.
QUESTIONNAIRE_ENDPOINT = "lms.guidelines.questionnaire"


def init_app(app: Flask) -> None:
    """Validate every questionnaire (a broken one stops the app), register pages, links and the enrol hook."""
    from .. import nav
    from ..i18n import _l
    from . import builder_views, published_views, services, staff_views, views  # noqa: F401 (routes on views.bp)

    services.check_startup(app)
    add_child(views.bp)
    app.config.setdefault("AFTER_ENROL_ENDPOINT", QUESTIONNAIRE_ENDPOINT)
    app.extensions.setdefault("lms_course_extras", []).append(views.course_links)
    app.extensions.setdefault("lms_module_extras", []).append(views.module_links)
    nav.register(app, "lms.guidelines.index", _l("Richtlinie"), ("learner", "trainer", "admin"))
    nav.register(app, "lms.guidelines.team", _l("Lernpfade"), ("trainer", "admin"))
