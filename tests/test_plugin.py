"""The LMS mounted as a blueprint inside a host Flask app."""
from flask import Flask

from conftest import TEST_COURSES, TEST_QUIZZES
from factories import build_world
from lms import init_app


def test_plugin_mounts_under_prefix(database_url, tmp_path):
    """A host app can mount the LMS under /lms; its own routes keep working."""
    host = Flask("host", instance_path=str(tmp_path / "host-instance"))
    host.config.update(SECRET_KEY="host", DATABASE_URL=database_url, COURSES_DIR=str(TEST_COURSES),
                       QUIZZES_DIR=str(TEST_QUIZZES), TESTING=True)

    @host.route("/")
    def host_home():
        return "host home"

    init_app(host, url_prefix="/lms")
    client = host.test_client()
    assert client.get("/").get_data(as_text=True) == "host home"
    login_page = client.get("/lms/login")
    assert login_page.status_code == 200
    assert "/lms/static/css/app.css" in login_page.get_data(as_text=True)
    assert client.get("/lms/static/css/app.css").status_code == 200
    with host.app_context():
        session = host.extensions["lms_db"][1]()
        build_world(session)
        session.close()
    assert client.get("/lms/courses/").status_code == 302
    host.extensions["lms_db"][0].dispose()
