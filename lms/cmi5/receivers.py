"""A scored quiz inside a cmi5-launched AU session becomes passed/failed and completed for the launching LMS."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import statements
from .models import Cmi5Session
from .runtime import elapsed_seconds, queue


def au_wants(au_key: str, course, quiz) -> bool:
    """Whether a quiz decides an AU: the module's quiz for a module AU, the final exam for the exam AU."""
    if au_key == "exam":
        return quiz.id == course.final_exam
    return au_key == f"module-{quiz.module}" and quiz.id != course.final_exam


def on_quiz_submitted(sender: Session, user, course, quiz, attempt, **_) -> None:
    """Queue the cmi5 result statements for every open AU session of this learner the quiz belongs to."""
    db = sender
    sessions = db.scalars(select(Cmi5Session).where(Cmi5Session.user_id == user.id,
                                                    Cmi5Session.course_slug == course.slug,
                                                    Cmi5Session.terminated_at.is_(None))).all()
    for session in sessions:
        if not au_wants(session.au_key, course, quiz):
            continue
        for verb, result in statements.outcome(session, float(attempt.scaled or 0), elapsed_seconds(session)):
            queue(db, session, verb, result)
            if verb == "passed":
                session.passed = True
            elif verb == "failed":
                session.passed = False
            elif verb == "completed":
                session.completed = True
