"""Departments: an entity per organisation; the old free-text values are migrated into it."""
from __future__ import annotations

from sqlalchemy import create_engine, select, text

from lms.auth.models import Department
from lms.migrations import upgrade


def test_departments_migration_moves_free_text_into_entities(tmp_path):
    """Distinct trimmed names per organisation become departments; users point at them; blanks stay empty."""
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url, "0009_core_inactivity_days")
    engine = create_engine(url)
    with engine.begin() as conn:
        for org_id, slug in ((1, "a"), (2, "b")):
            conn.execute(text("INSERT INTO organisations (id, name, slug, actor_mode, pseudonymous_reports, "
                              "created_at) VALUES (:i, :s, :s, 'account', 0, '2026-01-01')"), {"i": org_id, "s": slug})
        rows = [(1, 1, "Marketing"), (2, 1, " Marketing "), (3, 1, ""), (4, 2, "Marketing"), (5, 2, "Vertrieb")]
        for uid, org_id, dept in rows:
            conn.execute(text("INSERT INTO users (id, org_id, email, name, password_hash, role, department, locale, "
                              "active, session_token, actor_id, must_change_password, created_at) VALUES "
                              "(:u, :o, :e, 'n', 'x', 'learner', :d, 'de', 1, :e, :e, 0, '2026-01-01')"),
                         {"u": uid, "o": org_id, "e": f"u{uid}@x.example", "d": dept})
        # A row that references users: the rebuild of the users table must keep it (foreign keys stay intact).
        conn.execute(text("INSERT INTO enrolments (id, user_id, org_id, course_slug, registration, started_at, "
                          "last_activity_at, progress) VALUES (1, 1, 1, 'mini', 'r-1', '2026-01-01', '2026-01-01', 0)"))
    engine.dispose()
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        departments = conn.execute(text("SELECT org_id, name FROM departments ORDER BY org_id, name")).all()
        links = dict(conn.execute(text("SELECT u.id, d.name FROM users u LEFT JOIN departments d "
                                       "ON d.id = u.department_id")).all())
        assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
        assert conn.execute(text("SELECT user_id FROM enrolments")).scalar() == 1
    engine.dispose()
    assert departments == [(1, "Marketing"), (2, "Marketing"), (2, "Vertrieb")]
    assert links == {1: "Marketing", 2: "Marketing", 3: None, 4: "Marketing", 5: "Vertrieb"}


def test_departments_create_user_links_one_department_per_name(app, db, world):
    """Creating users with the same department name in one organisation shares one Department row."""
    names = {(d.org_id, d.name) for d in db.scalars(select(Department))}
    assert names == {(world["org_a"].id, "Marketing"), (world["org_a"].id, "Vertrieb")}
    assert world["learner_a"].department_name == "Marketing"
    assert world["admin_a"].department is None


def test_departments_admin_creates_renames_and_moves(app, db, world, login_as):
    """The admin creates a department, renames it, moves a learner into it; names stay unique per organisation."""
    client = login_as("admin_a")
    assert client.post("/assignments/departments", data={"action": "save", "d-name": "Presse"}).status_code == 302
    assert client.post("/assignments/departments", data={"action": "save", "d-name": "Presse"}).status_code == 400
    db.rollback()
    presse = db.scalar(select(Department).where(Department.name == "Presse"))
    response = client.post("/assignments/departments", data={"action": "save", "d-department_id": str(presse.id),
                                                             "d-name": "Presse & PR"})
    assert response.status_code == 302
    assert client.post("/assignments/departments", data={"action": "move", "m-user": str(world["learner_a"].id),
                                                         "m-department": str(presse.id)}).status_code == 302
    db.rollback()
    from lms.auth.models import User

    db.expire_all()
    assert db.get(User, world["learner_a"].id).department.name == "Presse & PR"


def test_departments_other_organisation_is_404(app, db, world):
    """Another organisation's admin cannot rename the department or move people into it."""
    from conftest import login

    other = app.test_client()
    login(other, world["admin_b"].email)
    department = world["learner_a"].department_id
    response = other.post("/assignments/departments", data={"action": "save", "d-department_id": str(department),
                                                            "d-name": "Gekapert"})
    assert response.status_code == 404
    response = other.post("/assignments/departments", data={"action": "move", "m-user": str(world["learner_b"].id),
                                                            "m-department": str(department)})
    assert response.status_code == 404
