"""German first, English second: the catalog is complete, the browser's language and the switch are honoured."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from conftest import login

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "lms" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
KEYWORDS = ["-k", "_l", "-k", "_", "-k", "AnswerError", "-k", "QuizUnavailable", "-k", "AccountError"]  # = Makefile
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


@pytest.fixture(scope="session", autouse=True)
def compiled_catalog():
    """The compiled English catalog, (re)built here if `make` has not done it since the .po changed."""
    mo = PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < PO.stat().st_mtime:
        with PO.open("rb") as source:
            catalog = read_po(source, locale="en")
        with mo.open("wb") as target:
            write_mo(target, catalog)


def _catalog():
    with PO.open("rb") as fh:
        return read_po(fh, locale="en")


def test_i18n_every_ui_text_is_translated(tmp_path):
    """A fresh extraction finds no German text without an English translation, none fuzzy, same placeholders."""
    pot = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run([str(pybabel), "extract", "-F", "babel.cfg", *KEYWORDS, "-o", str(pot), "."], cwd=ROOT, check=True,
                   capture_output=True)
    with pot.open("rb") as fh:
        extracted = {m.id for m in read_po(fh) if m.id}
    catalog = _catalog()
    assert len(extracted) > 400
    missing = sorted(i for i in extracted if not (catalog.get(i) and catalog.get(i).string))
    assert missing == [], f"untranslated (run `make messages` and translate): {missing[:10]}"
    for message in catalog:
        if message.id:
            assert not message.fuzzy, message.id
            assert sorted(PLACEHOLDER.findall(message.id)) == sorted(PLACEHOLDER.findall(message.string)), message.id


def test_i18n_browser_language_chooses_english_or_german(client):
    """Accept-Language picks the language for anonymous visitors; German is the default."""
    english = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert "Sign in" in english and '<html lang="en">' in english
    german = client.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Anmelden" in german and '<html lang="de">' in german


def test_i18n_switch_sets_cookie_and_profile(app, client, world, db):
    """The footer switch changes the language, keeps the page, and is saved for a signed-in user."""
    from lms.auth.models import User

    login(client, world["learner_a"].email)
    response = client.post("/language", data={"lang": "en", "next": "/courses/"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/courses/")
    assert "My courses" in client.get("/courses/").get_data(as_text=True)
    db.rollback()
    db.expire_all()  # the world's objects live in this session; read the app's commit
    assert db.get(User, world["learner_a"].id).locale == "en"
    # A new session (other browser, no cookie) still gets the saved language.
    fresh = app.test_client()
    login(fresh, world["learner_a"].email)
    assert "My courses" in fresh.get("/courses/", headers={"Accept-Language": "de"}).get_data(as_text=True)


def test_i18n_switch_rejects_unknown_language_and_foreign_redirects(client):
    """Only supported languages, and only same-site paths as the place to go back to."""
    assert client.post("/language", data={"lang": "xx"}).status_code == 400
    response = client.post("/language", data={"lang": "en", "next": "https://evil.example/"})
    assert response.status_code == 302 and "evil.example" not in response.headers["Location"]


def test_i18n_switch_needs_csrf(client):
    """Like every form, the switch is refused without its CSRF token."""
    assert client.post("/language", data={"lang": "en"}, csrf=False).status_code == 400


def test_i18n_quiz_messages_follow_the_language(client, login_as):
    """Service messages (e.g. why the final exam is locked) are translated, not shown in German."""
    login_as("learner_a")
    client.post("/courses/mini/start")
    client.post("/language", data={"lang": "en"})
    body = client.get("/quizzes/mini/final/").get_data(as_text=True)
    assert "The final exam unlocks once all modules are completed." in body
    assert "freigeschaltet" not in body
