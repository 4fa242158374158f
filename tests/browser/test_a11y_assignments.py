"""axe-core on the pages of the assignment loop: learner home with assignments, trainer assign and status pages,
admin departments and mail pages, forgot password; under the app's real CSP."""
from __future__ import annotations

from datetime import timedelta

import pytest

from lms.assignments.models import Assignment, LearnerAssignment
from lms.db import utcnow
from tests.browser.helpers import sign_in
from tests.browser.test_a11y import AXE_PATH, BLOCKING, _axe, _report

pytestmark = pytest.mark.browser


def _assigned(db, world):
    now = utcnow()
    rule = Assignment(org_id=world["org_a"].id, course_slug="mini", scope="organisation", include_future=False,
                      due_days=3, mandatory=True, recert_lead_days=30, created_by=world["trainer_a"].id,
                      created_at=now, active=True)
    db.add(rule)
    db.flush()
    for key, due in (("learner_a", now + timedelta(days=3)), ("learner_a2", now - timedelta(days=2))):
        db.add(LearnerAssignment(org_id=world["org_a"].id, user_id=world[key].id, assignment_id=rule.id,
                                 course_slug="mini", reason="assigned", mandatory=True, assigned_at=now, due_at=due))


def test_a11y_assignment_pages_axe_clean(live_server_factory, new_page, axe_script):
    """No serious or critical axe-core violation on the new pages, for each role that sees them."""
    server = live_server_factory(setup=_assigned)
    found: dict[str, list] = {}
    visits = [(None, ["/password/forgot"]), ("learner_a", ["/courses/", "/mail/preferences"]),
              ("trainer_a", ["/assignments/", "/assignments/status"]),
              ("admin_a", ["/assignments/departments", "/admin/mail"])]
    for who, paths in visits:
        page = new_page(server)
        page.context.route(f"**{AXE_PATH}", lambda route: route.fulfill(
            path=str(axe_script), content_type="text/javascript; charset=utf-8"))
        if who:
            sign_in(page, server.world[who].email)
        for path in paths:
            page.goto(path)
            _axe(page, path, found)
        assert page.problems.csp_console == [], page.problems.csp_console
    blocking = {label: [v for v in violations if v["impact"] in BLOCKING] for label, violations in found.items()}
    assert not any(blocking.values()), "axe-core serious/critical violations:\n" + _report(blocking)
