"""Fixtures for forwarding: the app with loopback endpoints allowed, a fake LRS and a real ralph LRS."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Appended, not prepended: other test packages import the top-level tests/conftest.py as `conftest`.
sys.path.append(str(Path(__file__).parent))  # fake_lrs and fwd_helpers beside this file

import fwd_helpers  # noqa: E402
from fake_lrs import FakeLRS  # noqa: E402
from fwd_helpers import RALPH_PASSWORD, RALPH_USER, Ralph, ralph_script  # noqa: E402


@pytest.fixture
def fwd_app(app):
    """The app with loopback endpoints allowed and fast backoff (tests only ever talk to 127.0.0.1)."""
    app.config.update(FORWARDING_ALLOW_PRIVATE_NETWORKS=True, FORWARDING_BACKOFF_BASE=0.01,
                      FORWARDING_BACKOFF_CAP=0.05)
    fwd_helpers.CURRENT["app"] = app
    yield app
    fwd_helpers.CURRENT.pop("app", None)


@pytest.fixture
def ctx(fwd_app):
    """An application context for the whole test (not with the client: requests would share its `g`)."""
    with fwd_app.app_context():
        yield fwd_app


@pytest.fixture
def fake_lrs():
    """A fake LRS on a free loopback port, stopped after the test."""
    lrs = FakeLRS().start()
    yield lrs
    lrs.kill()


@pytest.fixture(scope="session")
def ralph(tmp_path_factory):
    """A real ralph LRS on 127.0.0.1; `scripts/ralph.sh setup` creates its venv first if it is missing."""
    setup = ralph_script("setup")
    assert setup.returncode == 0, f"scripts/ralph.sh setup failed: {(setup.stderr or setup.stdout)[-2000:]}"
    directory = tmp_path_factory.mktemp("ralph")
    started = ralph_script("start", str(directory), "", RALPH_USER, RALPH_PASSWORD, timeout=120)
    assert started.returncode == 0, started.stderr + started.stdout
    yield Ralph(started.stdout.strip().splitlines()[-1], RALPH_USER, RALPH_PASSWORD, directory)
    ralph_script("stop", str(directory), timeout=60)
