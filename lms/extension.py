"""The LMS as a Flask extension: ``LMS(app, url_prefix="/lms")`` or ``lms = LMS(); lms.init_app(app, ...)``.

One LMS object belongs to one app and holds everything the packages contribute at start-up: the URL prefix, the
packages' blueprints, the header navigation, the named hooks (extras, requirements, guards, single hooks such as
the final-exam lookup) and the host's identity loader. Nothing of this lives in module globals, so two apps in one
process (each with its own prefix) never see each other's registrations. Signals (lms/signals.py) stay for events.
"""
from __future__ import annotations

from typing import Callable

from flask import Blueprint, Flask, current_app, has_app_context

#: Hooks that collect many functions, in registration order. Each is called by one package and filled by others,
#: so the caller imports none of them.
LIST_HOOKS = {
    "password_login_checks": "f(db, user) -> refusal text or None: may this user sign in with a password? (auth)",
    "home_panels": "f(db, user) -> panel: boxes at the top of the learner's course list (courses)",
    "lesson_extras": "f(db, user, course, enrolment, lesson) -> [link]: links on a lesson page (courses)",
    "module_extras": "f(db, user, course, enrolment) -> {module_id: item}: per-module items (courses)",
    "course_extras": "f(db, user, course, enrolment) -> [item]: items on the course overview (courses)",
    "module_requirements": "f(db, course, enrolment, module) -> bool: further module-completion conditions",
    "enrol_guards": "f(db, user, course) -> bool: may the user start the course on their own? (courses)",
    "report_extras": "f(db, org, course) -> extra: boxes on the trainer's course report (reports)",
    "learner_report_extras": "f(db, org, user, ...) -> extra: boxes on a learner's report page (reports)",
    "demo_loaders": "f(db, ...) -> None: demo data of a package for `flask demo load` (auth.cli)",
}
#: Hooks with one value, set by one package and read by another.
SINGLE_HOOKS = {
    "final_exam_passed": "f(db, enrolment, course) -> bool: was the final exam passed? (set by quizzes)",
    "forward_transform": "f(raw, ...) -> raw: what forwarding sends for a stored statement (set by privacy)",
    "after_enrol_endpoint": "endpoint name courses redirects to after enrolling in a course with a questionnaire",
}


class Extension:
    """What the LMS object holds per app; ``lms.LMS`` adds the wiring (mount with ``init_app(app, url_prefix=...)``;
    one object per app)."""

    def __init__(self, app: Flask | None = None, url_prefix: str | None = None) -> None:
        self.app: Flask | None = None
        self.url_prefix = ""
        self.blueprints: list[Blueprint] = []
        self.nav: list = []
        self._lists: dict[str, list] = {name: [] for name in LIST_HOOKS}
        self._single: dict[str, object] = {}
        self.identity_loader_func: Callable | None = None
        if app is not None:
            self.init_app(app, url_prefix)

    def init_app(self, app: Flask, url_prefix: str | None = None) -> None:
        """Mount the LMS on ``app`` under ``url_prefix`` (default: the app's URL_PREFIX setting, else none)."""
        if self.app is not None:
            raise RuntimeError("an LMS object belongs to one app; create another LMS() for a second app")
        if "lms" in app.extensions:
            raise RuntimeError("the LMS is already mounted on this app")
        prefix = url_prefix if url_prefix is not None else app.config.get("URL_PREFIX", "")
        self.url_prefix = normalise_prefix(prefix)
        self.app = app
        app.extensions["lms"] = self
        self.mount(app)

    def mount(self, app: Flask) -> None:
        """Wire the packages into the app (lms.LMS does; this core class knows no package)."""
        raise NotImplementedError

    # --- contributions of the packages (called from their init_app) ---

    def add_blueprint(self, bp: Blueprint) -> None:
        """Nest a package's blueprint under the LMS's parent blueprint "lms" (endpoints lms.<name>.<view>)."""
        if bp not in self.blueprints:
            self.blueprints.append(bp)

    def add_hook(self, name: str, func: Callable) -> None:
        """Add a function to a list hook (see LIST_HOOKS)."""
        if name not in LIST_HOOKS:
            raise ValueError(f"unknown LMS hook {name!r}")
        self._lists[name].append(func)

    def hooks(self, name: str) -> list:
        """The functions registered for a list hook, in registration order."""
        if name not in LIST_HOOKS:
            raise ValueError(f"unknown LMS hook {name!r}")
        return list(self._lists[name])

    def set_hook(self, name: str, value) -> None:
        """Set a single hook (see SINGLE_HOOKS)."""
        if name not in SINGLE_HOOKS:
            raise ValueError(f"unknown LMS hook {name!r}")
        self._single[name] = value

    def hook(self, name: str):
        """The value of a single hook, or None when no package set it."""
        if name not in SINGLE_HOOKS:
            raise ValueError(f"unknown LMS hook {name!r}")
        return self._single.get(name)

    def identity_loader(self, func: Callable) -> Callable:
        """Decorator for the host's identity loader: ``func() -> HostIdentity | None`` (see lms/auth/host.py)."""
        self.identity_loader_func = func
        return func

    # --- URLs and IRIs that carry the prefix ---

    def home_iri(self) -> str:
        """The LMS's public base: BASE_IRI plus the mount prefix (accounts' homePage, IRIs built without a request).

        At the root it is BASE_IRI exactly as configured, so stored actor accounts keep matching."""
        base = str(self.app.config["BASE_IRI"])
        return base.rstrip("/") + self.url_prefix if self.url_prefix else base

    def iri(self, path: str) -> str:
        """An absolute IRI below the LMS's base, e.g. iri("/issuer")."""
        return self.home_iri().rstrip("/") + path

    def absolute_url(self, endpoint: str, **values) -> str:
        """An absolute link to an LMS endpoint, built without a request (workers, CLI, mail)."""
        path = self.app.url_map.bind("localhost").build(endpoint, values, force_external=False)
        return str(self.app.config["BASE_IRI"]).rstrip("/") + path

    def owns_path(self, path: str) -> bool:
        """Whether a request path lies under the LMS's prefix (everything, when mounted at the root)."""
        return not self.url_prefix or path == self.url_prefix or path.startswith(self.url_prefix + "/")


def normalise_prefix(prefix: str | None) -> str:
    """'' for the root, else '/name' without a trailing slash."""
    prefix = (prefix or "").strip().rstrip("/")
    if prefix and not prefix.startswith("/"):
        prefix = "/" + prefix
    return prefix


def of(app: Flask) -> Extension:
    """The LMS mounted on ``app``."""
    return app.extensions["lms"]


def current_lms() -> Extension:
    """The LMS of the current app."""
    return current_app.extensions["lms"]


def hooks(name: str) -> list:
    """The current app's functions for a list hook (none outside an app context)."""
    return current_lms().hooks(name) if has_app_context() else []


def hook(name: str):
    """The current app's value of a single hook (None outside an app context)."""
    return current_lms().hook(name) if has_app_context() else None


def iri(path: str) -> str:
    """An absolute IRI below the current LMS's base, e.g. iri("/issuer")."""
    return current_lms().iri(path)


def home_iri() -> str:
    """The current LMS's BASE_IRI plus its prefix."""
    return current_lms().home_iri()


def request_home() -> str:
    """The LMS's base URL as this request reached it: the request's root URL plus the prefix."""
    from flask import request

    return request.url_root.rstrip("/") + current_lms().url_prefix


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link to an endpoint of the current LMS, built without a request."""
    return current_lms().absolute_url(endpoint, **values)
