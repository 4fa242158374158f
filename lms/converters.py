"""URL converters and query arguments: every ``<int:...>`` route takes only ASCII digits and values a 64-bit
database id can hold; a date filter takes only a plain ISO date whose next day is still a date."""
from __future__ import annotations

from datetime import date

from flask import Flask
from werkzeug.routing import IntegerConverter, ValidationError

MAX_ID = 2**63 - 1  # the largest BIGINT; anything above can name no row, and drivers fail on it


class BoundedIntConverter(IntegerConverter):
    """``int`` with ASCII digits only (\\d also matches other scripts' digits) and a default max of 2**63 - 1."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, MAX_ID if max is None else max, signed)
        if signed:
            self.regex = r"-?[0-9]+"

    def to_python(self, value: str):
        """The id, or a ValidationError (so the URL does not match: 404) when out of range."""
        if len(value.lstrip("-0")) > 19:  # out of range whatever the digits: int() never sees a huge string
            raise ValidationError()
        return super().to_python(value)


def query_date(value: str | None) -> date | None:
    """An ISO date from a query argument (ASCII digits, years 1900-9998 so that the day after stays a date),
    else None: a filter that cannot be read is no filter."""
    try:
        parsed = date.fromisoformat(value.strip()) if value and value.isascii() else None
    except ValueError:
        return None
    return parsed if parsed and 1900 <= parsed.year <= 9998 else None


def init_app(app: Flask) -> None:
    """Replace the app's ``int`` converter before any LMS route is registered (one place for every id in a URL)."""
    app.url_map.converters["int"] = BoundedIntConverter


def id_arg(value: str | None) -> int | None:
    """An id from a query or form value: ASCII digits within MAX_ID, else None (never int() on a huge string)."""
    if not value or not value.isascii() or not value.isdigit() or len(value.lstrip("0")) > 19:
        return None
    number = int(value)
    return number if number <= MAX_ID else None
