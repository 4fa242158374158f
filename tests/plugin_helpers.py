"""A host Flask app with the LMS mounted under a prefix, and a test client whose paths are relative to the LMS."""
from __future__ import annotations

from flask import Flask, abort

from conftest import CSRF_RE, TEST_COURSES, TEST_QUIZZES, TEST_SECRET_KEY, CSRFClient
from lms import LMS

HOST_404 = "host: no such page"
BASE_IRI = "http://host.test"


class LMSClient(CSRFClient):
    """A CSRF-aware client for a mounted LMS: paths starting with "/" are taken relative to the LMS's prefix
    (so the suite's helpers work unchanged); pass host=True for the host's own paths."""

    prefix = ""

    def open(self, *args, host: bool = False, **kwargs):
        """Prefix the path unless it is the host's or already carries the prefix."""
        if args and isinstance(args[0], str) and not host and args[0].startswith("/") \
                and not args[0].startswith(self.prefix + "/"):
            args = (self.prefix + args[0], *args[1:])
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        """The token from an LMS page, else from the host's login page (when the LMS refuses the person)."""
        try:
            return super().csrf_token()
        except AssertionError:
            match = CSRF_RE.search(self.get("/login", host=True).get_data(as_text=True))
            assert match, "no page with a CSRF token"
            return match.group(1) or match.group(2)


def make_host(database_url: str, tmp_path, prefix: str = "/lms", name: str = "host", **config) -> Flask:
    """A host app with its own home page, a page that aborts with 404 and its own 404 page; the LMS under
    ``prefix``."""
    host = Flask(name, instance_path=str(tmp_path / f"{name}-instance"))
    host.config.update(SECRET_KEY=TEST_SECRET_KEY, DATABASE_URL=database_url, COURSES_DIR=str(TEST_COURSES),
                       QUIZZES_DIR=str(TEST_QUIZZES), TESTING=True, BASE_IRI=BASE_IRI, **config)

    @host.route("/")
    def host_home():
        return "host home"

    @host.route("/host-missing")
    def host_missing():
        abort(404)

    @host.errorhandler(404)
    def host_not_found(_exc):
        return HOST_404, 404

    LMS(host, url_prefix=prefix)
    host.test_client_class = type("PrefixedClient", (LMSClient,), {"prefix": prefix})
    return host


def sign_in(client, email: str, password: str = "password-123"):
    """Sign in through the LMS's own form (under its prefix)."""
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response
