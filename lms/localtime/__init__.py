"""Dates, times and numbers in the user's language and the organisation's time zone (Flask-Babel).

Templates use the filters |date, |datetime, |time, |decimal and |percent; the time zone comes from the
organisation's setting (default BABEL_DEFAULT_TIMEZONE, Europe/Berlin), which admins change on a small page.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Flask, g
from flask_babel import format_date, format_decimal, format_percent, format_time
from flask_login import current_user

from ..extension import of as lms_of


def organisation_timezone() -> str | None:
    """The signed-in user's organisation time zone (None: the app default); cached per request."""
    if "lms_timezone" not in g:
        g.lms_timezone = None
        if getattr(current_user, "is_authenticated", False):
            from ..db import get_session
            from .models import OrganisationTimezone

            row = get_session().get(OrganisationTimezone, current_user.org_id)
            g.lms_timezone = row.timezone if row else None
    return g.lms_timezone


def date_filter(value, fmt: str = "medium") -> str:
    """A date (or the date of a datetime, in the user's time zone) in the current locale; '–' for none."""
    return format_date(value, fmt) if value is not None else "–"


def datetime_filter(value, seconds: bool = False) -> str:
    """Date and time of day in the current locale and time zone, e.g. '06.12.2026, 15:45' / 'Dec 6, 2026, 3:45 PM'."""
    if value is None:
        return "–"
    return f"{format_date(value, 'medium')}, {format_time(value, 'medium' if seconds else 'short')}"


def time_filter(value, seconds: bool = False) -> str:
    """The time of day in the current locale and time zone."""
    return format_time(value, "medium" if seconds else "short") if value is not None else "–"


def decimal_filter(value, digits: int = 1) -> str:
    """A number with the locale's decimal sign and at most `digits` decimals (4 / 4,5 / 4.5)."""
    return format_decimal(value, format="#,##0" + ("." + "#" * digits if digits else ""))


def percent_filter(value) -> str:
    """A share 0..1 as a whole percentage in the locale's style ('85 %' / '85%'); '–' for none."""
    return format_percent(value) if value is not None else "–"


def init_app(app: Flask) -> None:
    """Register the filters and the admin page for the time zone."""
    app.jinja_env.filters.update(date=date_filter, datetime=datetime_filter, time=time_filter,
                                 decimal=decimal_filter, percent=percent_filter)
    app.jinja_env.globals["now_utc"] = lambda: datetime.now(timezone.utc)
    from .views import bp

    lms_of(app).add_blueprint(bp)
