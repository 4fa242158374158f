"""Quiz pages: intro with past attempts, the attempt form, scenario decisions, submission, feedback."""
from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_login import current_user

from ..catalog import get_catalog
from ..courses import services as courses
from ..courses.next_step import next_step
from ..db import get_session
from ..fragments import cached_value
from ..i18n import _
from . import scoring, services
from .answer_text import readable_answer
from .scoring import AnswerError

bp = Blueprint("quizzes", __name__, url_prefix="/quizzes", template_folder="templates")


@bp.before_request
def _load_quiz():
    """Put the URL's course and quiz, the user's own enrolment and the question pool on g (after the access step)."""
    catalog = get_catalog()
    slug, quiz_id = request.view_args["slug"], request.view_args["quiz_id"]
    g.course = catalog.course(slug)
    g.quiz = catalog.quiz(slug, quiz_id)
    if g.quiz is None:
        abort(404)
    # A read-only row in a GET (courses.learner_enrolment), the ORM enrolment when the request may write.
    g.own_enrolment = courses.learner_enrolment(get_session(), current_user, g.course, with_lessons=False)
    if g.own_enrolment is None:
        abort(404)
    g.pool = services.pool_for(catalog.course_quizzes(slug), g.quiz)


def _attempt():
    """The URL's attempt (the access step loaded the user's own, locked on writes) if it belongs to this quiz."""
    if g.attempt.quiz_id != g.quiz.id:
        abort(404)
    return g.attempt


def _blocked(db, course, enrolment, quiz):
    """Why no new attempt can start now (QuizUnavailable), or None."""
    try:
        services.availability(db, course, enrolment, quiz)
    except services.QuizUnavailable as exc:
        return exc
    return None


@bp.route("/<slug>/<quiz_id>/")
def intro(slug: str, quiz_id: str):
    """What the quiz is, the learner's attempts so far, and start/resume."""
    db, course, quiz, enrolment = get_session(), g.course, g.quiz, g.own_enrolment
    past = services.attempts(db, enrolment, quiz)
    blocked = _blocked(db, course, enrolment, quiz) if services.open_attempt(db, enrolment, quiz) is None else None
    return render_template("quizzes/intro.html", course=course, quiz=quiz, attempts=past, blocked=blocked,
                           module=course.module(quiz.module) if quiz.module else None, pool_size=len(g.pool))


@bp.route("/<slug>/<quiz_id>/start", methods=["POST"])
def start(slug: str, quiz_id: str):
    """Start a new attempt or resume the open one."""
    try:
        attempt = services.start_attempt(get_session(), current_user, g.course, g.own_enrolment, g.quiz, g.pool)
    except services.QuizUnavailable:
        return redirect(url_for("lms.quizzes.intro", slug=slug, quiz_id=quiz_id))
    return redirect(url_for("lms.quizzes.attempt", slug=slug, quiz_id=quiz_id, attempt_id=attempt.id))


def _error_text(error: AnswerError) -> str:
    """The answer error in the learner's language (its template is a German msgid)."""
    return _(error.template, **error.params)


def _question_key(question, number: int, order, drafts: dict, unanswered) -> tuple:
    """Everything a non-scenario question's HTML depends on besides the content and the language: its number,
    the option order, the learner's saved answers to it and the "not answered" note (lms/fragments.py)."""
    field = f"q-{question.id}"
    saved = tuple(sorted((key, repr(value)) for key, value in drafts.items()
                         if key == field or key.startswith(field + "-")))
    return question.id, number, repr(order), saved, number in (unanswered or ())


def _render_attempt(course, quiz, attempt, pool, errors=None, status=200, unanswered=None):
    items = []
    plan = services.plan_of(attempt)
    drafts = attempt.answers or {}
    for number, (question, order) in enumerate(plan.questions(pool), start=1):
        view = scoring.public_view(question, order)
        error = (errors or {}).get(question.id)
        item = {"number": number, "question": question, "view": view, "field": f"q-{question.id}",
                "error": _error_text(error) if error else None}
        if question.type == "scenario":
            path = services.scenario_path(attempt, question)
            item["trail"] = scoring.scenario_trail(question, path)
            item["step"] = scoring.scenario_next(question, path, order)
        elif error is None:
            item["cache_key"] = _question_key(question, number, order, drafts, unanswered)
        items.append(item)
    stray = [_error_text(e) for key, e in (errors or {}).items() if key.startswith("q-")]
    return render_template("quizzes/attempt.html", course=course, quiz=quiz, attempt=attempt, items=items,
                           drafts=drafts, stray=stray, module=course.module(quiz.module) if quiz.module else None,
                           unanswered=unanswered or []), status


@bp.route("/<slug>/<quiz_id>/attempts/<int:attempt_id>")
def attempt(slug: str, quiz_id: str, attempt_id: int):
    """The attempt form while open; the feedback once submitted."""
    attempt_obj = _attempt()
    if attempt_obj.status == "open":
        return _render_attempt(g.course, g.quiz, attempt_obj, g.pool)
    return _render_feedback(get_session(), g.course, g.quiz, attempt_obj, g.pool, g.own_enrolment)


def _render_feedback(db, course, quiz, attempt_obj, pool, enrolment):
    rows = services.results(db, attempt_obj)
    plan = services.plan_of(attempt_obj)
    parsed = (attempt_obj.answers or {}).get("parsed", {})
    items = []
    for number, (question, order) in enumerate(plan.questions(pool), start=1):
        lesson = course.lesson(question.lesson)
        item = {"number": number, "question": question, "row": rows.get(question.id),
                "view": scoring.public_view(question, order),
                "correct_text": scoring.correct_response(question, str(current_user.locale or "de")),
                "answer_text": readable_answer(question, parsed.get(question.id), str(current_user.locale or "de")),
                "lesson": lesson}
        if question.type == "scenario":
            item["trail"] = scoring.scenario_trail(question, parsed.get(question.id) or [])
        items.append(item)
    return render_template("quizzes/feedback.html", course=course, quiz=quiz, attempt=attempt_obj, items=items,
                           module=course.module(quiz.module) if quiz.module else None,
                           step=next_step(db, course, enrolment), blocked=_blocked(db, course, enrolment, quiz))


@bp.route("/<slug>/<quiz_id>/attempts/<int:attempt_id>/save", methods=["POST"])
def save(slug: str, quiz_id: str, attempt_id: int):
    """Save draft answers; with `decide=<question>` also take a scenario decision."""
    course, quiz, pool = g.course, g.quiz, g.pool
    attempt_obj = _attempt()
    if attempt_obj.status != "open":
        return redirect(url_for("lms.quizzes.attempt", slug=slug, quiz_id=quiz_id, attempt_id=attempt_id))
    try:
        services.save_draft(attempt_obj, request.form, pool)
    except AnswerError as exc:
        return _render_attempt(course, quiz, attempt_obj, pool, {"q-": exc}, 400)
    anchor = None
    decide_key = request.form.get("decide")
    if decide_key:
        choice = request.form.get(f"decision-{decide_key}", "")
        try:
            if not choice:
                raise AnswerError("Bitte wählen Sie eine Option.")
            services.decide(attempt_obj, pool, decide_key, choice)
        except AnswerError as exc:
            return _render_attempt(course, quiz, attempt_obj, pool, {decide_key: exc}, 400)
        anchor = f"question-{decide_key}"
    if request.form.get("background") == "1":
        return ("", 204)
    return redirect(url_for("lms.quizzes.attempt", slug=slug, quiz_id=quiz_id, attempt_id=attempt_id,
                            _anchor=anchor))


@bp.route("/<slug>/<quiz_id>/attempts/<int:attempt_id>/submit", methods=["POST"])
def submit(slug: str, quiz_id: str, attempt_id: int):
    """Score the attempt on the server; double submissions record one attempt."""
    db, course, quiz, enrolment, pool = get_session(), g.course, g.quiz, g.own_enrolment, g.pool
    attempt_obj = _attempt()
    try:
        services.submit_attempt(db, current_user, course, enrolment, quiz, attempt_obj, pool, request.form,
                                confirm_unanswered=request.form.get("confirm_unanswered") == "1")
    except services.Unanswered as missing:
        return _render_attempt(course, quiz, attempt_obj, pool, unanswered=missing.numbers)
    except services.SubmitProblem as problem:
        db.rollback()  # the attempt reloads as it was before this submission
        return _render_attempt(course, quiz, attempt_obj, pool, problem.errors, 400)
    return redirect(url_for("lms.quizzes.attempt", slug=slug, quiz_id=quiz_id, attempt_id=attempt_id))


def module_links(db, user, course, enrolment):
    """Quiz buttons for the course overview and lesson sidebar (per module id)."""
    if enrolment is None:
        return {}
    links = {}
    records = courses.module_records(db, enrolment)
    label = _("Quiz zum Modul")
    for module_id, url in _quiz_urls(course):
        record = records.get(module_id)
        note = None
        if record and record.quiz_passed_at:
            note = _("bestanden (%(p)d %%)", p=round((record.quiz_best_score or 0) * 100))
        elif record and record.quiz_best_score is not None:
            note = _("bisher bestes Ergebnis: %(p)d %%", p=round(record.quiz_best_score * 100))
        links[module_id] = {"url": url, "label": label, "note": note}
    return links


def _quiz_urls(course) -> list[tuple[str, str]]:
    """(module id, quiz intro URL) of the course's modules with a quiz, built once per course and URL prefix."""
    catalog = get_catalog()

    def build():
        return [(module.id, url_for("lms.quizzes.intro", slug=course.slug, quiz_id=module.quiz))
                for module in course.modules if module.quiz and catalog.quiz(course.slug, module.quiz) is not None]

    return cached_value(("quiz-urls", course.slug), build)


def course_links(db, user, course, enrolment):
    """The final exam button on the course overview."""
    if enrolment is None or not course.final_exam:
        return []
    return [{"url": url_for("lms.quizzes.intro", slug=course.slug, quiz_id=course.final_exam),
             "label": _("Abschlussprüfung"), "note": None}]
