"""Quiz definition loader: valid files, every file-level rule, and errors naming file and item."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from lms.courses.schema import ContentError
from lms.quizzes.definitions import Question, Quiz, final_pool, load_quiz, load_quizzes, question_pool

FIXTURES = Path(__file__).parent / "fixtures" / "quizzes"
LESSONS = {"intro", "goals", "extra-lesson"}
MODULES = {"basics", "extra"}
BASICS = (FIXTURES / "demo" / "01-basics.toml").read_text(encoding="utf-8")
EXTRA = (FIXTURES / "demo" / "02-extra.toml").read_text(encoding="utf-8")
FINAL = (FIXTURES / "demo" / "final.toml").read_text(encoding="utf-8")


def course(tmp_path: Path, **files: str | bytes) -> Path:
    """A quizzes/demo folder with the fixture files, some replaced (keyword = stem, '_' for '-')."""
    folder = tmp_path / "quizzes" / "demo"
    folder.mkdir(parents=True)
    contents = {"01-basics": BASICS, "02-extra": EXTRA, "final": FINAL}
    contents.update({k.replace("_", "-"): v for k, v in files.items()})
    for stem, text in contents.items():
        if text is not None:
            path = folder / f"{stem}.toml"
            path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text, encoding="utf-8")
    return tmp_path / "quizzes"


def errors_of(tmp_path: Path, **files: str | bytes) -> str:
    """Load a course with replaced files and return every problem as 'path: item: problem' lines."""
    with pytest.raises(ContentError) as info:
        load_quizzes(course(tmp_path, **files), "demo", LESSONS, MODULES)
    return "\n".join(f"{e.path}: {e.item}: {e.problem}" if e.item else f"{e.path}: {e.problem}"
                     for e in info.value.errors)


def edit(text: str, old: str, new: str) -> str:
    """Replace one exact, unique fragment of a fixture."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


# --- valid files -----------------------------------------------------------------------------------

def test_definitions_load_quizzes_valid_fixtures():
    """The fixture course loads into frozen Quiz objects with every field set."""
    quizzes = load_quizzes(FIXTURES, "demo", LESSONS, MODULES)
    assert list(quizzes) == ["01-basics", "02-extra", "final"]
    basics = quizzes["01-basics"]
    assert (basics.module, basics.kind, basics.pass_mark, basics.draw) == ("basics", "module", 0.7, 5)
    assert (basics.max_attempts, basics.wait_minutes) == (3, 10)
    assert basics.title == {"de": "Quiz: Grundlagen", "en": "Quiz: Basics"}
    assert [q.type for q in basics.questions] == ["single", "multiple", "truefalse", "ordering", "matching",
                                                 "numeric", "scenario"]
    assert basics.path == "quizzes/demo/01-basics.toml"
    q2 = basics.question("q02")
    assert (q2.lesson, q2.points, q2.scenario, q2.raw["answer"]) == ("intro", 2, False, ["a", "c"])
    assert basics.question("q01").scenario is True
    final = quizzes["final"]
    assert (final.kind, final.module, final.draw) == ("final", None, 5)
    assert final.from_ == (("01-basics", 3), ("02-extra", 2))


def test_definitions_load_quiz_single_file_defaults():
    """load_quiz reads one file; omitted max_attempts/wait_minutes default to 0."""
    quiz = load_quiz(FIXTURES / "demo" / "02-extra.toml")
    assert isinstance(quiz, Quiz) and quiz.id == "02-extra"
    assert (quiz.max_attempts, quiz.wait_minutes, quiz.draw) == (0, 0, 2)
    assert all(isinstance(q, Question) for q in quiz.questions)


def test_definitions_load_quiz_draw_defaults_to_pool(tmp_path):
    """Without 'draw' a module quiz uses its whole pool; a final the sum of its counts."""
    root = course(tmp_path, **{"02_extra": edit(EXTRA, "draw = 2\n", ""), "final": edit(FINAL, "draw = 5\n", "")})
    quizzes = load_quizzes(root, "demo")
    assert quizzes["02-extra"].draw == 3 and quizzes["final"].draw == 5


def test_definitions_quiz_is_frozen():
    """Quiz and Question objects are immutable."""
    quiz = load_quiz(FIXTURES / "demo" / "02-extra.toml")
    with pytest.raises(dataclasses.FrozenInstanceError):
        quiz.draw = 3  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        quiz.questions[0].id = "x"  # type: ignore[misc]


def test_definitions_load_quizzes_missing_folder_is_empty(tmp_path):
    """A course without a quiz folder has no quizzes."""
    assert load_quizzes(tmp_path, "nothing") == {}


def test_definitions_final_pool_prefixes_keys():
    """The final's pool holds every source question, keyed and re-id'd as '<quiz>/<question>'."""
    quizzes = load_quizzes(FIXTURES, "demo")
    pool = final_pool(quizzes["final"], quizzes)
    assert len(pool) == 10 and "01-basics/q03" in pool and "02-extra/q03" in pool
    q = pool["01-basics/q03"]
    assert q.id == q.raw["id"] == "01-basics/q03" and q.type == "truefalse"
    assert quizzes["01-basics"].question("q03").raw["id"] == "q03"  # source untouched
    assert question_pool(quizzes["final"], quizzes) == pool
    assert list(question_pool(quizzes["02-extra"])) == ["q01", "q02", "q03"]


# --- broken files: each names the file and the item ----------------------------------------------

def test_definitions_broken_toml_names_file_and_line(tmp_path):
    """A TOML syntax error is reported with the file and the line."""
    message = errors_of(tmp_path, **{"01_basics": edit(BASICS, "pass_mark = 0.7", "pass_mark = 0,7")})
    assert message.startswith("quizzes/demo/01-basics.toml: invalid TOML") and "line 6" in message
    with pytest.raises(ContentError) as info:
        load_quizzes(tmp_path / "quizzes", "demo", LESSONS, MODULES)
    assert info.value.line == 6


def test_definitions_broken_unknown_type(tmp_path):
    """An unknown question type names file and question."""
    message = errors_of(tmp_path, **{"01_basics": edit(BASICS, 'type = "truefalse"', 'type = "essay"')})
    assert "quizzes/demo/01-basics.toml: question q03: unknown question type 'essay'" in message


def test_definitions_broken_answer_key(tmp_path):
    """An answer that is not an option id names file, question and the id."""
    message = errors_of(tmp_path, **{"01_basics": edit(BASICS, 'answer = "b"', 'answer = "z"')})
    assert "quizzes/demo/01-basics.toml: question q01: answer 'z' is not an option id" in message


def test_definitions_broken_missing_explanation(tmp_path):
    """A question without explanation is reported."""
    text = edit(BASICS, 'explanation = "Auch kleine Teams profitieren (Lektion Planung)."\n', "")
    message = errors_of(tmp_path, **{"01_basics": text})
    assert "quizzes/demo/01-basics.toml: question q03: 'explanation' is missing or empty" in message


def test_definitions_broken_duplicate_id(tmp_path):
    """Two questions with one id are reported."""
    message = errors_of(tmp_path, **{"01_basics": edit(BASICS, 'id = "q02"', 'id = "q01"')})
    assert "quizzes/demo/01-basics.toml: question q01: duplicate question id" in message


def test_definitions_broken_unknown_lesson(tmp_path):
    """A lesson id that the course does not have is reported."""
    text = edit(BASICS, 'lesson = "intro"\nscenario = true', 'lesson = "nope"\nscenario = true')
    message = errors_of(tmp_path, **{"01_basics": text})
    assert "quizzes/demo/01-basics.toml: question q01: lesson 'nope' is not a lesson id in the course" in message


def test_definitions_broken_scenario_step(tmp_path):
    """A scenario error names question, step and choice."""
    message = errors_of(tmp_path, **{"01_basics": edit(BASICS, 'next = "s3"', 'next = "s9"')})
    assert "01-basics.toml: question q07: step s1: choice b: next 's9' is not a step id" in message


def test_definitions_broken_errors_are_collected(tmp_path):
    """All problems of all files are reported at once, one per line."""
    message = errors_of(tmp_path, **{"01_basics": edit(BASICS, 'answer = "b"', 'answer = "z"'),
                                     "02_extra": edit(EXTRA, "answer = 14", 'answer = "14"')})
    lines = message.splitlines()
    assert any(line.startswith("quizzes/demo/01-basics.toml: question q01") for line in lines)
    assert any(line.startswith("quizzes/demo/02-extra.toml: question q03: 'answer' must be a number")
               for line in lines)


def test_definitions_broken_not_utf8(tmp_path):
    """A file that is not UTF-8 is reported with its name."""
    message = errors_of(tmp_path, **{"02_extra": EXTRA.encode("utf-8").replace(b"Tage", b"T\xe4ge")})
    assert message.startswith("quizzes/demo/02-extra.toml: not UTF-8")


def test_definitions_broken_form_field_collision(tmp_path):
    """A question id that extends another one with '-' (form field clash) is reported."""
    text = edit(BASICS, 'id = "q05"', 'id = "q04-a"')
    message = errors_of(tmp_path, **{"01_basics": text})
    assert "question q04-a: id starts with 'q04-' of question q04" in message


BASIC_RULES = [
    ("schema_version = 1", "schema_version = 2", "'schema_version' must be 1"),
    ('id = "01-basics"', 'id = "basics"', "'id' 'basics' must equal the file name '01-basics'"),
    ('kind = "module"', 'kind = "exam"', "'kind' must be 'module' or 'final'"),
    ("pass_mark = 0.7", "pass_mark = 0", "'pass_mark' must be a share in (0, 1]"),
    ("pass_mark = 0.7", "pass_mark = 1.5", "'pass_mark' must be a share in (0, 1]"),
    ("draw = 5", "draw = 0", "'draw' must be a whole number >= 1"),
    ("draw = 5", "draw = 8", "'draw' 8 exceeds the pool size 7"),
    ("max_attempts = 3", "max_attempts = -1", "'max_attempts' must be a whole number >= 0"),
    ("wait_minutes = 10", "wait_minutes = 1.5", "'wait_minutes' must be a whole number >= 0"),
    ("max_attempts = 3", "max_attempts = 3\nshuffle = true", "unknown key(s) shuffle"),
    ('module = "basics"', 'module = "nope"', "module 'nope' is not a module id in the course"),
    ('module = "basics"\n', "", "'module' must be the module id"),
    ('title = { de = "Quiz: Grundlagen", en = "Quiz: Basics" }', 'title = { en = "Quiz" }', "'title' must be"),
    ("wait_minutes = 10", "wait_minutes = 10\n[[from]]\nquiz = \"02-extra\"\ncount = 1",
     "only a final exam has [[from]]"),
]


@pytest.mark.parametrize(("old", "new", "expected"), BASIC_RULES, ids=[e[:35] for _, _, e in BASIC_RULES])
def test_definitions_broken_module_quiz_rule(tmp_path, old, new, expected):
    """Each file-level rule of a module quiz is reported with the file name."""
    message = errors_of(tmp_path, **{"01_basics": edit(BASICS, old, new)})
    assert f"quizzes/demo/01-basics.toml: {expected}" in message


def test_definitions_broken_empty_pool(tmp_path):
    """A module quiz needs questions."""
    text = BASICS[:BASICS.index("[[questions]]")].replace("draw = 5\n", "")
    assert "quizzes/demo/01-basics.toml: the pool has no [[questions]]" in errors_of(tmp_path, **{"01_basics": text})


FINAL_RULES = [
    ("draw = 5", "draw = 4", "'draw' 4 must equal the sum of the [[from]] counts (5)"),
    ('kind = "final"', 'kind = "final"\nmodule = "basics"', "a final exam has no 'module'"),
    ("count = 2", "count = 0", "from 02-extra: 'count' must be a whole number >= 1"),
    ('quiz = "02-extra"', 'quiz = "01-basics"', "from 01-basics: quiz listed twice"),
    ("count = 2", "count = 2\nweight = 1", "from 02-extra: unknown key(s) 'weight'"),
    ("count = 2", "count = 4\n", "from 02-extra: 'count' 4 exceeds that pool's 3 questions"),
    ('quiz = "02-extra"', 'quiz = "03-nope"', "from 03-nope: there is no quiz '03-nope' in quizzes/demo"),
]


@pytest.mark.parametrize(("old", "new", "expected"), FINAL_RULES, ids=[e[:35] for _, _, e in FINAL_RULES])
def test_definitions_broken_final_rule(tmp_path, old, new, expected):
    """Each rule of a final exam and its [[from]] entries is reported with the file name."""
    text = edit(FINAL, old, new)
    if "count = 4" in new:
        text = edit(text, "draw = 5", "draw = 7")
    if "count = 0" in new:
        text = edit(text, "draw = 5", "draw = 3")
    message = errors_of(tmp_path, final=text)
    assert f"quizzes/demo/final.toml: {expected}" in message


def test_definitions_broken_errors_carry_lines(tmp_path):
    """Problems of a question, of a [[from]] entry and of the file itself each carry their line."""
    final = edit(FINAL, "count = 2", "count = 0")
    with pytest.raises(ContentError) as info:
        load_quizzes(course(tmp_path, final=final, **{"01_basics": edit(BASICS, 'answer = "b"', 'answer = "z"')}),
                     "demo", LESSONS, MODULES)
    lines = {(Path(e.path).name, e.item): e.line for e in info.value.errors}
    assert {("01-basics.toml", "question q01"), ("final.toml", "from 02-extra")} <= set(lines)
    for (name, item), line in lines.items():
        text = (tmp_path / "quizzes" / "demo" / name).read_text(encoding="utf-8").splitlines()
        assert line is not None, (name, item)
        if item == "question q01":
            assert text[line - 1].startswith("answer = ")
        if item == "from 02-extra":
            assert text[line - 1] == "count = 0"


def test_definitions_broken_final_without_from(tmp_path):
    """A final exam needs [[from]] entries; own questions without 'own_draw' are an error too."""
    first_question = BASICS[BASICS.index("[[questions]]"):BASICS.index('[[questions]]\nid = "q02"')]
    text = FINAL[:FINAL.index("[[from]]")] + first_question
    message = errors_of(tmp_path, final=text)
    assert "quizzes/demo/final.toml: a final exam needs [[from]] entries" in message
    assert "quizzes/demo/final.toml: a final exam with own [[questions]] needs 'own_draw'" in message


# --- final exam with its own questions (final-only cases) -------------------------------------------

OWN_QUESTION = BASICS[BASICS.index("[[questions]]"):BASICS.index('[[questions]]\nid = "q02"')]
FINAL_OWN = (edit(FINAL, "draw = 5", "draw = 6\nown_draw = 1") + "\n"
             + OWN_QUESTION.replace('id = "q01"', 'id = "x01"')
             + OWN_QUESTION.replace('id = "q01"', 'id = "x02"').replace('lesson = "intro"', 'lesson = "goals"'))


def test_definitions_final_own_questions_join_the_pool(tmp_path):
    """A final exam's own questions load, count towards 'draw' and join its pool as 'final/<id>'."""
    quizzes = load_quizzes(course(tmp_path, final=FINAL_OWN), "demo", LESSONS, MODULES)
    final = quizzes["final"]
    assert (final.draw, final.own_draw, [q.id for q in final.questions]) == (6, 1, ["x01", "x02"])
    assert final.from_ == (("01-basics", 3), ("02-extra", 2))
    pool = final_pool(final, quizzes)
    assert len(pool) == 12 and pool["final/x02"].id == pool["final/x02"].raw["id"] == "final/x02"
    assert pool["final/x02"].lesson == "goals" and final.question("x01").raw["id"] == "x01"


FINAL_OWN_RULES = [
    ("own_draw = 1", "own_draw = 3", "'own_draw' 3 exceeds the final exam's 2 own questions"),
    ("own_draw = 1", "own_draw = 0", "'own_draw' must be a whole number >= 1, not 0"),
    ("draw = 6", "draw = 5", "'draw' 5 must equal the sum of the [[from]] counts and 'own_draw' (6)"),
    ('id = "x02"\ntype = "single"\nlesson = "goals"', 'id = "x02"\ntype = "single"\nlesson = "nope"',
     "question x02: lesson 'nope' is not a lesson id in the course"),
    ('id = "x02"', 'id = "x01"', "question x01: duplicate question id"),
]


@pytest.mark.parametrize(("old", "new", "expected"), FINAL_OWN_RULES, ids=[e[:35] for _, _, e in FINAL_OWN_RULES])
def test_definitions_broken_final_own_question_rule(tmp_path, old, new, expected):
    """Own questions of a final exam are validated like a module pool, and 'own_draw' must fit them."""
    message = errors_of(tmp_path, final=edit(FINAL_OWN, old, new))
    assert f"quizzes/demo/final.toml: {expected}" in message


def test_definitions_broken_own_draw_without_questions_or_in_module(tmp_path):
    """'own_draw' needs own questions, and a module quiz may not have it."""
    message = errors_of(tmp_path, final=edit(FINAL, "draw = 5", "draw = 6\nown_draw = 1"),
                        **{"02_extra": edit(EXTRA, "draw = 2", "draw = 2\nown_draw = 1")})
    assert "quizzes/demo/final.toml: 'own_draw' needs the final exam's own [[questions]]" in message
    assert "quizzes/demo/02-extra.toml: only a final exam has 'own_draw'" in message


def test_definitions_broken_final_from_final(tmp_path):
    """A final exam cannot draw from another final exam."""
    other = edit(FINAL, 'id = "final"', 'id = "final-b"')
    other = edit(other, 'quiz = "02-extra"\ncount = 2', 'quiz = "final"\ncount = 2')
    message = errors_of(tmp_path, final_b=other)
    assert "quizzes/demo/final-b.toml: from final: 'final' is not a module quiz" in message


def test_definitions_broken_final_source_broken_reported_once(tmp_path):
    """When a source quiz is broken, only its own error is reported, not a missing-quiz error."""
    message = errors_of(tmp_path, **{"02_extra": edit(EXTRA, "schema_version = 1", "schema_version = 9")})
    assert "02-extra.toml: 'schema_version' must be 1" in message and "there is no quiz" not in message
