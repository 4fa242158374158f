"""Fixtures for the SSO tests (the helpers live in sso_helpers.py beside this file)."""
from __future__ import annotations

import sys
from pathlib import Path

# Appended, not prepended: other test packages import the top-level tests/conftest.py as `conftest`.
sys.path.append(str(Path(__file__).parent))

from sso_helpers import oidc_org, oidc_provider, saml_idp, saml_org  # noqa: E402,F401
