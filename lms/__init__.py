"""Social-media micro-LMS: application factory and plugin entry point (the LMS extension object)."""
from __future__ import annotations

import gc

from flask import Flask
from flask.templating import Environment

from .extension import Extension

__all__ = ["LMS", "create_app", "init_app"]


class _Environment(Environment):
    """Flask's Jinja environment, with the environment's globals shared by the templates instead of a ChainMap per
    template: Jinja copies a template's globals into a new dict for every render, include and macro import, and
    copying a ChainMap of thirty globals runs in Python (about 10 µs each time, five times per learner page). No
    template of the LMS is loaded with globals of its own; one that is still gets Jinja's ChainMap."""

    def make_globals(self, d):
        """The environment's own globals dict when the template brings none, else Jinja's ChainMap."""
        if not d:
            return self.globals
        return super().make_globals(d)


class _App(Flask):
    """Flask, remembering which hooks and views are plain functions: Flask asks ``inspect`` about every one of them
    (a dozen per request) whether it is a coroutine function."""

    jinja_environment = _Environment
    sync_limit = 4096  # per-request callbacks (after_this_request) are new functions each time: the memory is bounded

    def ensure_sync(self, func):
        """As Flask's, with plain functions remembered."""
        known = self.__dict__.setdefault("_lms_sync", set())
        try:
            if func in known:
                return func
        except TypeError:  # an unhashable callable
            return super().ensure_sync(func)
        result = super().ensure_sync(func)
        if result is func:
            if len(known) >= self.sync_limit:
                known.clear()
            known.add(func)
        return result


class LMS(Extension):
    """The LMS as a Flask extension: ``LMS(app, url_prefix="/lms")`` or ``lms = LMS(); lms.init_app(app, ...)``."""

    def mount(self, app: Flask) -> None:
        """Core services, every package's init_app, the parent blueprint and the error pages (lms/wiring.py)."""
        from . import wiring

        wiring.mount(app, self)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the standalone app: config, database, i18n, then every package (test config last)."""
    app = _App(__name__, instance_relative_config=True, static_folder=None)
    from . import config

    config.load(app, test_config)
    LMS(app, url_prefix=app.config["URL_PREFIX"])
    if not app.testing:
        # The start-up objects (catalog, templates, modules: a quarter of a million) live as long as the process;
        # moved out of the cycle collector's reach, they are not rescanned by every collection a large report
        # triggers (the CSV of 5,000 learners spent more time in garbage collection than in its queries).
        gc.freeze()
    return app


def init_app(app: Flask, url_prefix: str = "") -> LMS:
    """Mount the LMS on a host app under ``url_prefix`` (shorthand for ``LMS(app, url_prefix=...)``)."""
    return LMS(app, url_prefix=url_prefix)
