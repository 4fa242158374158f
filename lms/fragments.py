"""Per-app caches for the learner pages' templates: rendered fragments and URLs that depend only on their key.

A course's content is fixed while the app runs (lms/catalog.py loads it at start-up), so the HTML of a lesson
body, a lesson's row in the course overview or a question's text depends only on the content, the language, the
URL prefix the app is served under and the small per-learner state a template puts into the key. Templates use

    {% call cached("overview-lesson", lesson.id, done, status) %} ... {% endcall %}

and the block is rendered once per key and language; `cached_url_for` does the same for URLs. Nothing that differs
per person beyond the key (names, CSRF tokens, dates in a time zone) may be inside such a block.
"""
from __future__ import annotations

from flask import Flask, current_app, url_for
from flask.globals import _cv_request
from markupsafe import Markup

from .i18n import locale_code

MAX_ENTRIES = 20_000  # per app; a full cache is emptied and refilled (the content itself is a few hundred keys)


class FragmentCache:
    """Rendered fragments and built URLs by key, emptied when the catalog object changes or the cache is full."""

    def __init__(self) -> None:
        """Start empty."""
        self.entries: dict = {}
        self.catalog = None

    def lookup(self, key, build, app: Flask | None = None):
        """The value for the key, built (and kept) on the first use (app: the current app, when the caller has it)."""
        catalog = (app or current_app).extensions.get("lms_catalog")
        if catalog is not self.catalog or len(self.entries) >= MAX_ENTRIES:
            self.entries = {}
            self.catalog = catalog
        try:
            return self.entries[key]
        except KeyError:
            value = self.entries[key] = build()
            return value


def _request_context():
    # The request context straight from Flask's context variable: templates call the two functions below a dozen
    # times per page, and each look-up through the request/current_app proxies costs about 1 µs.
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError("cached fragments and URLs need a request context")
    return ctx


def cached(*key, caller) -> Markup:
    """Jinja call block: the block's HTML for this key in the current language and URL prefix."""
    ctx = _request_context()
    full = ("fragment", key, locale_code(), ctx.request.root_path)
    return ctx.app.extensions["lms_fragments"].lookup(full, lambda: Markup(caller()), ctx.app)


def cached_url_for(endpoint: str, **values) -> str:
    """url_for for links inside the app (no _external, no other options), built once per arguments."""
    ctx = _request_context()
    request = ctx.request
    key = ("url", endpoint, request.root_path, request.blueprint if endpoint[0] == "." else None,
           tuple(sorted(values.items())) if values else ())
    return ctx.app.extensions["lms_fragments"].lookup(key, lambda: url_for(endpoint, **values), ctx.app)


def cached_value(key: tuple, build):
    """Any value that depends only on the content and the URL prefix (URLs, lists of them), built once per key."""
    ctx = _request_context()
    return ctx.app.extensions["lms_fragments"].lookup(("value", key, ctx.request.root_path), build, ctx.app)


def init_app(app: Flask) -> None:
    """Install the cache and its two template globals."""
    app.extensions["lms_fragments"] = FragmentCache()
    app.jinja_env.globals.update(cached=cached, cached_url_for=cached_url_for)
