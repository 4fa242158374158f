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
# The one sanctioned write on GET: looking at a person's data (learner detail, exports, someone else's
# certificate) appends a row to the audit log (lms/audit). Only that table is left out of the comparison, and
# the test checks below that the rows added there are exactly such records.
AUDIT_TABLE = "audit_log"
AUDITED_ON_GET = ("view.", "export.", "certificate.download")
# The public verification pages count lookups per client address in the shared rate limit (lms/ratelimit.py), in a
# short transaction of their own: a counter, not data anybody changed.
COUNTER_TABLES = ("rate_limit_counters",)


def _snapshot(db) -> dict[str, str]:
    """A digest of every row of every table."""
    import_models()
    db.rollback()
    digests = {}
    for table in Base.metadata.sorted_tables:
        if table.name == AUDIT_TABLE or table.name in COUNTER_TABLES:
            continue
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
    audited_before = _audit_ids(db)
    visited = _crawl(client)
    after = _snapshot(db)
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"GET requests changed {changed} (pages: {len(visited)})"
    assert len(visited) > 10  # the crawl reached the app, not only the start page
    new_actions = {action for row_id, action in _audit_rows(db) if row_id not in audited_before}
    assert all(action.startswith(AUDITED_ON_GET) for action in new_actions), new_actions


def _audit_rows(db) -> list[tuple[int, str]]:
    from lms.audit.models import AuditEntry

    db.rollback()
    return db.execute(select(AuditEntry.id, AuditEntry.action)).all()


def _audit_ids(db) -> set[int]:
    return {row_id for row_id, _action in _audit_rows(db)}
