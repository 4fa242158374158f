"""The completion journey: the main button always names the right next step (lesson → quiz → final exam →
certificate), the locked final exam says what is missing, and completion is celebrated with certificate links."""
import re

from tests.quizzes.test_attempts import _attempt, _decide_scenarios, correct_form


def _main_button(client, path="/courses/mini/") -> tuple[str, str]:
    """(href, text) of the overview's (or course list's) primary next-step button."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'class="button primary next-step next-\w+" href="([^"]+)">([^<]+)<', page)
    assert match, page[:3000]
    return match.group(1), match.group(2)


def _pass(app, client, db, quiz: str) -> str:
    attempt_id = int(re.search(r"/attempts/(\d+)", client.post(f"/quizzes/mini/{quiz}/start")
                               .headers["Location"]).group(1))
    _decide_scenarios(client, db, attempt_id, quiz)
    client.post(f"/quizzes/mini/{quiz}/attempts/{attempt_id}/submit", data=correct_form(app, _attempt(db, attempt_id)))
    return f"/quizzes/mini/{quiz}/attempts/{attempt_id}"


def test_next_step_follows_lessons_quizzes_final_certificate(app, client, login_as, db):
    """The button leads to the next lesson, then each module quiz, the final exam, and finally the certificate."""
    login_as("learner_a")
    client.post("/courses/mini/start")
    assert _main_button(client) == ("/courses/mini/lessons/b-one", "Weiter mit: Erste Lektion")
    for lesson in ("b-one", "b-two", "m-one"):
        client.post(f"/courses/mini/lessons/{lesson}/done")
    href, text = _main_button(client)
    assert href == "/quizzes/mini/m1/" and text.startswith("Weiter mit dem Quiz")
    assert client.get("/courses/mini/resume").headers["Location"].endswith("/quizzes/mini/m1/")
    _pass(app, client, db, "m1")
    assert _main_button(client)[0] == "/quizzes/mini/m2/"
    feedback = _pass(app, client, db, "m2")
    assert _main_button(client) == ("/quizzes/mini/final/", "Zur Abschlussprüfung")
    assert 'href="/quizzes/mini/final/">Zur Abschlussprüfung' in client.get(feedback).get_data(as_text=True)
    final = _pass(app, client, db, "final")
    page = client.get(final).get_data(as_text=True)
    assert 'href="/certificates/">Ihr Zertifikat ansehen' in page and "Geschafft!" in page
    assert _main_button(client) == ("/certificates/", "Ihr Zertifikat ansehen")
    assert _main_button(client, "/courses/")[1] == "Ihr Zertifikat ansehen"
    overview = client.get("/courses/mini/").get_data(as_text=True)
    assert "Geschafft! Sie haben den Kurs abgeschlossen." in overview
    linkedin = re.search(r'href="(https://www\.linkedin\.com/profile/add\?[^"]+)"', overview).group(1)
    assert "startTask=CERTIFICATION_NAME" in linkedin and "certUrl=http%3A%2F%2F" in linkedin
    assert "%2Fverify%2F" in linkedin and "certId=" in linkedin
    assert "linkedin.com/profile/add" in client.get("/certificates/").get_data(as_text=True)


def test_next_step_final_exam_locked_names_what_is_missing(client, login_as):
    """Before the modules are done the final exam page lists each module with its open lessons and quiz."""
    login_as("learner_a")
    client.post("/courses/mini/start")
    client.post("/courses/mini/lessons/b-one/done")
    page = client.get("/quizzes/mini/final/").get_data(as_text=True)
    assert "Noch offen:" in page
    assert re.search(r"Grundlagen</a>:\s*1 Lektionen", page)
    assert page.count("Quiz noch nicht bestanden") == 2
    assert 'action="/quizzes/mini/final/start"' not in page


def test_next_step_mark_done_confirms_with_progress(client, login_as):
    """Marking a lesson done shows a confirmation naming the lesson and the course progress."""
    login_as("learner_a")
    client.post("/courses/mini/start")
    response = client.post("/courses/mini/lessons/b-one/done", follow_redirects=True)
    assert "„Erste Lektion“ ist erledigt – 33 % des Kurses geschafft." in response.get_data(as_text=True)
