"""Navigation entries that domain packages contribute to the header, per role, in three groups."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from . import extension
from .i18n import _l

ACCOUNT_ENDPOINT = "lms.auth.account"
GROUPS = {"learn": _l("Lernen"), "reports": _l("Auswertung"), "admin": _l("Verwaltung")}


@dataclass(frozen=True)
class NavItem:
    """A header link shown to some roles, in one group (learn, reports, admin)."""

    endpoint: str
    label: object
    roles: tuple[str, ...]
    group: str = "learn"


def default_group(roles: tuple[str, ...]) -> str:
    """The group an entry falls into when its package names none: learners' links are for learning,
    trainers' links for evaluation, admin-only links for administration."""
    if "learner" in roles:
        return "learn"
    return "admin" if tuple(roles) == ("admin",) else "reports"


def register(app: Flask, endpoint: str, label, roles: tuple[str, ...], group: str | None = None) -> None:
    """Add a header link for the given roles (group: learn, reports or admin; derived from roles if omitted)."""
    group = group or default_group(roles)
    if group not in GROUPS:
        raise ValueError(f"unknown navigation group {group!r}")
    extension.of(app).nav.append(NavItem(endpoint, label, tuple(roles), group))


def _current(items: list[NavItem], endpoint: str | None) -> NavItem | None:
    """The entry for this page: the same endpoint, else the first entry of the same package's blueprint."""
    if not endpoint:
        return None
    for item in items:
        if item.endpoint == endpoint:
            return item
    package = endpoint.rsplit(".", 1)[0]
    return next((item for item in items if item.endpoint.rsplit(".", 1)[0] == package), None)


def nav_groups() -> list[dict]:
    """The signed-in user's header links grouped: [{key, label, current, items: [{url, label, current}]}]."""
    if not current_user.is_authenticated:
        return []
    items = [item for item in extension.current_lms().nav if current_user.role in item.roles
             and item.endpoint in current_app.view_functions]
    # The account page has its own link outside the groups: no group entry stands for it.
    current = None if request.endpoint == ACCOUNT_ENDPOINT else _current(items, request.endpoint)
    groups = []
    for key, label in GROUPS.items():
        members = [{"url": url_for(item.endpoint), "label": item.label, "current": item is current}
                   for item in items if item.group == key]
        if members:
            groups.append({"key": key, "label": label, "items": members,
                           "current": any(m["current"] for m in members)})
    return groups


def init_app(app: Flask) -> None:
    """Register the core entries (course list, user administration) and expose nav_groups() to templates."""
    register(app, "lms.courses.index", _l("Kurse"), ("learner", "trainer", "admin"))
    register(app, "lms.auth.users", _l("Benutzer"), ("admin",))

    def nav_items():
        """The flat list of the user's links (kept for templates written before the groups)."""
        return [item for group in nav_groups() for item in group["items"]]

    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["nav_groups"] = nav_groups
