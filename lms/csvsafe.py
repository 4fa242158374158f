"""Spreadsheet-safe cells for every CSV/XLSX export: text that a spreadsheet would run as a formula stays text."""
from __future__ import annotations

# The characters spreadsheets read as the start of a formula (OWASP: CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value, with a leading apostrophe when it is text that starts like a formula (other values unchanged)."""
    if isinstance(value, str) and value[:1] in FORMULA_START:
        return "'" + value
    return value
