"""Questionnaire rules as data: validation at load, one test per rule row, conflicts, answer checking."""
from __future__ import annotations

import itertools
import shutil
import tomllib
from pathlib import Path

import pytest

from conftest import TEST_COURSES, make_app
from lms.catalog import bundled_folders
from lms.courses.content import ContentError, load_course
from lms.guidelines import rules

MINI_DIR = TEST_COURSES / "mini"
REAL_DIR = bundled_folders()[0] / "social_media_manager"


def _rule_rows(course_dir: Path) -> list:
    """(course dir, rule id) for every [[rules]] row of a questionnaire file, read without the app."""
    path = course_dir / "questionnaire.toml"
    if not path.exists():
        return []
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return [pytest.param(course_dir, row["id"], id=f"{course_dir.name}:{row['id']}") for row in data.get("rules", [])]


def _load(course_dir: Path):
    """The course and its validated questionnaire."""
    course = load_course(course_dir)
    return course, rules.load_for_course(course)


def _answer_sets(questionnaire, rule) -> list[dict]:
    """Every minimal answer set that satisfies the rule: each option of each condition, nothing else answered."""
    choices = []
    for qid, options in rule.when:
        kind = questionnaire.question(qid).kind
        choices.append([(qid, o if kind == "single" else [o]) for o in sorted(options)])
    for qid, options in rule.only:
        choices.append([(qid, [o]) for o in sorted(options)])
    sets = []
    for combo in itertools.product(*choices):
        answers: dict = {}
        for qid, value in combo:
            if isinstance(value, list) and isinstance(answers.get(qid), list):
                merged = [v for v in answers[qid] if v in value] or value  # 'when' and 'only' on one question
                answers[qid] = merged
            else:
                answers[qid] = value
        if rules.matches(rule, answers):
            sets.append(answers)
    return sets


@pytest.mark.parametrize("course_dir,rule_id", _rule_rows(MINI_DIR) + _rule_rows(REAL_DIR))
def test_rules_row_marks_targets_with_reason(course_dir, rule_id):
    """Each rule row: its answer marks every target lesson with the stated status and keeps its reason."""
    course, questionnaire = _load(course_dir)
    rule = questionnaire.rule(rule_id)
    answer_sets = _answer_sets(questionnaire, rule)
    assert answer_sets, f"no answer satisfies rule {rule_id}"
    assert rule.targets, f"rule {rule_id} marks no lesson"
    for answers in answer_sets:
        path, reasons = rules.compute_path(questionnaire, course, answers)
        for lesson_id in rule.targets:
            assert path[lesson_id] == rule.status, (rule_id, answers, lesson_id, reasons.get(lesson_id))
            assert {"rule": rule.id, "status": rule.status, "reason": rule.reason} in reasons[lesson_id]
            assert rule.reason["de"].strip() and rule.reason.get("en", "x").strip()


def test_rules_real_questionnaire_has_8_to_12_questions_and_valid_targets():
    """The course's questionnaire loads against the real course: 8–12 questions, every target exists."""
    course, questionnaire = _load(REAL_DIR)
    assert 8 <= len(questionnaire.questions) <= 12
    lesson_ids = {lesson.id for lesson in course.lessons}
    assert all(set(rule.targets) <= lesson_ids for rule in questionnaire.rules)
    recht = course.module("recht")
    assert recht is not None and {lesson.id for lesson in recht.lessons} <= questionnaire.protected


def test_rules_no_match_means_required():
    """Without any matching rule every lesson is required and has no reasons."""
    course, questionnaire = _load(MINI_DIR)
    path, reasons = rules.compute_path(questionnaire, course, {"groesse": "gross"})
    assert path == {"b-one": "required", "b-two": "required", "m-one": "required"}
    assert reasons == {}


def test_rules_conflict_required_wins_and_keeps_every_reason():
    """Optional and required on one lesson: required wins, both reasons stay."""
    course, questionnaire = _load(MINI_DIR)
    path, reasons = rules.compute_path(questionnaire, course, {"groesse": "klein", "betriebsrat": "ja"})
    assert path["b-two"] == "required"
    assert [r["rule"] for r in reasons["b-two"]] == ["klein-zusammenfassung-optional",
                                                     "betriebsrat-zusammenfassung-pflicht"]


def test_rules_conflict_recommended_beats_optional():
    """Recommended wins over optional when both match."""
    course, questionnaire = _load(MINI_DIR)
    path, _reasons = rules.compute_path(questionnaire, course, {"groesse": "klein", "kanaele": ["keine"]})
    assert path["b-two"] == "recommended"


def test_rules_only_condition_needs_nothing_else_chosen():
    """An 'only' rule matches Facebook alone, not Facebook plus Instagram."""
    course, questionnaire = _load(MINI_DIR)
    alone, _ = rules.compute_path(questionnaire, course, {"kanaele": ["facebook"]})
    both, _ = rules.compute_path(questionnaire, course, {"kanaele": ["facebook", "instagram"]})
    assert alone["b-one"] == "optional" and both["b-one"] == "required"


def _questionnaire_data() -> dict:
    with (MINI_DIR / "questionnaire.toml").open("rb") as fh:
        return tomllib.load(fh)


def test_rules_unknown_lesson_names_file_and_rule():
    """A rule naming a lesson the course lacks fails with the file and the rule id."""
    course = load_course(MINI_DIR)
    data = _questionnaire_data()
    data["rules"][0]["lessons"] = ["no-such-lesson"]
    with pytest.raises(ContentError) as info:
        rules.parse(data, course, "x/questionnaire.toml")
    assert info.value.path == "x/questionnaire.toml"
    assert info.value.item == "rule 'klein-zusammenfassung-optional'" and "no-such-lesson" in info.value.problem


def test_rules_unknown_module_and_option_rejected():
    """Unknown module ids and unknown answer options are errors."""
    course = load_course(MINI_DIR)
    data = _questionnaire_data()
    data["rules"][2]["modules"] = ["nowhere"]
    with pytest.raises(ContentError, match="unknown module id 'nowhere'"):
        rules.parse(data, course, "q.toml")
    data = _questionnaire_data()
    data["rules"][0]["when"] = {"groesse": ["riesig"]}
    with pytest.raises(ContentError, match="unknown option 'riesig'"):
        rules.parse(data, course, "q.toml")


def test_rules_legal_lessons_never_optional():
    """A rule may not mark lessons of a legal module optional; recommended is allowed."""
    course = load_course(MINI_DIR)
    data = _questionnaire_data()
    data["rules"][2]["status"] = "optional"
    with pytest.raises(ContentError, match="may not mark legal basics optional"):
        rules.parse(data, course, "q.toml")
    data["rules"][2]["status"] = "recommended"
    assert rules.parse(data, course, "q.toml").rule("ohne-betriebsrat-recht-empfohlen").status == "recommended"


def test_rules_protected_modules_key_extends_protection():
    """protected_modules protects a non-legal module's lessons too."""
    course = load_course(MINI_DIR)
    data = _questionnaire_data()
    data["protected_modules"] = ["basics"]
    with pytest.raises(ContentError, match="b-two"):
        rules.parse(data, course, "q.toml")


def test_rules_schema_version_and_unknown_keys_rejected():
    """schema_version must be 1 and typos in keys are reported."""
    course = load_course(MINI_DIR)
    data = _questionnaire_data()
    data["schema_version"] = 2
    with pytest.raises(ContentError, match="schema_version"):
        rules.parse(data, course, "q.toml")
    data = _questionnaire_data()
    data["rules"][0]["lesson"] = ["b-one"]
    with pytest.raises(ContentError, match="unknown key"):
        rules.parse(data, course, "q.toml")


def test_rules_clean_answers_reports_each_problem():
    """Missing, unknown, several-for-single and exclusive-combined answers are reported per question."""
    _course, questionnaire = _load(MINI_DIR)
    with pytest.raises(rules.AnswerError) as info:
        rules.clean_answers(questionnaire, {"groesse": "riesig", "betriebsrat": ["ja", "nein"],
                                            "kanaele": ["facebook", "keine"]})
    assert info.value.errors == {"groesse": "invalid", "betriebsrat": "one", "kanaele": "exclusive"}
    with pytest.raises(rules.AnswerError) as info:
        rules.clean_answers(questionnaire, {})
    assert set(info.value.errors.values()) == {"missing"}
    clean = rules.clean_answers(questionnaire, {"groesse": "gross", "betriebsrat": "ja",
                                                "kanaele": ["instagram", "facebook"]})
    assert clean["kanaele"] == ["facebook", "instagram"]


def test_rules_broken_questionnaire_stops_app_start(tmp_path, database_url):
    """A questionnaire with an unknown target stops start-up with the file named."""
    courses = tmp_path / "courses"
    shutil.copytree(MINI_DIR, courses / "mini")
    path = courses / "mini" / "questionnaire.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('lessons = ["b-one"]', 'lessons = ["b-zero"]'),
                    encoding="utf-8")
    with pytest.raises(ContentError) as info:
        make_app(database_url, tmp_path, COURSES_DIR=str(courses))
    assert info.value.path.endswith("questionnaire.toml") and "nur-facebook-einstieg-optional" in info.value.item
    assert info.value.line is not None and "b-zero" in info.value.problem
