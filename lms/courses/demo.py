"""Demo progress for `flask demo load`: a few learners part-way through the first course, via the real services."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.models import User
from ..catalog import get_catalog
from . import services

# e-mail → (lessons to complete, lessons only opened), counted from the start of the course.
DEMO_PROGRESS = {
    "lena@muster.example": (8, 1),
    "jonas@muster.example": (2, 1),
    "kim@beispiel.example": (3, 0),
}


def load_progress(db: Session) -> None:
    """Enrol the demo learners and record lesson visits and completions, once (skipped if already enrolled).

    Everything goes through the course services, so the xAPI statements and projections are the real ones.
    """
    courses = list(get_catalog().courses.values())
    if not courses:
        return
    course = courses[0]
    for email, (done, opened) in DEMO_PROGRESS.items():
        user = db.scalar(select(User).where(User.email == email))
        if user is None or services.get_enrolment(db, user, course) is not None:
            continue
        enrolment = services.enrol(db, user, course)
        for lesson in course.lessons[:done]:
            services.open_lesson(db, user, course, enrolment, lesson)
            services.complete_lesson(db, user, course, enrolment, lesson)
        for lesson in course.lessons[done:done + opened]:
            services.open_lesson(db, user, course, enrolment, lesson)
