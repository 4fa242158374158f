"""The reporting level outside lms/reports: person-level staff pages answer 404 in aggregate-only mode."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from ..db import get_session
from . import settings


def aggregate_only(org=None) -> bool:
    """Whether the (current user's) organisation reports in aggregate only."""
    org = org or current_user.organisation
    return settings.current(get_session(), org).aggregate_only


def person_level_view(view):
    """Decorator for staff pages that show one person (or a list of persons): 404 in aggregate-only mode."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user.is_authenticated and current_user.role != "learner" and aggregate_only():
            abort(404)
        return view(*args, **kwargs)

    return wrapped
