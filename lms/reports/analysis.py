"""Question analysis: how often each question is answered right, which wrong answers are chosen, discrimination."""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth import scope
from ..quizzes.models import QuestionResult, QuizAttempt


def scoped_attempts(viewer) -> tuple:
    """Conditions limiting quiz attempts to the viewer's learners (none without a viewer)."""
    return () if viewer is None else (scope.user_column_filter(QuizAttempt.user_id, viewer),)


@dataclass
class QuestionStats:
    """Figures for one question of a quiz across an organisation's submitted attempts."""

    key: str
    type: str
    answered: int = 0
    correct: int = 0
    mean_share: float = 0.0
    discrimination: float | None = None  # point-biserial correlation of item share with rest-of-test share
    responses: Counter = field(default_factory=Counter)

    @property
    def correct_rate(self) -> float:
        """Share of answers that earned full points."""
        return self.correct / self.answered if self.answered else 0.0


def point_biserial(item: list[float], rest: list[float]) -> float | None:
    """Pearson correlation of item scores with rest scores; None when undefined (too few or no variance)."""
    n = len(item)
    if n < 3:
        return None
    mean_i, mean_r = sum(item) / n, sum(rest) / n
    var_i = sum((x - mean_i) ** 2 for x in item)
    var_r = sum((y - mean_r) ** 2 for y in rest)
    if var_i == 0 or var_r == 0:
        return None
    cov = sum((x - mean_i) * (y - mean_r) for x, y in zip(item, rest))
    return cov / math.sqrt(var_i * var_r)


def question_stats(db: Session, org_id: int, course_slug: str, quiz_id: str, viewer=None) -> list[QuestionStats]:
    """Per-question statistics for one quiz of one organisation, hardest first; with a viewer only over the
    attempts of the learners that viewer may see (a department-limited trainer: their departments)."""
    rows = db.execute(select(QuestionResult, QuizAttempt.scaled)
                      .join(QuizAttempt, QuizAttempt.id == QuestionResult.attempt_id)
                      .where(QuestionResult.org_id == org_id, QuestionResult.course_slug == course_slug,
                             QuestionResult.quiz_id == quiz_id, *scoped_attempts(viewer))).all()
    by_attempt: dict[int, list[QuestionResult]] = defaultdict(list)
    for result, _scaled in rows:
        by_attempt[result.attempt_id].append(result)
    stats: dict[str, QuestionStats] = {}
    pairs: dict[str, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    for results in by_attempt.values():
        total = sum(r.score for r in results)
        maximum = sum(r.max_score for r in results)
        for r in results:
            s = stats.setdefault(r.question_key, QuestionStats(r.question_key, r.question_type))
            s.answered += 1
            s.correct += int(r.correct)
            share = r.score / r.max_score if r.max_score else 0.0
            s.mean_share += share
            if r.response:
                s.responses[r.response] += 1
            rest_max = maximum - r.max_score
            items, rests = pairs[r.question_key]
            items.append(share)
            rests.append((total - r.score) / rest_max if rest_max else 0.0)
    for key, s in stats.items():
        s.mean_share = s.mean_share / s.answered if s.answered else 0.0
        s.discrimination = point_biserial(*pairs[key])
    return sorted(stats.values(), key=lambda s: (s.correct_rate, s.key))
