"""Dates, times and numbers in the user's language and the organisation's time zone."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from flask import render_template_string
from flask_babel import force_locale

from lms.auth.models import User
from lms.localtime.models import OrganisationTimezone

WHEN = datetime(2026, 12, 6, 14, 5, tzinfo=timezone.utc)
TEMPLATE = "{{ when|date }} | {{ when|datetime }} | {{ 4.5|decimal }} | {{ 4|decimal }} | {{ 0.85|percent }}"


def _render(app, locale: str) -> str:
    with app.test_request_context("/"), force_locale(locale):
        return render_template_string(TEMPLATE, when=WHEN)


def test_localtime_filters_german_berlin_default(app):
    """German: day.month.year, 24-hour clock in Europe/Berlin (UTC+1 in December), decimal comma."""
    assert _render(app, "de") == "06.12.2026 | 06.12.2026, 15:05 | 4,5 | 4 | 85\xa0%"


def test_localtime_filters_english(app):
    """English: month name, 12-hour clock, decimal point, same time zone."""
    assert _render(app, "en") == "Dec 6, 2026 | Dec 6, 2026, 3:05\u202fPM | 4.5 | 4 | 85%"


def test_localtime_admin_sets_timezone_pages_follow(client, login_as, world, db):
    """An admin chooses New York; the organisation's pages then show times there (UTC-5)."""
    login_as("admin_a")
    response = client.post("/admin/timezone", data={"timezone": "America/New_York"})
    assert response.status_code == 302
    assert db.get(OrganisationTimezone, world["org_a"].id).timezone == "America/New_York"
    page = client.get("/admin/timezone").get_data(as_text=True)
    assert re.search(r'<option selected value="America/New_York">', page)
    with client.application.test_request_context("/"):
        from flask_login import login_user

        login_user(db.get(User, world["admin_a"].id))
        assert render_template_string("{{ when|datetime }}", when=WHEN) == "06.12.2026, 09:05"


def test_localtime_unknown_timezone_rejected(client, login_as, world, db):
    """A zone name that does not exist is a 400 and nothing is stored."""
    login_as("admin_a")
    response = client.post("/admin/timezone", data={"timezone": "Mars/Olympus"})
    assert response.status_code == 400
    assert db.get(OrganisationTimezone, world["org_a"].id) is None


def test_localtime_learner_may_not_change_timezone(client, login_as, world):
    """Only admins reach the time zone page."""
    login_as("learner_a")
    assert client.post("/admin/timezone", data={"timezone": "UTC"}).status_code == 403


def test_localtime_course_hours_use_the_decimal_sign(client, login_as):
    """'ca. 0,3 Stunden' in German, '0.3' in English: the course list formats its hours by locale."""
    login_as("learner_a")
    assert "ca. 0,3 Stunden" in client.get("/courses/").get_data(as_text=True)
    client.post("/language", data={"lang": "en"})
    page = client.get("/courses/").get_data(as_text=True)
    assert "0.3" in page and "0,3" not in page
