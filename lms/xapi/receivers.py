"""Turn domain events into statements, stored in the same transaction as the change that caused them."""
from __future__ import annotations

from flask import current_app

from .. import extension, signals
from ..db import utcnow
from ..i18n import localized
from . import emit
from .vocabulary import EXTENSIONS


def _app_authority() -> dict:
    cfg = current_app.config
    return {"objectType": "Agent", "name": cfg["PLATFORM_NAME"], "account": {"homePage": extension.home_iri(),
                                                                             "name": "lms"}}


def _store(db, user, statements: list[dict]) -> None:
    from ..lrs.store import store_statements

    store_statements(db, user.org_id, statements, authority=_app_authority(), version="1.0.3", user_id=user.id)


class _Builder:
    """Shared pieces for one learner in one course."""

    def __init__(self, user, course, enrolment):
        cfg = current_app.config
        self.user, self.course, self.enrolment = user, course, enrolment
        self.actor = emit.actor(user, user.organisation, extension.home_iri())
        self.platform = cfg["PLATFORM_NAME"]
        self.course_activity = emit.activity(course.iri, "course", course.title, course.description or None)

    def module_activity(self, module) -> dict:
        return emit.activity(module.iri, "module", module.title)

    def lesson_activity(self, lesson) -> dict:
        return emit.activity(lesson.iri, "lesson", lesson.title)

    def ctx(self, parent=None, grouping=None, extensions=None) -> dict:
        registration = self.enrolment.registration if self.enrolment is not None else None
        return emit.context(registration, self.platform, self.user.locale, parent, grouping, extensions)

    def statement(self, verb, obj, ctx, result=None) -> dict:
        return emit.statement(self.actor, verb, obj, ctx, utcnow(), result)


def on_course_registered(db, enrolment, user, course, **_):
    """registered + launched for the course, with the new registration."""
    b = _Builder(user, course, enrolment)
    _store(db, user, [b.statement("registered", b.course_activity, b.ctx()),
                      b.statement("launched", b.course_activity, b.ctx())])


def on_lesson_opened(db, enrolment, user, course, lesson, **_):
    """experienced: the learner opened a lesson."""
    b = _Builder(user, course, enrolment)
    module = course.module_of(lesson)
    _store(db, user, [b.statement("experienced", b.lesson_activity(lesson),
                                  b.ctx([b.module_activity(module)], [b.course_activity]))])


def on_lesson_completed(db, enrolment, user, course, lesson, progress, **_):
    """completed for the lesson, then progressed for the course with the share done."""
    b = _Builder(user, course, enrolment)
    module = course.module_of(lesson)
    _store(db, user, [
        b.statement("completed", b.lesson_activity(lesson), b.ctx([b.module_activity(module)], [b.course_activity]),
                    {"completion": True}),
        b.statement("progressed", b.course_activity, b.ctx(), emit.progress_result(progress)),
    ])


def on_module_completed(db, enrolment, user, course, module, **_):
    """completed for a module (lessons done and quiz passed)."""
    b = _Builder(user, course, enrolment)
    _store(db, user, [b.statement("completed", b.module_activity(module), b.ctx([b.course_activity]),
                                  {"completion": True, "success": True})])


def on_course_completed(db, enrolment, user, course, **_):
    """completed for the course."""
    b = _Builder(user, course, enrolment)
    _store(db, user, [b.statement("completed", b.course_activity, b.ctx(),
                                  {"completion": True, "success": True,
                                   "extensions": {EXTENSIONS["progress"]: 100}})])


def _quiz_activity(course, quiz) -> dict:
    iri = f"{course.iri}/quiz/{quiz.id}"
    return emit.activity(iri, "assessment", quiz.title)


def _quiz_parents(b: _Builder, course, quiz) -> list[dict]:
    module = course.module(quiz.module) if getattr(quiz, "module", None) else None
    return [b.module_activity(module)] if module else [b.course_activity]


def on_quiz_started(db, enrolment, user, course, quiz, attempt, **_):
    """attempted: a quiz attempt began."""
    b = _Builder(user, course, enrolment)
    ctx = b.ctx(_quiz_parents(b, course, quiz), [b.course_activity],
                {EXTENSIONS["attempt"]: attempt.number})
    _store(db, user, [b.statement("attempted", _quiz_activity(course, quiz), ctx)])


def on_quiz_submitted(db, enrolment, user, course, quiz, attempt, results, **_):
    """answered per question (response, success, score), then passed or failed for the quiz."""
    from ..quizzes.scoring import get_type

    b = _Builder(user, course, enrolment)
    quiz_act = _quiz_activity(course, quiz)
    ctx = b.ctx([quiz_act], [b.course_activity], {EXTENSIONS["attempt"]: attempt.number})
    statements = []
    for item in results:
        question = item["question"]
        definition = dict(get_type(question.type).xapi_interaction(question))
        definition["description"] = emit._langmap({"de": question.prompt})
        q_act = emit.activity(f"{quiz_act['id']}/question/{item['key']}", "question", {"de": item["key"]},
                              extra=definition)
        max_points = float(item["max"]) or 1.0
        statements.append(b.statement("answered", q_act, ctx, emit.score_result(
            float(item["score"]) / max_points, float(item["score"]), max_points, bool(item["correct"]),
            response=item["response"] if item["response"] is not None else "")))
    seconds = (attempt.submitted_at - attempt.started_at).total_seconds()
    verb = "passed" if attempt.passed else "failed"
    parent_ctx = b.ctx(_quiz_parents(b, course, quiz), [b.course_activity], {EXTENSIONS["attempt"]: attempt.number})
    statements.append(b.statement(verb, quiz_act, parent_ctx, emit.score_result(
        attempt.scaled, attempt.score, attempt.max_score, attempt.passed, seconds)))
    _store(db, user, statements)


def on_certificate_issued(db, enrolment, user, course, certificate, **_):
    """earned: the learner received the course certificate."""
    b = _Builder(user, course, enrolment)
    cert = emit.activity(f"{course.iri}/certificate", "certificate",
                         {"de": f"Zertifikat: {localized(course.title, 'de')}",
                          "en": f"Certificate: {localized(course.title, 'en')}"})
    _store(db, user, [b.statement("earned", cert, b.ctx([b.course_activity]),
                                  {"completion": True, "success": True,
                                   "extensions": {EXTENSIONS["certificate_code"]: certificate.code}})])


def on_questionnaire_answered(db, enrolment, user, course, answers, path, **_):
    """responded: the needs questionnaire, with answers and the resulting path as extensions."""
    b = _Builder(user, course, enrolment)
    survey = emit.activity(f"{course.iri}/needs-questionnaire", "survey",
                           {"de": "Bedarfsfragebogen", "en": "Needs questionnaire"})
    _store(db, user, [b.statement("responded", survey, b.ctx([b.course_activity]),
                                  {"completion": True, "extensions": {EXTENSIONS["answers"]: answers,
                                                                      EXTENSIONS["path"]: path}})])


def on_guideline_produced(db, enrolment, user, course, draft=None, **_):
    """created: the learner produced their guideline document (module 4 deliverable)."""
    b = _Builder(user, course, enrolment)
    doc = emit.activity(f"{course.iri}/guideline-draft", "document",
                        {"de": "Social-Media-Richtlinie (Entwurf)", "en": "Social media guideline (draft)"})
    module = next((m for m in course.modules if m.guideline_builder), None)
    parent = [b.module_activity(module)] if module else [b.course_activity]
    _store(db, user, [b.statement("created", doc, b.ctx(parent, [b.course_activity]), {"completion": True})])


def on_guideline_acknowledged(db, user, guideline_version, **_):
    """accepted: the learner acknowledged a published version of the organisation's guideline."""
    cfg = current_app.config
    number = getattr(guideline_version, "number", getattr(guideline_version, "version", 1))
    iri = extension.iri(f"/xapi/activities/org/{user.org_id}/guideline")
    doc = emit.activity(iri, "policy", {"de": getattr(guideline_version, "title", "Social-Media-Richtlinie")})
    stmt = emit.statement(emit.actor(user, user.organisation, extension.home_iri()), "accepted", doc,
                          emit.context(None, cfg["PLATFORM_NAME"], user.locale,
                                       extensions={EXTENSIONS["guideline_version"]: number}),
                          utcnow(), {"completion": True})
    _store(db, user, [stmt])


def _task_parts(b: _Builder, course, task, submission):
    act = emit.activity(task.iri, "task", task.title)
    module = course.module(task.module)
    ctx = b.ctx([b.module_activity(module)] if module else [b.course_activity], [b.course_activity],
                {EXTENSIONS["submission"]: submission.number})
    return act, ctx


def on_task_submitted(db, enrolment, user, course, task, submission, **_):
    """submitted (Activity Streams "submit"): the learner handed in a practical task (hand-in number in context)."""
    b = _Builder(user, course, enrolment)
    act, ctx = _task_parts(b, course, task, submission)
    _store(db, user, [b.statement("submitted", act, ctx, {"completion": True})])


def on_task_reviewed(db, enrolment, user, course, task, submission, reviewer, **_):
    """passed (accepted) or failed (revision requested): the learner's rubric score, the trainer as instructor."""
    b = _Builder(user, course, enrolment)
    act, ctx = _task_parts(b, course, task, submission)
    ctx["instructor"] = emit.actor(reviewer, reviewer.organisation, extension.home_iri())
    accepted = submission.status == "accepted"
    scaled = submission.score or 0.0
    result = emit.score_result(scaled, scaled * task.max_points, float(task.max_points), accepted)
    result["completion"] = accepted
    _store(db, user, [b.statement("passed" if accepted else "failed", act, ctx, result)])


CONNECTIONS = [
    (signals.course_registered, on_course_registered),
    (signals.lesson_opened, on_lesson_opened),
    (signals.lesson_completed, on_lesson_completed),
    (signals.module_completed, on_module_completed),
    (signals.course_completed, on_course_completed),
    (signals.quiz_started, on_quiz_started),
    (signals.quiz_submitted, on_quiz_submitted),
    (signals.certificate_issued, on_certificate_issued),
    (signals.questionnaire_answered, on_questionnaire_answered),
    (signals.guideline_produced, on_guideline_produced),
    (signals.guideline_acknowledged, on_guideline_acknowledged),
    (signals.task_submitted, on_task_submitted),
    (signals.task_reviewed, on_task_reviewed),
]


def connect() -> None:
    """Subscribe every receiver (idempotent: blinker keeps one connection per receiver)."""
    for signal, receiver in CONNECTIONS:
        signal.connect(receiver)
