"""Navigation entries that domain packages contribute to the header, per role."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, url_for
from flask_login import current_user


@dataclass(frozen=True)
class NavItem:
    """A header link shown to some roles."""

    endpoint: str
    label: object
    roles: tuple[str, ...]


def register(app: Flask, endpoint: str, label, roles: tuple[str, ...]) -> None:
    """Add a header link for the given roles."""
    app.extensions.setdefault("lms_nav", []).append(NavItem(endpoint, label, roles))


def init_app(app: Flask) -> None:
    """Expose nav_items() to templates."""

    def nav_items():
        if not current_user.is_authenticated:
            return []
        from flask import current_app

        return [
            {"url": url_for(item.endpoint), "label": item.label}
            for item in current_app.extensions.get("lms_nav", [])
            if current_user.role in item.roles
        ]

    app.jinja_env.globals["nav_items"] = nav_items
