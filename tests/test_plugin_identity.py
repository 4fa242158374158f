"""Host identity: examples/host_app.py hands its signed-in user to the LMS, which maps it to an LMS user and
organisation (just in time) and signs it in through its own session path: no second sign-in."""
import importlib.util

import pytest
from sqlalchemy import select

from conftest import HERE, TEST_COURSES, TEST_QUIZZES, TEST_SECRET_KEY
from lms.audit.models import AuditEntry
from lms.auth.models import Organisation, User
from plugin_helpers import LMSClient

PASSWORD = "host password 123"


def _load_example():
    spec = importlib.util.spec_from_file_location("host_app", HERE.parent / "examples" / "host_app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


host_app = _load_example()


@pytest.fixture
def host(database_url, tmp_path):
    """The example host app on the test database, with a learner and a trainer account of its own."""
    app = host_app.create_app({"TESTING": True, "SECRET_KEY": TEST_SECRET_KEY, "HOST_DATA_DIR": str(tmp_path),
                               "DATABASE_URL": database_url, "COURSES_DIR": str(TEST_COURSES),
                               "QUIZZES_DIR": str(TEST_QUIZZES), "BASE_IRI": "http://host.test"})
    app.test_client_class = type("HostClient", (LMSClient,), {"prefix": "/lms"})
    host_app.add_user(app, "alice@example.org", "Alice Example", PASSWORD)
    host_app.add_user(app, "tom@example.org", "Tom Trainer", PASSWORD, role="trainer")
    yield app
    app.extensions["lms_db"][0].dispose()


@pytest.fixture
def host_db(host):
    """A session on the LMS database."""
    session = host.extensions["lms_db"][1]()
    yield session
    session.close()


def host_sign_in(client, email: str):
    """Sign in through the host's own login form."""
    response = client.post("/login", host=True, data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def test_plugin_identity_host_user_enters_lms_without_second_sign_in(host, host_db):
    """Signed in at the host, the person opens the LMS's course list directly; the LMS user and organisation are
    created on the first visit (with an audit row), and the host's own session survives the LMS's sign-in."""
    client = host.test_client()
    assert client.get("/courses/").status_code == 302  # nobody signed in to the host: the LMS's login
    host_sign_in(client, "alice@example.org")
    page = client.get("/courses/")
    assert page.status_code == 200 and "Minikurs" in page.get_data(as_text=True)
    user = host_db.scalar(select(User).where(User.email == "alice@example.org"))
    assert user.role == "learner" and user.organisation.slug == "host" and user.last_login_at is not None
    assert host_db.scalar(select(AuditEntry.action).where(AuditEntry.target_id == str(user.id))) == "user.create"
    assert "Alice Example" in client.get("/", host=True).get_data(as_text=True)  # still signed in at the host
    assert client.get("/courses/").status_code == 200  # the second request needs no new sign-in
    assert len(host_db.scalars(select(User).where(User.email == "alice@example.org")).all()) == 1


def test_plugin_identity_host_sign_out_ends_lms_session(host):
    """Signing out of the host ends the LMS session the bridge started."""
    client = host.test_client()
    host_sign_in(client, "alice@example.org")
    assert client.get("/courses/").status_code == 200
    client.post("/logout", host=True)
    assert client.get("/courses/").headers["Location"].startswith("/lms/login")


def test_plugin_identity_switch_user_and_role(host, host_db):
    """Another host user in the same browser replaces the LMS session; the host's role reaches the LMS user."""
    client = host.test_client()
    host_sign_in(client, "alice@example.org")
    client.get("/courses/")
    host_sign_in(client, "tom@example.org")
    assert "Tom Trainer" in client.get("/courses/").get_data(as_text=True)
    tom = host_db.scalar(select(User).where(User.email == "tom@example.org"))
    assert tom.role == "trainer"
    host_app.add_user(host, "tom@example.org", "Tom Trainer", PASSWORD, role="learner")
    host_sign_in(client, "tom@example.org")  # a fresh host session: the LMS maps again
    client.get("/courses/")
    host_db.rollback()
    assert host_db.get(User, tom.id).role == "learner"
    assert "user.role_change" in host_db.scalars(select(AuditEntry.action)).all()


def test_plugin_identity_refusals(host, host_db):
    """Without JIT an unknown person gets the LMS's 403 page; a person whose e-mail belongs to another
    organisation, or whose e-mail the LMS cannot take, is refused too, and nothing is created."""
    from factories import create_org, create_user

    other = create_org(host_db, "Other", "other")
    create_user(host_db, other, email="tom@example.org")
    host_db.commit()
    client = host.test_client()
    host_sign_in(client, "tom@example.org")
    refused = client.get("/courses/")
    assert refused.status_code == 403 and "/lms/static/css/app.css" in refused.get_data(as_text=True)
    host_app.add_user(host, "broken@", "Broken Address", PASSWORD)
    host_sign_in(client, "broken@")
    assert client.get("/courses/").status_code == 403  # an address the LMS cannot take: refused, not a 500
    host.config["HOST_IDENTITY_JIT"] = False
    host_sign_in(client, "alice@example.org")
    assert client.get("/courses/").status_code == 403
    host_db.rollback()
    assert host_db.scalar(select(User).where(User.email == "alice@example.org")) is None
    assert host_db.scalar(select(Organisation).where(Organisation.slug == "host")) is None


def test_plugin_identity_host_pages_untouched(host):
    """The host's own pages and 404 stay the host's; the LMS's 404 under its prefix stays the LMS's."""
    client = host.test_client()
    assert "Host: page not found" in client.get("/nowhere", host=True).get_data(as_text=True)
    inside = client.get("/nowhere")
    assert inside.status_code == 404 and "Host: page not found" not in inside.get_data(as_text=True)
