"""Quiz engine: question types, attempts, server-side scoring, feedback, final exam."""
from flask import Flask

from ..blueprint import add_child


def init_app(app: Flask) -> None:
    """Register the quiz pages and hook quizzes into the course pages and completion rules."""
    from ..courses import services as course_services
    from . import services, views

    add_child(views.bp)
    app.extensions.setdefault("lms_module_extras", []).append(views.module_links)
    app.extensions.setdefault("lms_course_extras", []).append(views.course_links)
    course_services.set_final_exam_hook(services.final_exam_passed)
