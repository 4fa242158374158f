"""cmi5 fixtures: the app served on 127.0.0.1 (its built-in LRS is the external LMS's LRS) and the LMS role."""
from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

# Appended, not prepended: other test packages import the top-level tests/conftest.py as `conftest`.
sys.path.append(str(Path(__file__).parent))

from cmi5_lms import Cmi5LmsRole  # noqa: E402


@pytest.fixture
def live_url(app):
    """The app served by werkzeug on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)
    server.server_close()


@pytest.fixture
def lms_role(app, db, world, live_url):
    """The external cmi5 LMS: an LRS credential of organisation B's LRS (it only stores there), trusted by A."""
    from lms.cmi5.models import Cmi5Lms
    from lms.lrs.lrs_auth import create_credential

    credential, secret = create_credential(db, world["org_b"].id, "external LMS")
    db.add(Cmi5Lms(org_id=world["org_a"].id, name="Extern", endpoint=f"{live_url}/xapi/"))
    db.commit()
    role = Cmi5LmsRole(f"{live_url}/xapi/", credential.key, secret).start()
    yield role
    role.stop()
