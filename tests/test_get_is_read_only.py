"""No writes on GET: every page reachable by following links, for every role, leaves the database unchanged."""
from __future__ import annotations

import hashlib
import re
from urllib.parse import urldefrag, urlsplit

import pytest
from sqlalchemy import select

from conftest import login
from lms.db import Base
from lms.migrations import import_models
from tests_quiz_helpers import complete_course

LINK_RE = re.compile(r'href="(/[^"]*)"')
SKIP = re.compile(r"^/static/|\.(pdf|css|js)$")
MAX_PAGES = 400


def _snapshot(db) -> dict[str, str]:
    """A digest of every row of every table."""
    import_models()
    db.rollback()
    digests = {}
    for table in Base.metadata.sorted_tables:
        rows = db.execute(select(table).order_by(*table.primary_key.columns)).all()
        digests[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return digests


def _crawl(client) -> list[str]:
    """Follow same-site links breadth-first from the start page; return the paths visited."""
    seen, queue = set(), ["/", "/account"]
    while queue and len(seen) < MAX_PAGES:
        path = urldefrag(queue.pop(0))[0]
        if path in seen or SKIP.search(urlsplit(path).path):
            continue
        seen.add(path)
        response = client.get(path)
        assert response.status_code < 500, f"GET {path} → {response.status_code}"
        if response.mimetype == "text/html":
            queue.extend(link.replace("&amp;", "&") for link in LINK_RE.findall(response.get_data(as_text=True)))
    return sorted(seen)


@pytest.mark.parametrize("email", ["learner@alpha.example", "trainer@alpha.example", "admin@alpha.example"])
def test_get_pages_do_not_write(app, world, db, email):
    """A learner who finished the course, the trainer and the admin browse everything they can reach by GET."""
    learner = app.test_client()
    login(learner, "learner@alpha.example")
    complete_course(app, learner, db)
    client = app.test_client()
    login(client, email)
    client.get("/")  # anything a first page view may legitimately settle (none expected) happens before the snapshot
    before = _snapshot(db)
    visited = _crawl(client)
    after = _snapshot(db)
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"GET requests changed {changed} (pages: {len(visited)})"
    assert len(visited) > 10  # the crawl reached the app, not only the start page
