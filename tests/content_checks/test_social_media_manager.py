"""Structure and editorial rules of the shipped course "Social Media Manager"."""
import re
from pathlib import Path

import pytest

from lms.catalog import bundled_folders, load_catalog
from lms.quizzes.definitions import question_pool

COURSE = "social_media_manager"


@pytest.fixture(scope="module")
def catalog():
    """The real content, loaded and validated like at start-up."""
    return load_catalog(*bundled_folders())


@pytest.fixture(scope="module")
def course(catalog):
    """The shipped course."""
    return catalog.courses[COURSE]


def test_course_has_six_modules_in_order(course):
    """Six modules in the agreed order, each with German and English titles."""
    assert [m.id for m in course.modules] == ["strategie", "plattformen", "recht", "richtlinien", "community",
                                              "messen"]
    assert all(m.title.get("en") for m in course.modules)
    assert course.title.get("en") and course.description.get("en")


def test_course_objectives_three_to_five_in_both_languages(course):
    """Each module shows 3–5 learning objectives, in German and English alike."""
    for module in course.modules:
        assert 3 <= len(module.objectives["de"]) <= 5, module.id
        assert len(module.objectives.get("en", [])) == len(module.objectives["de"]), module.id


def test_course_lessons_per_module_and_length_bounds(course):
    """4–8 lessons per module, 5–12 minutes each, and the text length fits the declared minutes."""
    for module in course.modules:
        assert 4 <= len(module.lessons) <= 8, module.id
        assert module.lessons[-1].kind == "summary", module.id
        for lesson in module.lessons:
            assert 5 <= lesson.minutes <= 12, lesson.id
            assert 110 <= lesson.words / lesson.minutes <= 200, (lesson.id, lesson.words, lesson.minutes)
            assert lesson.title.get("en"), lesson.id


def test_course_every_lesson_lists_sources(course):
    """Every lesson ends with a 'Quellen' section that lists at least one source."""
    for lesson in course.lessons:
        text = Path(lesson.source).read_text(encoding="utf-8")
        sources = text.split("## Quellen")
        assert len(sources) == 2, lesson.id
        assert re.search(r"^\s*[-*] \S", sources[1], re.M), lesson.id


def test_course_legal_module_marks_open_questions_and_dates(course):
    """The law module is marked legal, presents open questions as open and dates its legal statements."""
    law = course.module("recht")
    assert law.legal
    text = "\n".join(Path(lesson.source).read_text(encoding="utf-8") for lesson in law.lessons)
    assert text.count("::: open") >= 5
    assert len(re.findall(r"Stand[: ]", text)) >= 5
    for norm in ("DDG", "TDDDG", "MStV", "5a Abs. 4 UWG"):
        assert norm in text, norm


@pytest.mark.parametrize("old", [r"\bTMG\b", r"\bTTDSG\b", r"\bRStV\b", r"5a Abs\. 6"])
def test_course_old_norm_names_only_as_former(course, old):
    """Renamed norms appear only as 'früher …', never as the law in force."""
    for lesson in course.lessons:
        for line in Path(lesson.source).read_text(encoding="utf-8").splitlines():
            if re.search(old, line):
                assert re.search(r"früher|ehemal|ersetzt|abgelöst|vormals|alte", line, re.I), (lesson.id, line)


def test_course_quiz_pools_size_scenarios_and_keys(catalog, course):
    """Each module pool has ≥ 10 questions, a third of them scenarios, each explained and linked to a lesson."""
    quizzes = catalog.course_quizzes(COURSE)
    lesson_ids = {lesson.id for lesson in course.lessons}
    for module in course.modules:
        quiz = quizzes[module.quiz]
        assert quiz.module == module.id
        assert len(quiz.questions) >= 10, module.id
        assert sum(q.scenario for q in quiz.questions) * 3 >= len(quiz.questions), module.id
        for q in quiz.questions:
            assert q.explanation.strip() and q.lesson in lesson_ids, (module.id, q.id)


def test_course_question_types_are_varied(catalog, course):
    """The course uses every question type somewhere, including the branching crisis drill."""
    types = {q.type for quiz in catalog.course_quizzes(COURSE).values() for q in quiz.questions}
    assert types >= {"single", "multiple", "truefalse", "ordering", "matching", "numeric", "scenario"}


def test_course_final_exam_draws_from_every_module(catalog, course):
    """The final exam draws from all six module pools plus its own final-only cases, with an 80 % pass mark."""
    quizzes = catalog.course_quizzes(COURSE)
    final = quizzes[course.final_exam]
    assert final.kind == "final" and final.pass_mark == 0.8
    assert {source for source, _ in final.from_} == {m.quiz for m in course.modules}
    pool = question_pool(final, quizzes)
    assert len(pool) == sum(len(quizzes[m.quiz].questions) for m in course.modules) + len(final.questions)
    assert final.draw == sum(count for _, count in final.from_) + final.own_draw and final.own_draw >= 1


def test_course_final_only_cases_combine_modules(catalog, course):
    """8–10 final-only cases, each an applied scenario linked to a lesson, that appear in no module pool."""
    quizzes = catalog.course_quizzes(COURSE)
    final = quizzes[course.final_exam]
    assert 8 <= len(final.questions) <= 10
    lesson_ids = {lesson.id for lesson in course.lessons}
    module_prompts = {q.prompt for m in course.modules for q in quizzes[m.quiz].questions}
    for q in final.questions:
        assert q.scenario and q.lesson in lesson_ids and q.explanation.strip(), q.id
        assert q.prompt not in module_prompts, q.id
    assert any(q.type == "scenario" for q in final.questions)


def test_course_item_bank_size_scenarios_and_drills(catalog, course):
    """At least 100 module items, at least 40 % of them scenarios, and a branching drill in every module."""
    quizzes = catalog.course_quizzes(COURSE)
    items = [q for m in course.modules for q in quizzes[m.quiz].questions]
    assert len(items) >= 100
    assert sum(q.scenario for q in items) * 10 >= len(items) * 4
    for module in course.modules:
        assert any(q.type == "scenario" for q in quizzes[module.quiz].questions), module.id


def _option_lengths(question) -> tuple[list[int], list[int]]:
    keyed = question.raw["answer"] if question.type == "multiple" else [question.raw["answer"]]
    right = [len(o["text"]) for o in question.raw["options"] if o["id"] in keyed]
    wrong = [len(o["text"]) for o in question.raw["options"] if o["id"] not in keyed]
    return right, wrong


def test_course_no_longest_answer_cue(catalog):
    """The keyed option is not given away by its length: at most 30 % of single-choice keys are the longest
    option, and no key (or set of keys) is more than 25 % longer than the wrong options on average."""
    questions = [q for quiz in catalog.course_quizzes(COURSE).values() for q in quiz.questions
                 if q.type in ("single", "multiple")]
    longest = 0
    singles = [q for q in questions if q.type == "single"]
    for q in questions:
        right, wrong = _option_lengths(q)
        mean_right, mean_wrong = sum(right) / len(right), sum(wrong) / len(wrong)
        assert mean_right <= 1.25 * mean_wrong, (q.id, mean_right, mean_wrong)
        longest += q.type == "single" and right[0] > max(wrong)
    assert longest * 10 <= len(singles) * 3, (longest, len(singles))


def test_course_questionnaire_routes_prize_draws_and_statistics_pages(course):
    """Prize draws lead to the prize-draw lesson; an Instagram or LinkedIn page alone makes the fan-page lesson
    required (review F10, F12); the >= 250 reason names the real § 13(4) UWG threshold (F07)."""
    from lms.guidelines import rules
    questionnaire = rules.load_for_course(course)
    path, reasons = rules.compute_path(questionnaire, course, {"werbeaktionen": "ja"})
    assert path["m3-gewinnspiele"] == "required" and path["m3-werbekennzeichnung"] == "required"
    for platform in ("instagram", "linkedin", "facebook"):
        path, _ = rules.compute_path(questionnaire, course, {"plattformen": [platform]})
        assert path["m3-fanpages-datenschutz"] == "required", platform
    path, _ = rules.compute_path(questionnaire, course, {"plattformen": ["tiktok"]})
    assert path["m3-fanpages-datenschutz"] == "recommended"
    reason = questionnaire.rule("ab-250-recht-pflicht").reason["de"]
    assert "weniger als 250" in reason and "Datenschutz" in reason
