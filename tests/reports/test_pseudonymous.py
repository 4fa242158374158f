"""Pseudonymous reporting cannot be reversed: no view, filter, sort or export accepts or reveals names or e-mails."""
import hashlib
import json
import re

from sqlalchemy import select, update

from conftest import login
from factories import create_user
from lms.auth.models import Organisation, User
from lms.auth.pseudonyms import pseudonym
from lms.certificates.models import Certificate
from tests_quiz_helpers import complete_course


def _pseudonymous(db, world, actor_mode="account"):
    db.execute(update(Organisation).where(Organisation.id == world["org_a"].id)
               .values(pseudonymous_reports=True, actor_mode=actor_mode))
    db.commit()


def _learn(app, email):
    c = app.test_client()
    login(c, email)
    c.post("/courses/mini/start")
    c.post("/courses/mini/lessons/b-one/done")
    return c


def _lines(response) -> list[dict]:
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines() if line]


def test_pseudonymous_export_refuses_an_email(app, client, login_as, db, world):
    """In pseudonymous mode the statement export does not take an e-mail address as learner filter."""
    _learn(app, "learner@alpha.example")
    _pseudonymous(db, world)
    login_as("trainer_a")
    response = client.get("/export/statements.jsonl?learner=learner@alpha.example")
    assert response.status_code == 400 and "Pseudonym" in response.get_data(as_text=True)


def test_pseudonymous_export_by_pseudonym_hides_the_person(app, client, login_as, db, world):
    """The export takes the pseudonym from the report; its statements carry that pseudonym and no identifier."""
    _learn(app, "learner@alpha.example")
    _learn(app, "learner2@alpha.example")
    _pseudonymous(db, world)
    user = db.get(User, world["learner_a"].id)
    shown = pseudonym(user)
    login_as("trainer_a")
    assert shown in client.get("/reports/").get_data(as_text=True)
    response = client.get("/export/statements.jsonl", query_string={"learner": shown})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    statements = _lines(response)
    assert statements and {s["actor"]["account"]["name"] for s in statements} == {shown}
    for secret in (user.actor_id, user.email, user.name, "Lea"):
        assert secret not in text
    assert client.get("/export/statements.jsonl", query_string={"learner": shown[-8:].lower()}).status_code == 200
    assert client.get("/export/statements.jsonl?learner=Lernende:r%20FFFFFFFF").status_code == 400


def test_pseudonymous_export_with_email_actors_hides_them(app, client, login_as, db, world):
    """With e-mail actors (mbox) the export still shows neither e-mail, SHA-1 of it, nor name."""
    db.execute(update(Organisation).where(Organisation.id == world["org_a"].id).values(actor_mode="mbox"))
    db.commit()
    _learn(app, "learner@alpha.example")
    _pseudonymous(db, world, actor_mode="mbox")
    login_as("trainer_a")
    text = client.get("/export/statements.jsonl").get_data(as_text=True)
    sha1 = hashlib.sha1(b"mailto:learner@alpha.example").hexdigest()
    assert text and "learner@alpha.example" not in text and sha1 not in text and "Lea Lernend" not in text
    assert pseudonym(db.get(User, world["learner_a"].id)) in text


def test_pseudonymous_named_export_unchanged_without_pseudonymous_mode(app, client, login_as, db, world):
    """Without pseudonymous reports the export still takes e-mails and returns the statements as stored."""
    _learn(app, "learner@alpha.example")
    login_as("trainer_a")
    response = client.get("/export/statements.jsonl?learner=learner@alpha.example")
    actor_id = db.get(User, world["learner_a"].id).actor_id
    assert response.status_code == 200 and actor_id in response.get_data(as_text=True)


def test_pseudonymous_sort_by_name_does_not_follow_names(app, client, login_as, db, world):
    """sort=name orders by a random key, not alphabetically: the order of rows reveals nothing about names."""
    org = db.get(Organisation, world["org_a"].id)
    names = ["Anna A", "Bert B", "Cora C", "Dirk D", "Emil E"]
    users = [create_user(db, org, "learner", f"p{i}@alpha.example", name) for i, name in enumerate(names)]
    for i, user in enumerate(users):  # random-key order is the reverse of the name order
        user.actor_id = f"{9 - i}0000000-0000-4000-8000-000000000000"
    db.commit()
    _pseudonymous(db, world)
    login_as("trainer_a")
    body = client.get("/reports/?sort=name&per_page=10&department=").get_data(as_text=True)
    shown = re.findall(r'<td><a href="/reports/learners/(\d+)[^"]*">([^<]+)</a></td>', body)
    ids = [int(i) for i, _label in shown if int(i) in {u.id for u in users}]
    assert ids == [u.id for u in reversed(users)]
    assert not any(n in body for n in names)


def test_pseudonymous_search_by_name_or_email_ignored(app, client, login_as, db, world):
    """q= (name or e-mail search) has no effect in pseudonymous mode, so it cannot confirm who is who."""
    _pseudonymous(db, world)
    login_as("trainer_a")
    everyone = client.get("/reports/").get_data(as_text=True)
    searched = client.get("/reports/?q=learner2@alpha.example").get_data(as_text=True)
    count = re.search(r"(\d+) Lernende gefunden", everyone).group(1)
    assert re.search(r"(\d+) Lernende gefunden", searched).group(1) == count
    csv_text = client.get("/reports/export.csv?q=Lars").get_data().decode("utf-8-sig")
    assert "Lars" not in csv_text and len(csv_text.strip().splitlines()) == int(count) + 1


def test_pseudonymous_learner_page_hides_certificate_code_and_files(app, client, login_as, db, world):
    """The learner page shows no certificate code (the public check would name the holder); a trainer gets 404
    for the learner's certificate PDF and credential, which carry the name."""
    learner = app.test_client()
    login(learner, "learner@alpha.example")
    complete_course(app, learner, db)
    db.rollback()
    certificate = db.scalar(select(Certificate))
    _pseudonymous(db, world)
    login_as("trainer_a")
    body = client.get(f"/reports/learners/{world['learner_a'].id}").get_data(as_text=True)
    assert "Code" not in body and certificate.code[:4] not in body and "Lea Lernend" not in body
    assert client.get(f"/certificates/{certificate.id}.pdf").status_code == 404
    assert client.get(f"/certificates/{certificate.id}.json").status_code == 404
    assert learner.get(f"/certificates/{certificate.id}.pdf").status_code == 200  # the holder still can


def test_pseudonymous_pseudonym_is_keyed_not_derived_from_actor_id(db, world):
    """The pseudonym cannot be computed from the actor id alone: it depends on the organisation's secret key."""
    user = db.get(User, world["learner_a"].id)
    first = pseudonym(user)
    assert hashlib.sha256(user.actor_id.encode()).hexdigest()[:6].upper() not in first
    user.organisation.pseudonym_key = "another-key"
    assert pseudonym(user) != first
    db.rollback()


def test_pseudonymous_guideline_team_page_not_in_name_order(app, client, login_as, db, world):
    """The trainers' guideline team list shows pseudonyms in random-key order, not in name order."""
    org = db.get(Organisation, world["org_a"].id)
    names = ["Anna A", "Bert B", "Cora C"]
    users = [create_user(db, org, "learner", f"t{i}@alpha.example", name) for i, name in enumerate(names)]
    for i, user in enumerate(users):
        user.actor_id = f"{9 - i}0000000-0000-4000-8000-000000000000"
    db.commit()
    for user in users:
        _learn(app, user.email)
    _pseudonymous(db, world)
    login_as("trainer_a")
    body = client.get("/guidelines/team/").get_data(as_text=True)
    positions = [body.index(pseudonym(db.get(User, u.id))) for u in users]
    assert positions == sorted(positions, reverse=True)
    assert not any(n in body for n in names)
