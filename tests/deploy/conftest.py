"""The two-node deployment test: helpers beside this file, the fake LRS of the forwarding tests."""
from __future__ import annotations

import sys
from pathlib import Path

# Appended, not prepended: other test packages import the top-level tests/conftest.py as `conftest`.
sys.path.append(str(Path(__file__).parent))  # nodes.py (and node_app.py for the servers)
sys.path.append(str(Path(__file__).parents[1] / "forwarding"))  # fake_lrs.py
