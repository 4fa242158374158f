"""Needs questionnaire as data: parse and validate questionnaire.toml, check answers, turn answers into a path.

The path marks every lesson required, recommended or optional. A lesson no rule matches stays required;
when several rules match, the strongest status wins (required > recommended > optional) and every
matching rule's reason is kept. Lessons of protected modules (``legal = true`` in module.toml, plus the
questionnaire's ``protected_modules``) can be deprioritised to recommended but never made optional.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..courses.content import ID_RE, SCHEMA_VERSION, ContentError, Course

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


def _text(path, where: str, data: dict, key: str, required: bool = True) -> dict:
    value = data.get(key)
    if value is None:
        if required:
            raise ContentError(path, f"{where}'{key}' is required")
        return {}
    if not isinstance(value, dict) or "de" not in value:
        raise ContentError(path, f"{where}'{key}' must be a table with a German text (de)")
    for lang, text in value.items():
        if lang not in ("de", "en"):
            raise ContentError(path, f"{where}'{key}': unknown language '{lang}'")
        if not isinstance(text, str) or not text.strip():
            raise ContentError(path, f"{where}'{key}.{lang}' must be a non-empty text")
    return value


def _only(path, where: str, data: dict, allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ContentError(path, f"{where}unknown key(s) {', '.join(unknown)}")


def _ident(path, where: str, value, key: str) -> str:
    if not isinstance(value, str) or not ID_RE.match(value):
        raise ContentError(path, f"{where}'{key}' = {value!r} must match {ID_RE.pattern}")
    return value


def _conditions(path, where: str, raw, key: str, questions: dict[str, Question]):
    if raw is None:
        return ()
    if not isinstance(raw, dict) or not raw:
        raise ContentError(path, f"{where}'{key}' must be a non-empty table {{ question = [options] }}")
    result = []
    for qid, options in raw.items():
        question = questions.get(qid)
        if question is None:
            raise ContentError(path, f"{where}'{key}' names unknown question '{qid}'")
        if not isinstance(options, list) or not options:
            raise ContentError(path, f"{where}'{key}.{qid}' must be a non-empty list of option ids")
        for option in options:
            if not isinstance(option, str) or question.option(option) is None:
                raise ContentError(path, f"{where}'{key}.{qid}' names unknown option {option!r}")
        if key == "only" and question.kind != "multiple":
            raise ContentError(path, f"{where}'only' is for multiple-choice questions; use 'when' for '{qid}'")
        result.append((qid, frozenset(options)))
    return tuple(result)


def parse(data: dict, course: Course, path: Path | str) -> Questionnaire:
    """Validate a parsed questionnaire.toml against its course; raise ContentError naming the file and rule."""
    path = str(path)
    if not isinstance(data, dict):
        raise ContentError(path, "not a TOML table")
    _only(path, "", data, {"schema_version", "title", "intro", "protected_modules", "questions", "rules"})
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ContentError(path, f"schema_version {version!r} is not supported (expected {SCHEMA_VERSION})")
    title = _text(path, "", data, "title", required=False) or {"de": "Bedarfsanalyse", "en": "Needs assessment"}
    intro = _text(path, "", data, "intro", required=False)
    questions = _parse_questions(path, data.get("questions"))
    protected = _protected_lessons(path, data.get("protected_modules", []), course)
    rules = _parse_rules(path, data.get("rules", []), course, questions, protected)
    return Questionnaire(path=path, title=title, intro=intro, questions=tuple(questions.values()),
                         rules=tuple(rules), protected=protected)


def _parse_questions(path: str, raw_questions) -> dict[str, Question]:
    """The [[questions]] entries by id, in file order."""
    if not isinstance(raw_questions, list) or not raw_questions:
        raise ContentError(path, "at least one [[questions]] entry is required")
    questions: dict[str, Question] = {}
    for number, raw in enumerate(raw_questions, start=1):
        where = f"question #{number}: "
        if not isinstance(raw, dict):
            raise ContentError(path, f"{where}must be a table")
        _only(path, where, raw, {"id", "kind", "label", "help", "options"})
        qid = _ident(path, where, raw.get("id"), "id")
        where = f"question '{qid}': "
        if qid in questions:
            raise ContentError(path, f"{where}duplicate question id")
        kind = raw.get("kind", "single")
        if kind not in KINDS:
            raise ContentError(path, f"{where}'kind' must be one of {', '.join(KINDS)}")
        questions[qid] = Question(qid, kind, _text(path, where, raw, "label"),
                                  _text(path, where, raw, "help", required=False),
                                  _parse_options(path, where, raw.get("options")))
    return questions


def _parse_options(path: str, where: str, raw_options) -> tuple[Option, ...]:
    """A question's options (at least two, unique ids)."""
    if not isinstance(raw_options, list) or len(raw_options) < 2:
        raise ContentError(path, f"{where}'options' needs at least two entries")
    options, seen = [], set()
    for onum, raw_option in enumerate(raw_options, start=1):
        owhere = f"{where}option #{onum}: "
        if not isinstance(raw_option, dict):
            raise ContentError(path, f"{owhere}must be a table")
        _only(path, owhere, raw_option, {"id", "label", "exclusive"})
        oid = _ident(path, owhere, raw_option.get("id"), "id")
        if oid in seen:
            raise ContentError(path, f"{where}duplicate option id '{oid}'")
        seen.add(oid)
        exclusive = raw_option.get("exclusive", False)
        if not isinstance(exclusive, bool):
            raise ContentError(path, f"{owhere}'exclusive' must be true or false")
        options.append(Option(oid, _text(path, owhere, raw_option, "label"), exclusive))
    return tuple(options)


def _protected_lessons(path: str, protected_modules, course: Course) -> frozenset:
    """Lessons of legal modules and of the modules the questionnaire protects."""
    modules = {module.id: module for module in course.modules}
    if not isinstance(protected_modules, list):
        raise ContentError(path, "'protected_modules' must be a list of module ids")
    for module_id in protected_modules:
        if module_id not in modules:
            raise ContentError(path, f"'protected_modules' names unknown module '{module_id}' "
                               f"(course has: {', '.join(modules)})")
    return frozenset(lesson.id for module in course.modules
                     if module.legal or module.id in protected_modules for lesson in module.lessons)


def _parse_rules(path: str, raw_rules, course: Course, questions: dict[str, Question],
                 protected: frozenset) -> list[Rule]:
    """The [[rules]] entries, each with its conditions checked and its targets expanded to lessons."""
    if not isinstance(raw_rules, list):
        raise ContentError(path, "'rules' must be a list of [[rules]] tables")
    rules, rule_ids = [], set()
    for number, raw in enumerate(raw_rules, start=1):
        where = f"rule #{number}: "
        if not isinstance(raw, dict):
            raise ContentError(path, f"{where}must be a table")
        _only(path, where, raw, {"id", "when", "only", "status", "modules", "lessons", "reason"})
        rid = _ident(path, where, raw.get("id"), "id")
        where = f"rule '{rid}': "
        if rid in rule_ids:
            raise ContentError(path, f"{where}duplicate rule id")
        rule_ids.add(rid)
        when = _conditions(path, where, raw.get("when"), "when", questions)
        only = _conditions(path, where, raw.get("only"), "only", questions)
        if not when and not only:
            raise ContentError(path, f"{where}needs a 'when' (or 'only') condition")
        status = raw.get("status")
        if status not in STATUSES:
            raise ContentError(path, f"{where}'status' must be one of {', '.join(STATUSES)}")
        target_modules, target_lessons = raw.get("modules", []), raw.get("lessons", [])
        targets = _rule_targets(path, where, target_modules, target_lessons, course)
        if status == "optional" and targets & protected:
            blocked = sorted(targets & protected)
            raise ContentError(path, f"{where}may not mark legal basics optional ({', '.join(blocked)}); "
                               "use 'recommended' to deprioritise them")
        ordered = tuple(lesson.id for lesson in course.lessons if lesson.id in targets)
        rules.append(Rule(rid, when, only, status, tuple(target_modules), tuple(target_lessons), ordered,
                          _text(path, where, raw, "reason")))
    return rules


def _rule_targets(path: str, where: str, target_modules, target_lessons, course: Course) -> set[str]:
    """The lesson ids a rule marks: every lesson of its modules plus its single lessons."""
    if not isinstance(target_modules, list) or not isinstance(target_lessons, list):
        raise ContentError(path, f"{where}'modules' and 'lessons' must be lists of ids")
    if not target_modules and not target_lessons:
        raise ContentError(path, f"{where}needs 'modules' or 'lessons' to mark")
    modules = {module.id: module for module in course.modules}
    lesson_ids = {lesson.id for lesson in course.lessons}
    targets: set[str] = set()
    for module_id in target_modules:
        if module_id not in modules:
            raise ContentError(path, f"{where}unknown module id '{module_id}' "
                               f"(course has: {', '.join(modules)})")
        targets.update(lesson.id for lesson in modules[module_id].lessons)
    for lesson_id in target_lessons:
        if lesson_id not in lesson_ids:
            raise ContentError(path, f"{where}unknown lesson id '{lesson_id}' in course '{course.slug}'")
        targets.add(lesson_id)
    return targets


def load_for_course(course: Course) -> Questionnaire | None:
    """The course's validated questionnaire (from course.questionnaire), or None if it has none."""
    if course.questionnaire is None:
        return None
    return parse(course.questionnaire, course, Path(course.path) / FILE_NAME)


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
