"""Helpers that answer quizzes correctly through the real pages (shared by several test packages)."""
import re


def correct_form(app, attempt, slug="mini") -> dict:
    """Form values answering every non-scenario question of the attempt correctly."""
    with app.app_context():
        from lms.catalog import get_catalog
        from lms.quizzes.services import pool_for

        catalog = get_catalog()
        pool = pool_for(catalog.course_quizzes(slug), catalog.quiz(slug, attempt.quiz_id))
    form = {}
    for item in attempt.plan:
        q = pool[item["key"]]
        raw, name = q.raw, f"q-{q.id}"
        if q.type in ("single", "multiple"):
            form[name] = raw["answer"]
        elif q.type == "truefalse":
            form[name] = "true" if raw["answer"] else "false"
        elif q.type == "numeric":
            form[name] = str(raw["answer"]).replace(".", ",")
        elif q.type == "ordering":
            for pos, item_id in enumerate(raw["answer"], start=1):
                form[f"{name}-{item_id}"] = str(pos)
        elif q.type == "matching":
            for item_id, cat in raw["answer"].items():
                form[f"{name}-{item_id}"] = cat
    return form, pool


def answer_all(app, client, db, quiz_id, slug="mini", correct=True):
    """Start an attempt, take the best scenario decisions, submit correct (or empty) answers; return attempt id."""
    from lms.quizzes.models import QuizAttempt

    location = client.post(f"/quizzes/{slug}/{quiz_id}/start").headers["Location"]
    attempt_id = int(re.search(r"/attempts/(\d+)", location).group(1))
    db.rollback()
    attempt = db.get(QuizAttempt, attempt_id)
    form, pool = correct_form(app, attempt, slug)
    if correct:
        for item in attempt.plan:
            q = pool[item["key"]]
            if q.type == "scenario":
                step = q.raw["start"]
                steps = {s["id"]: s for s in q.raw["steps"]}
                while step:
                    best = max(steps[step]["choices"], key=lambda c: c.get("points", 0))
                    client.post(f"/quizzes/{slug}/{quiz_id}/attempts/{attempt_id}/save",
                                data={"decide": q.id, f"decision-{q.id}": best["id"]})
                    step = best.get("next")
    client.post(f"/quizzes/{slug}/{quiz_id}/attempts/{attempt_id}/submit", data=form if correct else {"confirm_unanswered": "1"})
    db.rollback()
    return attempt_id


def complete_course(app, client, db, slug="mini", lessons=("b-one", "b-two", "m-one"), quizzes=("m1", "m2", "final")):
    """Drive a signed-in learner through the whole test course through the real pages."""
    client.post(f"/courses/{slug}/start")
    for lesson in lessons:
        client.post(f"/courses/{slug}/lessons/{lesson}/done")
    for quiz in quizzes:
        answer_all(app, client, db, quiz, slug)
