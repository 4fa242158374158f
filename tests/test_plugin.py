"""The LMS as a Flask extension mounted in host apps: the extension shapes, two apps side by side, error pages."""
import pytest
from flask import Flask

from conftest import TEST_SECRET_KEY, make_app
from factories import build_world
from lms import LMS, init_app
from plugin_helpers import HOST_404, make_host, sign_in


@pytest.fixture
def world_db(database_url, tmp_path):
    """The prepared world in the test database (shared by every host app of the test)."""
    app = make_app(database_url, tmp_path / "seed")
    session = app.extensions["lms_db"][1]()
    world = build_world(session)
    session.close()
    app.extensions["lms_db"][0].dispose()
    return world


def _dispose(*apps):
    for app in apps:
        app.extensions["lms_db"][0].dispose()


def test_plugin_mounts_under_prefix(database_url, tmp_path, world_db):
    """A host app mounts the LMS under /lms; its own routes keep working (without the LMS's security headers); the
    LMS's static files and pages carry the prefix."""
    host = make_host(database_url, tmp_path)
    client = host.test_client()
    host_page = client.get("/", host=True)
    assert host_page.get_data(as_text=True) == "host home"
    assert "Content-Security-Policy" not in host_page.headers  # the LMS's headers stay on its own pages
    login_page = client.get("/login")
    assert login_page.status_code == 200 and "script-src 'self'" in login_page.headers["Content-Security-Policy"]
    assert "/lms/static/css/app.css" in login_page.get_data(as_text=True)
    assert client.get("/static/css/app.css").status_code == 200
    assert client.get("/courses/").headers["Location"].startswith("/lms/login")
    _dispose(host)


def test_plugin_extension_shapes(database_url, tmp_path):
    """LMS(app), LMS() + init_app(app, url_prefix) and create_app all leave one LMS object per app, holding the
    prefix; one object cannot be mounted on a second app."""
    first = Flask("first", instance_path=str(tmp_path / "first"))
    second = Flask("second", instance_path=str(tmp_path / "second"))
    for app in (first, second):
        app.config.update(SECRET_KEY=TEST_SECRET_KEY, DATABASE_URL=database_url, TESTING=True)
    direct = LMS(first)
    deferred = LMS()
    deferred.init_app(second, url_prefix="learn/")
    assert first.extensions["lms"] is direct and direct.url_prefix == ""
    assert second.extensions["lms"] is deferred and deferred.url_prefix == "/learn"
    assert "/learn/login" in {rule.rule for rule in second.url_map.iter_rules()}
    with pytest.raises(RuntimeError):
        deferred.init_app(Flask("third", instance_path=str(tmp_path / "third")))
    standalone = make_app(database_url, tmp_path / "standalone")
    assert isinstance(standalone.extensions["lms"], LMS)
    assert isinstance(init_app(Flask("fourth", instance_path=str(tmp_path / "fourth")), url_prefix="/x"), LMS)
    _dispose(first, second, standalone)


def test_plugin_two_apps_side_by_side(database_url, tmp_path, world_db):
    """Two host apps in one process, mounted under /lms and /learn: both serve the lesson, each page links under
    its own prefix only, and each app has its own blueprints, navigation and hooks."""
    one = make_host(database_url, tmp_path, "/lms", name="one")
    two = make_host(database_url, tmp_path, "/learn", name="two")
    lms_one, lms_two = one.extensions["lms"], two.extensions["lms"]
    assert lms_one.blueprints is not lms_two.blueprints and lms_one.nav is not lms_two.nav
    for app, own, other in ((one, "/lms/", "/learn/"), (two, "/learn/", "/lms/")):
        client = app.test_client()
        sign_in(client, "learner@alpha.example")
        assert client.post("/courses/mini/start").headers["Location"].startswith(own)
        page = client.get("/courses/mini/lessons/b-one")
        body = page.get_data(as_text=True)
        assert page.status_code == 200 and f'href="{own}courses/' in body and f"{own}static/" in body
        assert f'"{other}' not in body
    # A hook of one app does not reach the other: app one refuses every password sign-in.
    lms_one.add_hook("password_login_checks", lambda db, user: "closed in app one")
    refused = one.test_client().post("/login", data={"email": "learner@alpha.example", "password": "password-123"})
    assert refused.status_code != 302 and "closed in app one" in refused.get_data(as_text=True)
    sign_in(two.test_client(), "learner@alpha.example")
    assert len(lms_one.hooks("password_login_checks")) == len(lms_two.hooks("password_login_checks")) + 1
    _dispose(one, two)


def test_plugin_unknown_hook_name_is_refused():
    """A misspelt hook name fails at start-up instead of being silently never called."""
    lms = LMS()
    with pytest.raises(ValueError):
        lms.add_hook("home_panel", print)
    with pytest.raises(ValueError):
        lms.set_hook("final_exam", print)


def test_plugin_errors_inside_and_outside_the_prefix(database_url, tmp_path, world_db):
    """Under the prefix the LMS answers with its own error pages (JSON with the xAPI version header under
    /lms/xapi/); elsewhere the host's own 404 page stays, also for aborts in host views."""
    host = make_host(database_url, tmp_path)
    client = host.test_client()
    for path in ("/nowhere", "/host-missing"):
        outside = client.get(path, host=True)
        assert outside.status_code == 404 and outside.get_data(as_text=True) == HOST_404
    inside = client.get("/no-such-page")
    assert inside.status_code == 404 and HOST_404 not in inside.get_data(as_text=True)
    assert 'href="/lms/static/css/app.css"' in inside.get_data(as_text=True)
    sign_in(client, "learner@alpha.example")
    aborted = client.get("/courses/no-such-course/")  # abort(404) inside an LMS view
    assert aborted.status_code == 404 and HOST_404 not in aborted.get_data(as_text=True)
    for path, method in (("/xapi/nothing-here", "GET"), ("/xapi/statements", "PATCH")):
        answer = client.open(path, method=method)
        assert answer.status_code in (404, 405) and answer.is_json, path
        assert answer.headers["X-Experience-API-Version"].startswith(("1.0", "2.0"))
    assert "X-Experience-API-Version" not in client.get("/nowhere", host=True).headers
    _dispose(host)


def test_plugin_standalone_keeps_its_error_pages(app, client):
    """The standalone app (no prefix) still answers unknown paths with the LMS's page and /xapi/ with JSON."""
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "/static/css/app.css" in page.get_data(as_text=True)
    lrs = client.get("/xapi/no-such-resource")
    assert lrs.status_code == 404 and lrs.is_json and "X-Experience-API-Version" in lrs.headers
