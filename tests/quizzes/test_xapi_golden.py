"""xAPI pieces of quiz answers stay exactly as recorded before question types moved to lms/quizzes/types/."""
from __future__ import annotations

import json
from pathlib import Path

from lms.quizzes import scoring
from lms.quizzes.definitions import load_quizzes, question_pool

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = FIXTURES / "xapi_golden.json"


def _answers(q) -> list:
    """A full-credit and a partial/wrong answer of each type."""
    raw = q.raw
    wrong = {"scenario": None, "numeric": raw.get("answer", 0) + 1000 if q.type == "numeric" else None,
             "ordering": list(reversed(raw.get("answer", []))) if q.type == "ordering" else None,
             "matching": {k: raw["answer"][k] for k in list(raw["answer"])[:1]} if q.type == "matching" else None,
             "multiple": [raw["options"][0]["id"]] if "options" in raw else None,
             "truefalse": not raw.get("answer"), "single": raw["options"][0]["id"] if "options" in raw else None}
    right = scoring.Scenario.best_paths(q, 1)[0] if q.type == "scenario" else raw["answer"]
    return [right] + ([wrong[q.type]] if wrong[q.type] is not None else [])


def statement_pieces() -> dict:
    """Per question of the fixture quizzes: interaction definition, response texts, scores, correct response."""
    quizzes = load_quizzes(FIXTURES / "quizzes", "demo")
    pieces = {}
    for quiz_id, quiz in quizzes.items():
        for key, q in question_pool(quiz, quizzes).items():
            pieces[f"{quiz_id}/{key}"] = {
                "type": q.type, "interaction": scoring.xapi_interaction(q),
                "responses": [[scoring.response_text(q, a), str(scoring.score(q, a))] for a in _answers(q)],
                "unanswered": scoring.response_text(q, None), "correct": scoring.correct_response(q, "de")}
    return pieces


def test_quiz_xapi_statement_pieces_unchanged_for_every_type():
    """interactionType, correctResponsesPattern, choices and response strings match the recorded golden file."""
    pieces = json.loads(json.dumps(statement_pieces(), ensure_ascii=False))
    assert {p["type"] for p in pieces.values()} == set(scoring.QUESTION_TYPES)
    assert pieces == json.loads(GOLDEN.read_text(encoding="utf-8"))
