"""Scenario: a branching crisis drill of steps whose choices are worth 0–1 and lead on (xAPI 'other')."""
from __future__ import annotations

from fractions import Fraction
from typing import Any

from .base import QuestionType, register
from .common import AnswerError, ID_RE, data_of, entry_ids, field_name, form_values, frac, is_num, nonempty, \
    ordered_entries

STEP_FIELDS = frozenset({"id", "situation", "choices"})
CHOICE_FIELDS = frozenset({"id", "text", "points", "feedback", "next"})


def _check_choice(choice: dict, m: int, where: str, seen: set[str], links: list[tuple[str, str]]) -> list[str]:
    """Errors of one choice table; its 'next' goes to ``links`` as (where, step id)."""
    errors: list[str] = []
    cid = choice.get("id")
    cwhere = f"{where}: choice {cid}" if isinstance(cid, str) else f"{where}: choice #{m}"
    if not isinstance(cid, str) or not ID_RE.fullmatch(cid):
        errors.append(f"{cwhere}: 'id' must match [a-z0-9-]+")
    elif cid in seen:
        errors.append(f"{cwhere}: duplicate choice id")
    else:
        seen.add(cid)
    errors += [f"{cwhere}: '{k}' is missing or empty" for k in ("text", "feedback") if not nonempty(choice.get(k))]
    if not (is_num(choice.get("points")) and 0 <= choice["points"] <= 1):
        errors.append(f"{cwhere}: 'points' must be a number from 0 to 1")
    if extra := sorted(set(choice) - CHOICE_FIELDS):
        errors.append(f"{cwhere}: unknown key(s) {', '.join(map(repr, extra))}")
    if "next" in choice:
        if isinstance(choice["next"], str):
            links.append((cwhere, choice["next"]))
        else:
            errors.append(f"{cwhere}: 'next' must be a step id")
    return errors


def _check_step(step: dict, n: int, graph: dict[str, set[str]], links: list[tuple[str, str]]) -> list[str]:
    """Errors of one step table; a valid step joins ``graph`` with the steps its choices lead to."""
    sid = step.get("id")
    where = f"step {sid}" if isinstance(sid, str) else f"step #{n}"
    if not isinstance(sid, str) or not ID_RE.fullmatch(sid):
        return [f"{where}: 'id' must match [a-z0-9-]+"]
    if sid in graph:
        return [f"{where}: duplicate step id"]
    errors: list[str] = []
    if not nonempty(step.get("situation")):
        errors.append(f"{where}: 'situation' is missing or empty")
    if extra := sorted(set(step) - STEP_FIELDS):
        errors.append(f"{where}: unknown key(s) {', '.join(map(repr, extra))}")
    graph[sid] = set()
    choices = step.get("choices")
    if not isinstance(choices, list) or not 1 <= len(choices) <= 6 or not all(isinstance(c, dict) for c in choices):
        return errors + [f"{where}: 'choices' must be a list of 1–6 choice tables"]
    seen: set[str] = set()
    own_links: list[tuple[str, str]] = []
    for m, choice in enumerate(choices, 1):
        errors += _check_choice(choice, m, where, seen, own_links)
    graph[sid].update(nxt for _, nxt in own_links)
    links += own_links
    if not any(c.get("points") == 1 and is_num(c.get("points")) for c in choices):
        errors.append(f"{where}: no choice with points = 1")
    return errors


def _check_start(start: Any, graph: dict[str, set[str]]) -> list[str]:
    """The start must be a step id, and every step reachable from it."""
    if not isinstance(start, str) or start not in graph:
        return [f"start {start!r} is not a step id"]
    reached, todo = {start}, [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt in graph and nxt not in reached:
                reached.add(nxt)
                todo.append(nxt)
    return [f"step {s} is unreachable from start {start!r}" for s in graph if s not in reached]


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of step ids (first = last), or None."""
    state: dict[str, int] = {}  # 1 = on the current DFS trail, 2 = done

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return trail[trail.index(nxt):] + [nxt]
            if nxt in graph and nxt not in state and (found := visit(nxt, trail + [nxt])):
                return found
        state[node] = 2
        return None

    for node in graph:
        if node not in state and (found := visit(node, [node])):
            return found
    return None


@register
class Scenario(QuestionType):
    """Branching crisis drill: steps with choices worth 0–1 that lead on; score = mean of the choices."""

    name, fields = "scenario", frozenset({"start", "steps"})
    STEP_FIELDS, CHOICE_FIELDS = STEP_FIELDS, CHOICE_FIELDS

    @classmethod
    def _check(cls, raw):
        steps = raw.get("steps")
        if not isinstance(steps, list) or not steps or not all(isinstance(s, dict) for s in steps):
            return ["'steps' must be a non-empty list of step tables ([[questions.steps]])"]
        errors: list[str] = []
        graph: dict[str, set[str]] = {}
        links: list[tuple[str, str]] = []
        for n, step in enumerate(steps, 1):
            errors += _check_step(step, n, graph, links)
        errors += [f"{cwhere}: next {nxt!r} is not a step id" for cwhere, nxt in links if nxt not in graph]
        errors += _check_start(raw.get("start"), graph)
        if cycle := find_cycle(graph):
            errors.append(f"steps form a cycle: {' → '.join(cycle)}")
        return errors

    @classmethod
    def _steps(cls, raw) -> dict[str, dict]:
        return {s["id"]: s for s in raw["steps"]}

    @classmethod
    def public_step(cls, q: Any, step_id: str, order: Any = None) -> dict:
        """One step as shown to the learner: situation and choices (no points, feedback or next)."""
        step = cls._steps(data_of(q))[step_id]
        return {"id": step_id, "situation": step["situation"],
                "choices": ordered_entries(step["choices"], (order or {}).get(step_id))}

    @classmethod
    def _view(cls, raw, order):
        return {"start": cls.public_step(raw, raw["start"], order)}

    @classmethod
    def walk(cls, q: Any, path: list[str]) -> tuple[list[tuple[dict, dict]], str | None]:
        """Follow a decision path: (step, choice) pairs taken and the current step id (None = ended)."""
        raw = data_of(q)
        steps, current, taken = cls._steps(raw), raw["start"], []
        if not isinstance(path, list):
            raise AnswerError("Ungültige Antwort.")
        for cid in path:
            if current is None:
                raise AnswerError("Das Szenario ist bereits beendet.")
            step = steps[current]
            choice = next((c for c in step["choices"] if c["id"] == cid), None)
            if choice is None:
                raise AnswerError("Unbekannte Entscheidung: %(id)s", id=str(cid))
            taken.append((step, choice))
            current = choice.get("next")
        return taken, current

    @classmethod
    def parse(cls, q, form):
        """The full decision path from q-<id> ('a,b' or repeated values); it must reach an end."""
        path = [p.strip() for v in form_values(form, field_name(data_of(q))) for p in v.split(",") if p.strip()]
        if not path:
            return None
        if cls.walk(q, path)[1] is not None:
            raise AnswerError("Bitte das Szenario bis zum Ende durchspielen.")
        return path

    @classmethod
    def _share(cls, raw, answer):
        taken, _ = cls.walk(raw, answer)
        return sum((frac(c["points"]) for _, c in taken), Fraction(0)) / len(taken) if taken else Fraction(0)

    @classmethod
    def best_paths(cls, q: Any, limit: int = 32) -> list[list[str]]:
        """Decision paths (up to ``limit``) that take a full-points choice at every step."""
        raw = data_of(q)
        steps, paths = cls._steps(raw), []

        def follow(sid: str, prefix: list[str]) -> None:
            for choice in steps[sid]["choices"]:
                if len(paths) < limit and choice["points"] == 1:
                    if choice.get("next") is None:
                        paths.append(prefix + [choice["id"]])
                    else:
                        follow(choice["next"], prefix + [choice["id"]])

        follow(raw["start"], [])
        return paths

    @classmethod
    def correct_response(cls, q, lang="de"):
        """The choice texts of a best path."""
        taken, _ = cls.walk(q, cls.best_paths(q, 1)[0])
        return " → ".join(c["text"] for _, c in taken)

    @classmethod
    def _xapi(cls, raw):
        return {"correctResponsesPattern": ["[,]".join(p) for p in cls.best_paths(raw)]}

    @classmethod
    def shuffle_order(cls, q, rng):
        """{step id: choice ids in random order}."""
        return {s["id"]: rng.sample(entry_ids(s["choices"]), len(s["choices"])) for s in data_of(q)["steps"]}

    @classmethod
    def next_step(cls, q: Any, path: list[str], order: Any = None) -> dict | None:
        """The step to show after the decisions in ``path`` (public view), or None when the drill has ended."""
        current = cls.walk(q, list(path))[1]
        return None if current is None else cls.public_step(q, current, order)

    @classmethod
    def trail(cls, q: Any, path: list[str]) -> list[dict]:
        """The decisions taken so far with the feedback revealed after each."""
        return [{"step": s["id"], "situation": s["situation"], "choice": c["id"], "text": c["text"],
                 "feedback": c["feedback"]} for s, c in cls.walk(q, list(path))[0]]
