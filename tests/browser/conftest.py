"""Browser fixtures: the real app on a fresh database served on loopback, Debian's headless Chromium, pages.

Playwright (PyPI) drives /usr/bin/chromium directly; `playwright install` is never needed. Every test gets its
own live server (fresh copy of the migrated template database, the demo world from tests/factories.py) and its
own browser context; the browser itself is started once per session (per xdist worker).
"""
from __future__ import annotations

import os
import re
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from tests.conftest import make_app
from factories import PASSWORD, build_world

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 15_000
# Records CSP violations on window before any page script runs (init scripts are not subject to the page's CSP).
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push({directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample || ''});
});
"""


@dataclass
class LiveServer:
    """A running app: its base URL, the Flask app, the demo world (plain values) and a DB session factory."""

    url: str
    app: object
    world: dict
    password: str = PASSWORD
    _server: object = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def session(self):
        """A new database session (the caller closes it)."""
        return self.app.extensions["lms_db"][1]()

    def stop(self) -> None:
        """Shut the server down and release the database."""
        self._server.shutdown()
        self._thread.join(10)
        self._server.server_close()
        self.app.extensions["lms_db"][0].dispose()


def _plain(world: dict) -> dict:
    """The world's users as plain namespaces (id, email, name, org_id) usable after the session is gone."""
    out = {}
    for key, obj in world.items():
        if key.startswith("org_"):
            out[key] = SimpleNamespace(id=obj.id, slug=obj.slug, name=obj.name)
        else:
            out[key] = SimpleNamespace(id=obj.id, email=obj.email, name=obj.name, org_id=obj.org_id)
    return out


@pytest.fixture
def live_server_factory(database_url, tmp_path):
    """Start the real app (make_app) with werkzeug on 127.0.0.1:<free port>; stopped after the test."""
    servers: list[LiveServer] = []

    def start(setup=None, **overrides) -> LiveServer:
        """Serve a fresh app with the demo world; setup(db, world) may add rows first; overrides go to config."""
        app = make_app(database_url, tmp_path, **overrides)
        session = app.extensions["lms_db"][1]()
        try:
            world = build_world(session)
            if setup is not None:
                setup(session, world)
                session.commit()
            plain = _plain(world)
        finally:
            session.close()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
        thread.start()
        live = LiveServer(f"http://127.0.0.1:{server.server_port}", app, plain, _server=server, _thread=thread)
        servers.append(live)
        return live

    yield start
    for live in servers:
        live.stop()


@pytest.fixture
def live_server(live_server_factory):
    """The app with the small test course and the demo world, served on loopback."""
    return live_server_factory()


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, once per session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install -e '.[test]' (make test does)")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: apt-get install chromium (scripts/system-deps.sh)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class PageProblems:
    """What the page reported: dialogs, CSP console messages, uncaught script errors, requests to a URL of 'x'."""

    dialogs: list = field(default_factory=list)
    csp_console: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    injected_requests: list = field(default_factory=list)


@pytest.fixture
def new_page(browser, live_server_factory):
    """Factory for pages in fresh browser contexts that record dialogs, CSP reports and errors in .problems."""
    contexts = []

    def open_page(server: LiveServer):
        """A new page in its own context (own cookies) with base_url, the CSP recorder and the listeners."""
        context = browser.new_context(base_url=server.url, locale="de-DE", viewport={"width": 1280, "height": 900},
                                      accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(CSP_RECORDER)
        contexts.append(context)
        page = context.new_page()
        problems = PageProblems()

        def on_dialog(dialog):
            """Record and dismiss any alert/confirm/prompt."""
            problems.dialogs.append((dialog.type, dialog.message, page.url))
            dialog.dismiss()

        def on_console(message):
            """Record console messages about the Content Security Policy."""
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
                problems.csp_console.append((message.text, page.url))

        def on_request(request):
            """Record requests for the URL 'x' that the hostile <img src=x> would load."""
            if re.search(r"/x(\?|$)", request.url):
                problems.injected_requests.append(request.url)

        page.on("dialog", on_dialog)
        page.on("console", on_console)
        page.on("pageerror", lambda exc: problems.page_errors.append(str(exc)))
        page.on("request", on_request)
        page.problems = problems
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page, live_server):
    """A page in a fresh browser context on the default live server."""
    return new_page(live_server)


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe.min.js from the npm registry, fetched once into .cache/axe by scripts/fetch-axe.sh (idempotent)."""
    result = subprocess.run([str(REPO / "scripts" / "fetch-axe.sh")], capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        pytest.fail(f"scripts/fetch-axe.sh failed: {result.stderr.strip()[-500:]}")
    path = Path(result.stdout.strip().splitlines()[-1])
    assert path.is_file() and path.stat().st_size > 100_000, f"axe-core not usable at {path}"
    return path
