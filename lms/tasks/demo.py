"""Demo hand-in for `flask demo load`: one demo learner hands in the course's first task, via the real service."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.models import User
from ..catalog import get_catalog
from ..courses import services as courses
from . import services

DEMO_LEARNER = "lena@muster.example"
DEMO_ANSWER = "Beispielantwort aus den Demodaten: Wir starten klein mit einer Plattform und prüfen nach drei Monaten."


def load_hand_in(db: Session) -> None:
    """Hand in the first task that takes answers in the browser, once (skipped when a hand-in exists)."""
    catalog = get_catalog()
    user = db.scalar(select(User).where(User.email == DEMO_LEARNER))
    for course in catalog.courses.values():
        enrolment = courses.get_enrolment(db, user, course) if user else None
        task = next((t for t in catalog.course_tasks(course.slug).values() if t.fields and not t.file_required),
                    None)
        if enrolment is None or task is None or services.latest(db, enrolment, task) is not None:
            continue
        services.submit(db, user, course, enrolment, task, {field.id: DEMO_ANSWER for field in task.fields})
