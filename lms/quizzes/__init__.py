"""Quiz engine: question types, attempts, server-side scoring, feedback, final exam."""
from flask import Flask

from ..extension import of as lms_of


def init_app(app: Flask) -> None:
    """Register the quiz pages and hook quizzes into the course pages and completion rules."""
    from . import services, views

    lms_of(app).add_blueprint(views.bp)
    lms_of(app).add_hook("module_extras", views.module_links)
    lms_of(app).add_hook("course_extras", views.course_links)
    lms_of(app).set_hook("final_exam_passed", services.final_exam_passed)
