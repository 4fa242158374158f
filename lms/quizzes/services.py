"""Quiz attempts: start or resume, save drafts, decide scenario steps, submit once, score on the server."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import signals
from ..courses import services as courses
from ..courses.content import Course
from ..courses.models import Enrolment, ModuleProgress
from ..db import utcnow
from . import scoring
from .definitions import Quiz, question_pool
from .drawing import AttemptPlan, draw_attempt, grade, parse_form
from .models import QuestionResult, QuizAttempt
from .scoring import AnswerError


class QuizUnavailable(Exception):
    """A new attempt cannot be started now; the message says why."""

    def __init__(self, message: str, until: datetime | None = None, missing: list[dict] | None = None):
        super().__init__(message)
        self.until = until
        self.missing = missing or []  # final exam: [{module, lessons_open, quiz_open}] still to do


@dataclass
class SubmitProblem(Exception):
    """A submitted attempt did not fit the questions; nothing was stored."""

    errors: dict[str, AnswerError]


class Unanswered(Exception):
    """Some questions have no answer and the learner has not yet confirmed submitting anyway (drafts kept)."""

    def __init__(self, numbers: list[int]):
        super().__init__(numbers)
        self.numbers = numbers


def pool_for(quizzes: dict[str, Quiz], quiz: Quiz) -> dict:
    """The question pool of a quiz (the final exam draws from the module pools)."""
    return question_pool(quiz, quizzes)


def attempts(db: Session, enrolment: Enrolment, quiz: Quiz) -> list[QuizAttempt]:
    """All attempts of an enrolment at a quiz, oldest first."""
    return list(db.scalars(select(QuizAttempt).where(QuizAttempt.enrolment_id == enrolment.id,
                                                     QuizAttempt.quiz_id == quiz.id).order_by(QuizAttempt.number)))


def open_attempt(db: Session, enrolment: Enrolment, quiz: Quiz) -> QuizAttempt | None:
    """The unfinished attempt, if any."""
    return db.scalar(select(QuizAttempt).where(QuizAttempt.enrolment_id == enrolment.id,
                                               QuizAttempt.quiz_id == quiz.id, QuizAttempt.status == "open"))


def availability(db: Session, course: Course, enrolment: Enrolment, quiz: Quiz) -> None:
    """Raise QuizUnavailable when a new attempt may not start (limit, waiting time, final exam not unlocked)."""
    done = [a for a in attempts(db, enrolment, quiz) if a.status == "submitted"]
    if quiz.kind == "final":
        if any(a.passed for a in done):
            raise QuizUnavailable("Sie haben die Abschlussprüfung bereits bestanden.")
        records = courses.module_records(db, enrolment)
        missing = [m for m in course.modules if not (records.get(m.id) and records[m.id].completed_at)]
        if missing:
            raise QuizUnavailable("Die Abschlussprüfung wird freigeschaltet, wenn alle Module abgeschlossen sind.",
                                  missing=[_missing_in(m, records.get(m.id)) for m in missing])
    if quiz.max_attempts and len(done) >= quiz.max_attempts:
        raise QuizUnavailable("Sie haben alle erlaubten Versuche genutzt.")
    if quiz.wait_minutes and done and not done[-1].passed:
        until = done[-1].submitted_at + timedelta(minutes=quiz.wait_minutes)
        if until > utcnow():
            raise QuizUnavailable("Bitte warten Sie bis zum nächsten Versuch.", until)


def _missing_in(module, record) -> dict:
    """What a module still lacks before the final exam: open lessons and an unpassed quiz."""
    total = record.lessons_total if record else len(module.lessons)
    done = record.lessons_done if record else 0
    return {"module": module, "lessons_open": max(0, total - done),
            "quiz_open": bool(module.quiz) and (record is None or record.quiz_passed_at is None)}


def start_attempt(db: Session, user, course: Course, enrolment: Enrolment, quiz: Quiz, pool: dict) -> QuizAttempt:
    """Resume the open attempt, or draw a new one with a fresh seed (checks availability)."""
    current = open_attempt(db, enrolment, quiz)
    if current is not None:
        return current
    availability(db, course, enrolment, quiz)
    number = (db.scalar(select(func.max(QuizAttempt.number)).where(QuizAttempt.enrolment_id == enrolment.id,
                                                                   QuizAttempt.quiz_id == quiz.id)) or 0) + 1
    seed = secrets.randbelow(2**31)
    attempt = QuizAttempt(enrolment_id=enrolment.id, org_id=enrolment.org_id, user_id=user.id,
                          course_slug=course.slug, quiz_id=quiz.id, number=number, seed=seed,
                          plan=draw_attempt(quiz, pool, seed).to_json(), status="open", answers={})
    try:
        with db.begin_nested():
            db.add(attempt)
    except IntegrityError:  # another tab started one at the same moment: use that one
        existing = open_attempt(db, enrolment, quiz)
        if existing is None:
            raise
        return existing
    signals.quiz_started.send(db, enrolment=enrolment, user=user, course=course, quiz=quiz, attempt=attempt)
    return attempt


def plan_of(attempt: QuizAttempt) -> AttemptPlan:
    """The attempt's drawn questions."""
    return AttemptPlan.from_json(attempt.plan)


def _form_values(form) -> dict[str, list[str]]:
    if hasattr(form, "getlist"):
        return {name: form.getlist(name) for name in form if name.startswith("q-")}
    return {name: list(value) if isinstance(value, (list, tuple)) else [value]
            for name, value in form.items() if name.startswith("q-")}


def save_draft(attempt: QuizAttempt, form, pool: dict) -> None:
    """Keep the answers typed so far so the attempt can be resumed; AnswerError for a value of a scenario question.

    Scenario paths change only through decide(): the attempt form has no field for them, so a posted one is refused
    (stored, it used to make the attempt unusable).
    """
    if attempt.status != "open":
        return
    values = _form_values(form)
    scenario_fields = _scenario_questions(attempt, pool)
    stray = sorted(set(values) & set(scenario_fields))
    if stray:
        raise AnswerError("Ein Praxisfall wird nur über seine Entscheidungen beantwortet: %(id)s", id=stray[0][2:])
    drafts = repaired_answers(attempt, pool)
    drafts.update(values)
    attempt.answers = drafts


def _scenario_questions(attempt: QuizAttempt, pool: dict) -> dict:
    return {f"q-{q.id}": q for q, _order in plan_of(attempt).questions(pool) if q.type == "scenario"}


def repaired_answers(attempt: QuizAttempt, pool: dict) -> dict:
    """The drafts with every scenario path cut to its decided, valid part (repairs drafts saved before the fix)."""
    drafts = dict(attempt.answers or {})
    decided = set()
    for field_name, question in _scenario_questions(attempt, pool).items():
        path = scenario_path(attempt, question)
        if path:
            drafts[field_name] = [",".join(path)]
            decided.add(field_name)
        else:
            drafts.pop(field_name, None)
    if decided:
        drafts["_scenario_fields"] = sorted(decided)
    else:
        drafts.pop("_scenario_fields", None)
    return drafts


def decide(attempt: QuizAttempt, pool: dict, key: str, choice: str) -> None:
    """Take one decision in a branching scenario; an invalid or late decision raises AnswerError."""
    if attempt.status != "open" or key not in plan_of(attempt).keys:
        raise AnswerError("Diese Frage gehört nicht zu diesem Versuch: %(id)s", id=key)
    question = pool[key]
    if question.type != "scenario":
        raise AnswerError("Diese Frage ist kein Szenario.")
    drafts = repaired_answers(attempt, pool)
    field_name = f"q-{question.id}"
    path = scenario_path(attempt, question)
    if scoring.scenario_next(question, path) is None:
        raise AnswerError("Das Szenario ist bereits beendet.")
    scoring.scenario_next(question, path + [choice])  # raises AnswerError for an unknown choice
    drafts[field_name] = [",".join(path + [choice])]
    drafts["_scenario_fields"] = sorted(set(drafts.get("_scenario_fields", [])) | {field_name})
    attempt.answers = drafts


def scenario_path(attempt: QuizAttempt, question) -> list[str]:
    """The decisions taken so far in a scenario question: the longest valid prefix of what was decided."""
    answers = attempt.answers or {}
    field_name = f"q-{question.id}"
    decided = answers.get("_scenario_fields")
    stored = answers.get(field_name)
    if not isinstance(decided, list) or field_name not in decided or not isinstance(stored, list):
        return []  # a value never set by decide() (a draft saved before the fix) is no decision
    path: list[str] = []
    for choice in (p for p in ",".join(map(str, stored)).split(",") if p):
        try:
            scoring.scenario_next(question, path + [choice])
        except AnswerError:
            break
        path.append(choice)
    return path


def submit_attempt(db: Session, user, course: Course, enrolment: Enrolment, quiz: Quiz, attempt: QuizAttempt,
                   pool: dict, form, confirm_unanswered: bool = True) -> bool:
    """Score and close an open attempt (True); a second submit changes nothing (False). SubmitProblem on bad answers;
    Unanswered (drafts saved) when questions are open and ``confirm_unanswered`` is false."""
    if attempt.status != "open":
        return False
    try:
        save_draft(attempt, form, pool)
    except AnswerError as exc:
        raise SubmitProblem({"q-": exc}) from None
    values = {k: v for k, v in (attempt.answers or {}).items() if k.startswith("q-")}
    plan = plan_of(attempt)
    answers, errors = parse_form(plan, pool, values)
    if errors:
        raise SubmitProblem(errors)
    if not confirm_unanswered:
        missing = [n for n, (question, _order) in enumerate(plan.questions(pool), 1) if answers.get(question.id) is None]
        if missing:
            raise Unanswered(missing)
    result = grade(quiz, plan, pool, answers)
    now = utcnow()
    attempt.status, attempt.submitted_at = "submitted", now
    attempt.answers = {"values": values, "parsed": answers}
    attempt.score, attempt.max_score = float(result.score), float(result.max_points)
    attempt.scaled, attempt.passed = round(float(result.share), 4), result.passed
    rows = []
    for question, _order in plan.questions(pool):
        points = result.points[question.id]
        maximum = scoring.max_points(question)
        row = QuestionResult(attempt_id=attempt.id, org_id=attempt.org_id, course_slug=course.slug, quiz_id=quiz.id,
                             question_key=question.id, question_type=question.type,
                             answer=answers.get(question.id),
                             response=scoring.response_text(question, answers.get(question.id))[:2000],
                             score=float(points), max_score=float(maximum), correct=points == maximum)
        db.add(row)
        rows.append({"key": question.id, "question": question, "response": row.response, "score": row.score,
                     "max": row.max_score, "correct": row.correct})
    db.flush()
    signals.quiz_submitted.send(db, enrolment=enrolment, user=user, course=course, quiz=quiz, attempt=attempt,
                                results=rows)
    module = course.module(quiz.module) if quiz.module else None
    courses.record_quiz_result(db, user, course, enrolment, module, attempt.scaled, attempt.passed)
    return True


def results(db: Session, attempt: QuizAttempt) -> dict[str, QuestionResult]:
    """Per-question results of a submitted attempt by question key."""
    rows = db.scalars(select(QuestionResult).where(QuestionResult.attempt_id == attempt.id))
    return {row.question_key: row for row in rows}


def final_exam_passed(db: Session, enrolment: Enrolment, course: Course) -> bool:
    """Whether the enrolment has a passed final exam attempt."""
    if not course.final_exam:
        return True
    return db.scalar(select(func.count()).select_from(QuizAttempt).where(
        QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.quiz_id == course.final_exam,
        QuizAttempt.passed.is_(True))) > 0


def best_attempts(db: Session, enrolment_ids: list[int]) -> dict[tuple[int, str], float]:
    """Best scaled score per (enrolment, quiz) for a set of enrolments."""
    rows = db.execute(select(QuizAttempt.enrolment_id, QuizAttempt.quiz_id, func.max(QuizAttempt.scaled))
                      .where(QuizAttempt.enrolment_id.in_(enrolment_ids), QuizAttempt.status == "submitted")
                      .group_by(QuizAttempt.enrolment_id, QuizAttempt.quiz_id))
    return {(e, q): s for e, q, s in rows}


def module_quiz_state(db: Session, enrolment: Enrolment, module_id: str) -> ModuleProgress | None:
    """The module progress row holding the module's best quiz score."""
    return db.scalar(select(ModuleProgress).where(ModuleProgress.enrolment_id == enrolment.id,
                                                  ModuleProgress.module_id == module_id))
