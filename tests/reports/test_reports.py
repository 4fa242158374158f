"""Trainer reports: scoping, matrix, filters, exports that match the screen, pseudonyms, inactivity, analysis."""
import csv
import io
from datetime import datetime
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from factories import create_user
from lms.auth.models import Organisation
from lms.courses.models import Enrolment
from lms.db import utcnow
from lms.reports.analysis import point_biserial


def _learn(app, email, lessons=("b-one",)):
    from conftest import login

    c = app.test_client()
    login(c, email)
    c.post("/courses/mini/start")
    for lesson in lessons:
        c.post(f"/courses/mini/lessons/{lesson}/done")
    return c


def _matrix_names(body: str) -> list[str]:
    return re.findall(r'<td><a href="/reports/learners/\d+[^"]*">([^<]+)</a></td>', body)


def test_reports_trainer_sees_only_own_org(app, client, login_as, world):
    """The overview lists only the trainer's own organisation's learners."""
    login_as("trainer_a")
    body = client.get("/reports/").get_data(as_text=True)
    assert _matrix_names(body) == ["Lars Lernend", "Lea Lernend"]
    assert "Ben Lernend" not in body


def test_reports_other_org_learner_is_404(client, login_as, world):
    """Guessing another organisation's learner id answers 404."""
    login_as("trainer_a")
    assert client.get(f"/reports/learners/{world['learner_b'].id}").status_code == 404
    assert client.get(f"/reports/learners/{world['learner_a'].id}").status_code == 200


def test_reports_learners_forbidden(client, login_as):
    """Learners cannot open reports."""
    login_as("learner_a")
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/export.csv").status_code == 403


def test_reports_matrix_shows_module_status_and_progress(app, client, login_as, world):
    """Module cells and progress follow what the learner did."""
    _learn(app, "learner@alpha.example", ("b-one", "b-two"))
    login_as("trainer_a")
    body = client.get("/reports/?sort=progress&dir=desc").get_data(as_text=True)
    assert _matrix_names(body)[0] == "Lea Lernend"
    assert "67 %" in body
    assert 'class="cell status-done"' in body


def test_reports_filters_department_status_search_and_pages(app, client, login_as, world, db):
    """Department, status and search filters narrow the matrix; pages split long lists."""
    _learn(app, "learner@alpha.example")
    login_as("trainer_a")
    assert _matrix_names(client.get("/reports/?department=Vertrieb").get_data(as_text=True)) == ["Lars Lernend"]
    assert _matrix_names(client.get("/reports/?status=in_progress").get_data(as_text=True)) == ["Lea Lernend"]
    assert _matrix_names(client.get("/reports/?status=not_started").get_data(as_text=True)) == ["Lars Lernend"]
    assert _matrix_names(client.get("/reports/?q=lars").get_data(as_text=True)) == ["Lars Lernend"]
    for i in range(12):
        create_user(db, world["org_a"], "learner", f"p{i:02d}@alpha.example", f"Person {i:02d}")
    db.commit()
    page2 = client.get("/reports/?per_page=10&page=2").get_data(as_text=True)
    assert len(_matrix_names(page2)) == 4 and "Seite 2 von 2" in page2


def test_reports_csv_matches_screen_with_bom_and_umlauts(app, client, login_as, world, db):
    """The CSV export has a BOM, keeps umlauts and lists exactly the rows and order of the filtered screen."""
    create_user(db, world["org_a"], "learner", "joerg@alpha.example", "Jörg Größe", department="Marketing")
    db.commit()
    _learn(app, "learner@alpha.example")
    login_as("trainer_a")
    args = "?department=Marketing&sort=name"
    screen = _matrix_names(client.get("/reports/" + args).get_data(as_text=True))
    raw = client.get("/reports/export.csv" + args).get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert [r[0] for r in rows[1:]] == screen == ["Jörg Größe", "Lea Lernend"]
    assert rows[0][0] == "Name" and len(rows[0]) == 2 + 2 + 2 + 3


def test_reports_xlsx_matches_csv(app, client, login_as, world):
    """The XLSX export holds the same cells as the CSV export; its dates are real dates in the local time zone."""
    _learn(app, "learner@alpha.example")
    login_as("trainer_a")
    csv_rows = list(csv.reader(io.StringIO(client.get("/reports/export.csv").get_data().decode("utf-8-sig")),
                               delimiter=";"))
    book = load_workbook(io.BytesIO(client.get("/reports/export.xlsx").get_data()))
    values = list(book.active.iter_rows(values_only=True))
    assert isinstance(values[2][-1], datetime)
    xlsx_rows = [["" if v is None else v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else str(v)
                  for v in row] for row in values]
    assert xlsx_rows == csv_rows


def test_reports_export_neutralises_formulas(client, login_as, world, db):
    """Names that look like spreadsheet formulas are exported as text."""
    create_user(db, world["org_a"], "learner", "evil@alpha.example", "=HYPERLINK(\"x\")")
    db.commit()
    login_as("trainer_a")
    body = client.get("/reports/export.csv").get_data().decode("utf-8-sig")
    assert "'=HYPERLINK" in body


def test_reports_pseudonymous_hides_names_everywhere(app, client, login_as, world, db):
    """With pseudonymous reporting, names and e-mails appear neither on screen nor in exports."""
    db.get(Organisation, world["org_a"].id).pseudonymous_reports = True
    db.commit()
    login_as("trainer_a")
    body = client.get("/reports/").get_data(as_text=True)
    assert "Lea Lernend" not in body and "Lernende:r " in body
    assert "Lea" not in client.get("/reports/export.csv").get_data().decode("utf-8-sig")
    assert "Lea Lernend" not in client.get(f"/reports/learners/{world['learner_a'].id}").get_data(as_text=True)


def test_reports_admin_switches_pseudonymous_reporting(client, login_as, world, db):
    """An admin turns pseudonymous reporting on with the organisation settings form."""
    login_as("admin_a")
    response = client.post("/admin/organisation", data={"actor_mode": "account", "pseudonymous_reports": "1",
                                                         "inactivity_days": "7"})
    assert response.status_code == 302
    db.rollback()
    db.expire_all()  # world objects live in this session's identity map
    assert db.get(Organisation, world["org_a"].id).pseudonymous_reports is True


def test_reports_inactive_learners_listed(app, client, login_as, world, db):
    """Learners without activity for the configured days appear in the inactivity list."""
    _learn(app, "learner@alpha.example")
    _learn(app, "learner2@alpha.example")
    db.rollback()
    enrolment = db.scalar(select(Enrolment).where(Enrolment.user_id == world["learner_a"].id))
    enrolment.last_activity_at = utcnow() - timedelta(days=10)
    db.commit()
    login_as("trainer_a")
    body = client.get("/reports/").get_data(as_text=True)
    section = body.split("Inaktiv seit 7 Tagen")[1].split("</section>")[0]
    assert "Lea Lernend" in section and "Lars Lernend" not in section


def test_reports_inactivity_days_set_per_organisation(app, client, login_as, world, db):
    """The admin sets the threshold; the dashboard uses it; nonsense values are refused and change nothing."""
    _learn(app, "learner@alpha.example")
    db.rollback()
    enrolment = db.scalar(select(Enrolment).where(Enrolment.user_id == world["learner_a"].id))
    enrolment.last_activity_at = utcnow() - timedelta(days=10)
    db.commit()
    login_as("admin_a")
    settings = {"actor_mode": "account", "pseudonymous_reports": "0"}
    assert client.get("/admin/organisation").get_data(as_text=True).count('value="7"') == 1  # the default shown
    assert client.post("/admin/organisation", data={**settings, "inactivity_days": "0"}).status_code == 400
    assert client.post("/admin/organisation", data={**settings, "inactivity_days": "14"}).status_code == 302
    login_as("trainer_a")
    body = client.get("/reports/").get_data(as_text=True)
    assert "Inaktiv seit 14 Tagen" in body
    assert "Lea Lernend" not in body.split("Inaktiv seit 14 Tagen")[1].split("</section>")[0]
    login_as("admin_a")
    client.post("/admin/organisation", data={**settings, "inactivity_days": "9"})
    login_as("trainer_a")
    body = client.get("/reports/").get_data(as_text=True)
    assert "Lea Lernend" in body.split("Inaktiv seit 9 Tagen")[1].split("</section>")[0]
    from conftest import login

    other = app.test_client()  # the other organisation keeps the default
    login(other, "trainer@beta.example")
    assert "Inaktiv seit 7 Tagen" in other.get("/reports/").get_data(as_text=True)


def test_reports_learner_detail_shows_lessons_and_timeline(app, client, login_as, world):
    """The learner page shows lesson records and the xAPI timeline section."""
    _learn(app, "learner@alpha.example")
    login_as("trainer_a")
    body = client.get(f"/reports/learners/{world['learner_a'].id}").get_data(as_text=True)
    assert "Erste Lektion" in body and "✓" in body and "xAPI-Verlauf" in body


def test_reports_question_analysis_counts_answers(app, client, login_as, world):
    """Question analysis shows how often each question was right and which answers were chosen."""
    learner = _learn(app, "learner@alpha.example")
    location = learner.post("/quizzes/mini/m1/start").headers["Location"]
    attempt_id = re.search(r"/attempts/(\d+)", location).group(1)
    learner.post(f"/quizzes/mini/m1/attempts/{attempt_id}/submit", data={"q-q1": "b", "q-q2": "false", "confirm_unanswered": "1"})
    login_as("trainer_a")
    body = client.get("/reports/quizzes/m1").get_data(as_text=True)
    assert "q1" in body and "100 %" in body and "0 %" in body
    login_as_b = app.test_client()
    from conftest import login

    login(login_as_b, "trainer@beta.example")
    assert "100 %" not in login_as_b.get("/reports/quizzes/m1").get_data(as_text=True)


def test_reports_point_biserial_values():
    """Discrimination is positive when strong learners get the item right, undefined without variance."""
    assert point_biserial([1, 1, 0, 0], [0.9, 0.8, 0.2, 0.1]) > 0.9
    assert point_biserial([1, 0, 1, 0], [0.1, 0.9, 0.2, 0.8]) < -0.9
    assert point_biserial([1, 1, 1], [0.1, 0.5, 0.9]) is None
    assert point_biserial([1, 0], [1, 0]) is None


def test_reports_score_bands_use_best_attempt_and_band_edges(app, world, db):
    """Best score per (learner, quiz) is banded by 10 %: 0.7 lands in 70–80, 1.0 in the top band; open attempts
    and other organisations do not count; the mean is over the best scores."""
    from lms.catalog import get_catalog
    from lms.quizzes.models import QuizAttempt
    from lms.reports import queries

    def enrol(user):
        enrolment = Enrolment(user_id=user.id, org_id=user.org_id, course_slug="mini")
        db.add(enrolment)
        db.flush()
        return enrolment

    def attempt(enrolment, quiz, number, scaled, status="submitted"):
        db.add(QuizAttempt(enrolment_id=enrolment.id, org_id=enrolment.org_id, user_id=enrolment.user_id,
                           course_slug="mini", quiz_id=quiz, number=number, seed=1, plan=[], status=status,
                           scaled=scaled))

    lea, lars, other = enrol(world["learner_a"]), enrol(world["learner_a2"]), enrol(world["learner_b"])
    attempt(lea, "m1", 1, 0.3)
    attempt(lea, "m1", 2, 0.7)        # best of two → band 7
    attempt(lea, "m2", 1, 1.0)        # top band
    attempt(lars, "m1", 1, 0.0)       # bottom band
    attempt(lars, "m2", 1, None, status="open")  # unfinished: not counted
    attempt(other, "m1", 1, 0.5)      # other organisation: not counted
    db.commit()
    with app.app_context():
        course = get_catalog().courses["mini"]
        bands = queries.score_bands(db, db.get(Organisation, world["org_a"].id), course)
    assert bands.counts == [1, 0, 0, 0, 0, 0, 0, 1, 0, 1]
    assert abs(bands.average - (0.7 + 1.0 + 0.0) / 3) < 1e-9


def test_reports_empty_charts_say_no_data(client, login_as, world):
    """Without any learning data the charts show a sentence instead of empty axes."""
    login_as("trainer_a")
    page = client.get("/reports/").get_data(as_text=True)
    assert page.count('class="chart-empty"') == 2 and "<svg" not in page.split('class="stats"')[1].split("</section>")[0]


def test_reports_score_bands_quiz_average_matches_reference(app, world, db):
    """The 'Ø Quiz' computed with the score bands in one statement equals average_quiz_score's own query:
    inactive learners and the final exam left out, best attempt per quiz, mean per learner, then over learners."""
    from lms.auth.models import User
    from lms.catalog import get_catalog
    from lms.quizzes.models import QuizAttempt
    from lms.reports import queries

    def enrol(user):
        enrolment = Enrolment(user_id=user.id, org_id=user.org_id, course_slug="mini")
        db.add(enrolment)
        db.flush()
        return enrolment

    def attempt(enrolment, quiz, number, scaled):
        db.add(QuizAttempt(enrolment_id=enrolment.id, org_id=enrolment.org_id, user_id=enrolment.user_id,
                           course_slug="mini", quiz_id=quiz, number=number, seed=1, plan=[], status="submitted",
                           scaled=scaled))

    lea, lars = enrol(world["learner_a"]), enrol(world["learner_a2"])
    attempt(lea, "m1", 1, 0.3)
    attempt(lea, "m1", 2, 0.9)
    attempt(lea, "m2", 1, 0.6)
    attempt(lars, "m1", 1, 0.2)
    with app.app_context():
        course = get_catalog().courses["mini"]
        if course.final_exam:
            attempt(lars, course.final_exam, 1, 1.0)  # the final exam is not part of 'Ø Quiz'
        db.commit()
        org = db.get(Organisation, world["org_a"].id)
        both = queries.score_bands(db, org, course).quiz_average
        assert both == pytest.approx(queries.average_quiz_score(db, org, course))
        assert both == pytest.approx(((0.9 + 0.6) / 2 + 0.2) / 2)
        db.get(User, world["learner_a2"].id).active = False  # an inactive learner's scores leave the average
        db.commit()
        assert queries.score_bands(db, org, course).quiz_average == pytest.approx((0.9 + 0.6) / 2)
        assert queries.average_quiz_score(db, org, course) == pytest.approx((0.9 + 0.6) / 2)
