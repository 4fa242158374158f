"""Fixtures of the privacy tests (helpers.py beside this file)."""
import sys
from pathlib import Path

sys.path.append(str(Path(__file__).parent))
sys.path.append(str(Path(__file__).parent.parent / "forwarding"))  # the fake LRS and its helpers

import pytest  # noqa: E402


@pytest.fixture
def fake_lrs():
    """A fake LRS on a free loopback port, stopped after the test."""
    from fake_lrs import FakeLRS

    lrs = FakeLRS().start()
    yield lrs
    lrs.kill()


@pytest.fixture
def fwd_app(app):
    """The app with loopback forwarding endpoints allowed and fast backoff (tests only talk to 127.0.0.1)."""
    import fwd_helpers

    app.config.update(FORWARDING_ALLOW_PRIVATE_NETWORKS=True, FORWARDING_BACKOFF_BASE=0.01,
                      FORWARDING_BACKOFF_CAP=0.05)
    fwd_helpers.CURRENT["app"] = app
    yield app
    fwd_helpers.CURRENT.pop("app", None)
