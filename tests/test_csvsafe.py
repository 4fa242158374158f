"""The one spreadsheet-safe cell helper that every CSV/XLSX export uses."""
from __future__ import annotations

import pytest

from lms.csvsafe import safe_cell


@pytest.mark.parametrize("value", ["=HYPERLINK(\"x\")", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"])
def test_csvsafe_formula_text_stays_text(value):
    """Text that starts like a formula gets a leading apostrophe."""
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Anna Beispiel", "", 42, 0.5, None])
def test_csvsafe_other_values_unchanged(value):
    """Plain text, numbers (so XLSX keeps them numeric) and empty cells pass unchanged."""
    assert safe_cell(value) == value
