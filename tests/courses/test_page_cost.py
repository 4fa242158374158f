"""What the learner pages cost and what their caches may not mix up: SQL statements per page are pinned, and
the cached fragments (lms/fragments.py) follow each learner's state and language."""
import re
from contextlib import contextmanager

from sqlalchemy import event

from conftest import login

ATTEMPT_RE = re.compile(r"/attempts/(\d+)")


@contextmanager
def counted(app):
    """The SQL statements the app sends inside the block (BEGIN not counted: PostgreSQL sends none)."""
    seen = []
    engine = app.extensions["lms_db"][0]

    def listener(conn, cursor, statement, *args):
        if statement.strip().upper() != "BEGIN":
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def _enrolled(client, login_as):
    login_as("learner_a")
    client.post("/courses/mini/start")
    return client


def test_courses_lesson_page_sql_statements_pinned(app, client, login_as):
    """The lesson page sends 3 statements: session user with organisation, enrolment with its lesson progress,
    module progress (quiz button); none for tasks (the lesson has none) or the guideline builder (another module)."""
    _enrolled(client, login_as)
    client.get("/courses/mini/lessons/b-two")
    with counted(app) as seen:
        assert client.get("/courses/mini/lessons/b-two").status_code == 200
    assert len(seen) == 3, "\n".join(s.split("FROM")[1][:60] if "FROM" in s else s[:60] for s in seen)


def test_courses_overview_and_quiz_attempt_sql_statements_pinned(app, client, login_as):
    """The course overview reads each progress table once per request, the lesson progress with the enrolment
    (6 statements with the other packages' buttons); an open quiz attempt page 3 (user, enrolment, attempt)."""
    _enrolled(client, login_as)
    with counted(app) as seen:
        assert client.get("/courses/mini/").status_code == 200
    assert len(seen) == 6, "\n".join(s[:90] for s in seen)
    location = client.post("/quizzes/mini/m1/start").headers["Location"]
    client.get(location)
    with counted(app) as seen:
        assert client.get(location).status_code == 200
    assert len(seen) == 3, "\n".join(s[:90] for s in seen)


def test_courses_cached_fragments_follow_learner_state_and_language(app, client, login_as, world):
    """A lesson marked done shows as done for that learner only; the other learner's cached page stays open;
    the English page is not served from the German cache."""
    _enrolled(client, login_as)
    other = app.test_client()
    assert login(other, world["learner_a2"].email).status_code == 302
    other.post("/courses/mini/start")
    before = client.get("/courses/mini/lessons/b-one").get_data(as_text=True)
    assert 'class="current"' in before and "Als erledigt markieren" in before
    client.post("/courses/mini/lessons/b-one/done")
    after = client.get("/courses/mini/lessons/b-one").get_data(as_text=True)
    assert 'class="current done"' in after and "Als erledigt markieren" not in after
    overview = client.get("/courses/mini/").get_data(as_text=True)
    assert 'lesson-item done' in overview
    others = other.get("/courses/mini/lessons/b-one").get_data(as_text=True)
    assert 'class="current"' in others and "Als erledigt markieren" in others
    assert 'lesson-item done' not in other.get("/courses/mini/").get_data(as_text=True)
    client.post("/language", data={"lang": "en", "next": "/"})
    english = client.get("/courses/mini/lessons/b-one").get_data(as_text=True)
    assert ">Next</button>" in english and "Lessons in this module" in english and 'class="current done"' in english
    assert "Lektionen im Modul" not in english and "Lernziele dieses Moduls" not in english


def test_courses_lesson_page_progress_follows_each_learner(app, client, login_as, world):
    """The lesson page's progress bar and done note come from this request's reads: after a lesson is done the
    next GET shows the new progress, and another learner's page keeps its own (no per-process reuse of rows)."""
    _enrolled(client, login_as)
    other = app.test_client()
    assert login(other, world["learner_a2"].email).status_code == 302
    other.post("/courses/mini/start")
    progress = re.compile(r'<progress class="progress" max="100" value="(\d+)"')
    assert progress.search(client.get("/courses/mini/lessons/b-two").get_data(as_text=True)).group(1) == "0"
    client.post("/courses/mini/lessons/b-two/done")
    page = client.get("/courses/mini/lessons/b-two").get_data(as_text=True)
    assert int(progress.search(page).group(1)) > 0 and "Erledigt am" in page
    others = other.get("/courses/mini/lessons/b-two").get_data(as_text=True)
    assert progress.search(others).group(1) == "0" and "Erledigt am" not in others
