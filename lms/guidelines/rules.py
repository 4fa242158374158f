"""Needs questionnaire as data: parse and validate questionnaire.toml, check answers, turn answers into a path.

The path marks every lesson required, recommended or optional. A lesson no rule matches stays required;
when several rules match, the strongest status wins (required > recommended > optional) and every
matching rule's reason is kept. Lessons of protected modules (``legal = true`` in module.toml, plus the
questionnaire's ``protected_modules``) can be deprioritised to recommended but never made optional.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..courses.content import Course
from ..courses.schema import Key, Report, Source, Table, collecting, one_of, schema_version, texts

STATUSES = ("required", "recommended", "optional")
RANK = {"required": 3, "recommended": 2, "optional": 1}
KINDS = ("single", "multiple")
FILE_NAME = "questionnaire.toml"


@dataclass(frozen=True)
class Option:
    """One answer option; an exclusive option ("none") cannot be combined with others."""

    id: str
    label: dict
    exclusive: bool = False


@dataclass(frozen=True)
class Question:
    """A single- or multiple-choice question."""

    id: str
    kind: str
    label: dict
    help: dict
    options: tuple[Option, ...]

    def option(self, option_id: str) -> Option | None:
        """The option with this id, or None."""
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Rule:
    """If the answers match ``when`` (any listed option per question) and ``only``, mark the targets."""

    id: str
    when: tuple[tuple[str, frozenset], ...]
    only: tuple[tuple[str, frozenset], ...]
    status: str
    modules: tuple[str, ...]
    lessons: tuple[str, ...]
    targets: tuple[str, ...]  # lesson ids after expanding modules, in course order
    reason: dict


@dataclass(frozen=True)
class Questionnaire:
    """A validated questionnaire bound to its course."""

    path: str
    title: dict
    intro: dict
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...]
    protected: frozenset  # lesson ids that may never become optional

    def question(self, question_id: str) -> Question | None:
        """The question with this id, or None."""
        return next((q for q in self.questions if q.id == question_id), None)

    def rule(self, rule_id: str) -> Rule | None:
        """The rule with this id, or None."""
        return next((r for r in self.rules if r.id == rule_id), None)


class AnswerError(ValueError):
    """Answers that do not fit: ``errors`` maps question ids to missing / invalid / one / exclusive."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


QUESTIONNAIRE = Table({
    "schema_version": Key(int, rule=schema_version), "title": Key("text", False, {}), "intro": Key("text", False, {}),
    "protected_modules": Key(list, False, [], texts),
    "questions": Key(list, rule=lambda v: None if v else "at least one [[questions]] entry is required"),
    "rules": Key(list, False, [])})
QUESTION = Table({"id": Key("ident"), "kind": Key(str, False, "single", one_of(*KINDS)), "label": Key("text"),
                  "help": Key("text", False, {}),
                  "options": Key(list, rule=lambda v: None if len(v) >= 2 else "'options' needs at least two entries")})
OPTION = Table({"id": Key("ident"), "label": Key("text"), "exclusive": Key(bool, False, False)})
RULE = Table({"id": Key("ident"), "when": Key(dict, False), "only": Key(dict, False),
              "status": Key(str, rule=one_of(*STATUSES)), "modules": Key(list, False, [], texts),
              "lessons": Key(list, False, [], texts), "reason": Key("text")})


def _ident(raw) -> str | None:
    return raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None


def _conditions(src: Source, item: str, ident: str | None, raw, key: str, questions: dict[str, Question]):
    """A rule's `when` or `only` table as ((question id, options), ...); problems are recorded."""
    if raw is None:
        return ()
    if not raw:
        src.error(f"'{key}' must be a non-empty table {{ question = [options] }}", item, ident, key)
    result = []
    for qid, options in raw.items():
        question = questions.get(qid)
        if question is None:
            src.error(f"'{key}' names unknown question '{qid}'", item, ident, key)
        elif not isinstance(options, list) or not options:
            src.error(f"'{key}.{qid}' must be a non-empty list of option ids", item, ident, key)
        elif unknown := [o for o in options if not isinstance(o, str) or question.option(o) is None]:
            src.error(f"'{key}.{qid}' names unknown option {unknown[0]!r}", item, ident, key)
        elif key == "only" and question.kind != "multiple":
            src.error(f"'only' is for multiple-choice questions; use 'when' for '{qid}'", item, ident, key)
        else:
            result.append((qid, frozenset(options)))
    return tuple(result)


def _questions(src: Source, raw_questions: list) -> dict[str, Question]:
    questions: dict[str, Question] = {}
    for number, raw in enumerate(raw_questions, start=1):
        ident = _ident(raw)
        item = f"question '{ident}'" if ident else f"question #{number}"
        v = QUESTION.read(src, raw, item, ident)
        if v["id"] in questions:
            src.error("duplicate question id", item, ident)
        options, seen = [], set()
        for onum, raw_option in enumerate(v["options"] or [], start=1):
            o = OPTION.read(src, raw_option, f"{item}: option #{onum}", ident)
            if o["id"] is not None and o["id"] in seen:
                src.error(f"duplicate option id '{o['id']}'", item, ident)
            seen.add(o["id"])
            options.append(Option(o["id"], o["label"], o["exclusive"]))
        if v["id"]:
            questions[v["id"]] = Question(v["id"], v["kind"], v["label"], v["help"], tuple(options))
    return questions


def _protected(src: Source, course: Course, protected_modules: list) -> frozenset:
    """Lesson ids of legal modules and of the questionnaire's protected_modules."""
    modules = {module.id: module for module in course.modules}
    for module_id in protected_modules:
        if module_id not in modules:
            src.error(f"'protected_modules' names unknown module '{module_id}' (course has: {', '.join(modules)})")
    return frozenset(lesson.id for module in course.modules
                     if module.legal or module.id in protected_modules for lesson in module.lessons)


def _targets(src: Source, item: str, ident: str | None, v: dict, course: Course) -> set[str]:
    """The lesson ids a rule marks (its modules expanded); unknown ids are recorded."""
    modules = {module.id: module for module in course.modules}
    lesson_ids = {lesson.id for lesson in course.lessons}
    if not v["modules"] and not v["lessons"]:
        src.error("needs 'modules' or 'lessons' to mark", item, ident)
    targets: set[str] = set()
    for module_id in v["modules"]:
        if module_id not in modules:
            src.error(f"unknown module id '{module_id}' (course has: {', '.join(modules)})", item, ident, "modules")
        else:
            targets.update(lesson.id for lesson in modules[module_id].lessons)
    for lesson_id in v["lessons"]:
        if lesson_id not in lesson_ids:
            src.error(f"unknown lesson id '{lesson_id}' in course '{course.slug}'", item, ident, "lessons")
        else:
            targets.add(lesson_id)
    return targets


def _rule(src: Source, raw, number: int, questions: dict, course: Course, protected: frozenset) -> Rule | None:
    ident = _ident(raw)
    item = f"rule '{ident}'" if ident else f"rule #{number}"
    v = RULE.read(src, raw, item, ident)
    when = _conditions(src, item, ident, v["when"], "when", questions)
    only = _conditions(src, item, ident, v["only"], "only", questions)
    if v["when"] is None and v["only"] is None:
        src.error("needs a 'when' (or 'only') condition", item, ident)
    targets = _targets(src, item, ident, v, course)
    if v["status"] == "optional" and targets & protected:
        src.error(f"may not mark legal basics optional ({', '.join(sorted(targets & protected))}); "
                  "use 'recommended' to deprioritise them", item, ident, "status")
    ordered = tuple(lesson.id for lesson in course.lessons if lesson.id in targets)
    return Rule(v["id"], when, only, v["status"], tuple(v["modules"]), tuple(v["lessons"]), ordered, v["reason"])


def parse(data: dict, course: Course, path: Path | str, report: Report | None = None) -> Questionnaire | None:
    """Validate a parsed questionnaire.toml against its course. Without a report, raise one ContentError
    listing every problem (file, rule or question, line); with one, record them and return None if broken."""
    with collecting(report) as report:
        src, before = report.source(path), len(report.errors)
        v = QUESTIONNAIRE.read(src, data)
        questions = _questions(src, v["questions"] or [])
        protected = _protected(src, course, v["protected_modules"])
        rule_list, rule_ids = [], set()
        for number, raw in enumerate(v["rules"], start=1):
            rule = _rule(src, raw, number, questions, course, protected)
            if rule.id is not None and rule.id in rule_ids:
                src.error("duplicate rule id", f"rule '{rule.id}'", rule.id)
            rule_ids.add(rule.id)
            rule_list.append(rule)
    if len(report.errors) > before:
        return None
    return Questionnaire(path=str(path), title=v["title"] or {"de": "Bedarfsanalyse", "en": "Needs assessment"},
                         intro=v["intro"], questions=tuple(questions.values()), rules=tuple(rule_list),
                         protected=protected)


def load_for_course(course: Course, report: Report | None = None) -> Questionnaire | None:
    """The course's validated questionnaire (from course.questionnaire), or None if it has none."""
    if course.questionnaire is None:
        return None
    return parse(course.questionnaire, course, Path(course.path) / FILE_NAME, report)


def _chosen(answers: dict, question_id: str) -> set[str]:
    value = answers.get(question_id)
    if value is None:
        return set()
    if isinstance(value, str):
        return {value}
    return set(value)


def matches(rule: Rule, answers: dict) -> bool:
    """Whether the answers satisfy every condition of the rule (unanswered questions match nothing)."""
    for qid, options in rule.when:
        if not _chosen(answers, qid) & options:
            return False
    for qid, options in rule.only:
        chosen = _chosen(answers, qid)
        if not chosen or not chosen <= options:
            return False
    return True


def compute_path(questionnaire: Questionnaire, course: Course, answers: dict) -> tuple[dict, dict]:
    """Return (path, reasons): {lesson_id: status} for every lesson and {lesson_id: [{rule, status, reason}]}."""
    path = {lesson.id: None for lesson in course.lessons}
    reasons: dict[str, list] = {}
    for rule in questionnaire.rules:
        if not matches(rule, answers):
            continue
        for lesson_id in rule.targets:
            status = rule.status
            if status == "optional" and lesson_id in questionnaire.protected:
                status = "recommended"  # defence in depth: parse() already rejects such rules
            current = path.get(lesson_id)
            if current is None or RANK[status] > RANK[current]:
                path[lesson_id] = status
            reasons.setdefault(lesson_id, []).append({"rule": rule.id, "status": status, "reason": rule.reason})
    return {lesson_id: status or "required" for lesson_id, status in path.items()}, reasons


def clean_answers(questionnaire: Questionnaire, raw: dict, complete: bool = True) -> dict:
    """Check submitted answers ({question: option or [options]}); return them normalised or raise AnswerError."""
    errors, answers = {}, {}
    for question in questionnaire.questions:
        value = raw.get(question.id)
        values = [value] if isinstance(value, str) else list(value or [])
        values = [v for v in values if v]
        if not values:
            if complete:
                errors[question.id] = "missing"
            continue
        unknown = [v for v in values if question.option(v) is None]
        if unknown:
            errors[question.id] = "invalid"
            continue
        if question.kind == "single":
            if len(values) != 1:
                errors[question.id] = "one"
                continue
            answers[question.id] = values[0]
            continue
        if len(values) > 1 and any(question.option(v).exclusive for v in values):
            errors[question.id] = "exclusive"
            continue
        order = [o.id for o in question.options]
        answers[question.id] = sorted(set(values), key=order.index)
    if errors:
        raise AnswerError(errors)
    return answers


def summary_counts(path: dict) -> dict:
    """How many lessons are required, recommended and optional."""
    return {status: sum(1 for s in path.values() if s == status) for status in STATUSES}
