"""Reporting levels: aggregate-only hides every group below k and every person, in pages, exports and queries."""
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from factories import create_user
from helpers import learn, set_privacy
from lms import policy
from lms.auth.pseudonyms import code
from lms.courses.models import Enrolment
from lms.reports import aggregate
from lms.reports.queries import PersonLevelRefused, learner_rows, Filters

K = 5


@pytest.fixture
def aggregate_org(app, world, db):
    """Organisation A in aggregate-only mode (k = 5) with three learners who learned and answered a quiz."""
    world["learner_a3"] = create_user(db, world["org_a"], "learner", "learner3@alpha.example", "Lutz Lernend",
                                      department="Marketing")
    db.commit()
    for email in ("learner@alpha.example", "learner2@alpha.example", "learner3@alpha.example"):
        learn(app, email, quiz=True)
    set_privacy(app, db, world["org_a"], world["admin_a"], reporting_level="aggregate", min_group_size=K)
    return world


def _secrets(world, db) -> list[str]:
    """Everything that would identify one of organisation A's learners on a page."""
    out = []
    for key in ("learner_a", "learner_a2", "learner_a3"):
        user = world[key]
        db.refresh(user)
        out += [user.name, user.email, user.actor_id, code(world["org_a"], user)]
    return out


def _staff_get_rules(app):
    for rule in app.url_map.iter_rules():
        access = policy.access_for(rule.endpoint)
        if access is None or access.lrs or "GET" not in rule.methods or "trainer" not in access.roles:
            continue
        if "learner" in access.roles:
            continue
        yield rule


def _text(response) -> str:
    """The response as text; a workbook as the text of all its cells."""
    if "spreadsheetml" in response.mimetype:
        import io

        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(response.data))
        return "\n".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)
    return response.get_data().decode("utf-8", "replace")


# Hand-in review is the trainer's grading task, not a report: it shows the pseudonym of the hand-in's author.
# Assigning a course offers the roster (names to choose from) and shows no learning data.
REVIEW_WORKFLOW = {"lms.tasks.review", "lms.tasks.review_list", "lms.assignments.manage"}


def test_reporting_aggregate_no_trainer_endpoint_reveals_a_person(app, client, login_as, aggregate_org, db):
    """Every trainer GET endpoint, with every id filled with a learner's: 404/403 or a page without any person."""
    world = aggregate_org
    enrolment = db.query(Enrolment).filter_by(user_id=world["learner_a"].id).first()
    values = {"user_id": world["learner_a"].id, "enrolment_id": enrolment.id, "quiz_id": "m1", "slug": "mini",
              "number": 1, "attempt_id": 1, "submission_id": 1, "target_id": 1, "certificate_id": 1,
              "credential_id": 1, "provider_id": 1, "lesson_id": "b-one", "task_id": "probe", "code": "x",
              "action": "retry", "filename": "css/app.css"}
    secrets = _secrets(world, db)
    login_as("trainer_a")
    checked = 0
    for rule in _staff_get_rules(app):
        if rule.endpoint in REVIEW_WORKFLOW:
            continue
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **{a: values[a] for a in rule.arguments})
        response = client.get(url + ("&" if "?" in url else "?") + "course=mini")
        assert response.status_code in (200, 302, 400, 403, 404), (rule.endpoint, response.status_code)
        body = _text(response)
        for secret in secrets:
            assert secret not in body, (rule.endpoint, secret)
        checked += 1
    assert checked >= 8
    assert client.get(f"/reports/learners/{world['learner_a'].id}").status_code == 404


def test_reporting_aggregate_overview_and_exports_show_fewer_than_k(app, client, login_as, aggregate_org):
    """Three learners in total: the overview, CSV and XLSX say "weniger als 5" instead of any count."""
    login_as("trainer_a")
    body = client.get("/reports/?course=mini").get_data(as_text=True)
    assert "weniger als 5" in body and "Version 1" in body
    csv_text = client.get("/reports/export.csv?course=mini").get_data(as_text=True)
    assert "weniger als 5" in csv_text and "Version 1" in csv_text
    assert "Lea" not in csv_text and ";3;" not in csv_text and ";2;" not in csv_text
    assert client.get("/reports/export.xlsx?course=mini").status_code == 200
    quiz = client.get("/reports/quizzes/m1?course=mini").get_data(as_text=True)
    assert "weniger als 5" in quiz and "Gewählte Antworten" not in quiz


def test_reporting_aggregate_queries_refuse_person_level(app, aggregate_org, db):
    """The person-level query itself refuses (one place), whatever a view does."""
    from lms.catalog import get_catalog

    with app.app_context():
        course = get_catalog().course("mini")
        with pytest.raises(PersonLevelRefused):
            learner_rows(db, aggregate_org["org_a"], course, Filters())


def test_reporting_statement_export_by_learner_refused(app, client, login_as, aggregate_org):
    """No statement export for trainers and none by learner in aggregate-only mode."""
    login_as("trainer_a")
    assert client.get("/forwarding/export/statements.jsonl").status_code in (403, 404)


def test_reporting_detail_progress_only_hides_scores(app, client, login_as, world, db):
    """Individual level with "progress only": no score column, no attempts or timeline on the learner page."""
    learn(app, "learner@alpha.example", quiz=True)
    set_privacy(app, db, world["org_a"], world["admin_a"], reporting_level="individual", trainer_detail="progress")
    login_as("trainer_a")
    assert "Ø Quiz" not in client.get("/reports/?course=mini").get_data(as_text=True)
    page = client.get(f"/reports/learners/{world['learner_a'].id}?course=mini").get_data(as_text=True)
    assert ">Nr.<" not in page and 'class="timeline"' not in page
    response = client.get("/reports/export.csv?course=mini")
    assert "Quiz" not in response.get_data(as_text=True).splitlines()[0]
    assert response.headers["X-Privacy-Settings-Version"] == "1"
    set_privacy(app, db, world["org_a"], world["admin_a"], trainer_detail="answers")
    page = client.get(f"/reports/learners/{world['learner_a'].id}?course=mini").get_data(as_text=True)
    assert ">Nr.<" in page and 'class="timeline"' in page


# --- property: no filter combination isolates fewer than k people --------------------------------------------

DEPARTMENTS = ("Marketing", "Vertrieb", "Einkauf")
START = date(2026, 1, 1)


@pytest.fixture
def population(app, world, db):
    """Eighteen learners over three departments with mixed status and activity dates."""
    org = world["org_a"]
    now = datetime(2026, 6, 1, tzinfo=timezone.utc)
    for i in range(18):
        user = create_user(db, org, "learner", f"p{i}@alpha.example", f"Person {i}",
                           department=DEPARTMENTS[i % 3] if i < 16 else "Einkauf")
        if i % 4 == 0:
            continue
        db.add(Enrolment(org_id=org.id, user_id=user.id, course_slug="mini", progress=(i % 5) / 4,
                         started_at=now - timedelta(days=100), last_activity_at=now - timedelta(days=i * 9),
                         completed_at=now - timedelta(days=i * 9) if i % 3 == 0 else None))
    db.commit()
    return org


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(department=st.sampled_from(("",) + DEPARTMENTS), status=st.sampled_from(("",) + aggregate.STATUSES),
       since=st.one_of(st.none(), st.integers(0, 200)), span=st.one_of(st.none(), st.integers(0, 200)))
def test_reporting_no_filter_isolates_a_small_group(app, population, db, department, status, since, span):
    """Department + status + date range: every figure shown stands for 0 or at least k people."""
    from lms.catalog import get_catalog

    flt = aggregate.AggregateFilters(department, status, START + timedelta(days=since) if since is not None else None,
                                     START + timedelta(days=(since or 0) + span) if span is not None else None)
    with app.app_context():
        rows, total = aggregate.group_table(db, population, get_catalog().course("mini"), flt, K)
    for row in rows + [total]:
        for value in [row.learners, *row.statuses.values()]:
            assert value is None or value == 0 or value >= K, (flt, row)
        if row.learners is None:
            assert row.average_progress is None and row.average_score is None
    if total.learners is not None:
        shown = [r.learners for r in rows]
        assert shown.count(None) != 1, "one hidden department could be computed from the total"


@pytest.mark.parametrize("until", ["9999-12-31", "２０２６-01-01", "0001-01-01", "2026-13-01"])
def test_reporting_aggregate_unreadable_date_filter_is_no_filter(client, login_as, aggregate_org, until):
    """A date filter whose next day is no date (or not ASCII, or no date at all) is ignored, never a 500."""
    login_as("trainer_a")
    response = client.get(f"/reports/?course=mini&since=2026-01-01&until={until}")
    assert response.status_code == 200
    assert aggregate.AggregateFilters.from_args({"until": until}).until is None
