"""The request's transaction ends before the after-request hooks; before_commit hooks still write inside it."""
from __future__ import annotations

import pytest
from flask import jsonify, make_response, request
from sqlalchemy import select

from lms.auth.models import Organisation
from lms.db import before_commit, get_session
from transaction_helpers import committed_count, write_lock_free


@pytest.fixture
def routes(app):
    """POST routes that add an organisation, then ask a before_commit hook to add one too or to answer 403."""
    from lms.auth.services import create_organisation

    def add_second(response):
        create_organisation(get_session(), "Second GmbH", "second")
        return response

    def refuse(response):
        return make_response(jsonify(error="refused"), 403)

    @app.route("/_test/tx/<mode>", methods=["POST"])
    def _tx(mode):
        create_organisation(get_session(), "First GmbH", "first")
        before_commit(add_second if mode == "write" else refuse)
        return "ok"

    return app


def _slugs(db) -> set[str]:
    db.rollback()
    return set(db.scalars(select(Organisation.slug).where(Organisation.slug.in_(["first", "second"]))))


def test_request_transaction_before_commit_hook_writes_in_it(routes, client, db):
    """A hook's write is committed together with the view's."""
    response = client.post("/_test/tx/write")
    assert response.status_code == 200
    assert _slugs(db) == {"first", "second"}


def test_request_transaction_before_commit_hook_answer_rolls_back(routes, client, db):
    """A hook that answers with an error status replaces the response, and nothing of the request is stored."""
    response = client.post("/_test/tx/refuse")
    assert response.status_code == 403 and response.get_json() == {"error": "refused"}
    assert _slugs(db) == set()


def test_request_transaction_ended_before_after_request_hooks(routes, client, db):
    """The app's after-request hooks (security headers, cookies) run once the write transaction committed: its
    rows are visible to another connection meanwhile, and on SQLite that connection could take the write lock."""
    app = routes
    seen = []

    @app.after_request
    def _look(response):
        if request.path.startswith("/_test/"):  # not the client's GET for a CSRF token
            seen.append((committed_count(app, "SELECT count(*) FROM organisations WHERE slug = 'first'"),
                         write_lock_free(app)))
        return response

    assert client.post("/_test/tx/write").status_code == 200
    assert seen == [(1, True if app.extensions["lms_db"][0].dialect.name == "sqlite" else None)]
