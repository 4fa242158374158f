"""Out-of-range input outside the LRS: huge or non-ASCII ids in URLs, huge pages, export dates near year 1 or 9999."""
from __future__ import annotations

import re

import pytest
from werkzeug.routing import ValidationError

from lms.converters import MAX_ID, BoundedIntConverter

HUGE_IDS = [str(2**63), str(2**64 + 5), "9" * 5000, "٣", "²"]


@pytest.mark.parametrize("value", HUGE_IDS)
def test_input_limits_int_converter_refuses_out_of_range(app, value):
    """The app's int converter matches only ASCII digits up to 2**63 - 1 (so such URLs are a 404)."""
    converter = app.url_map.converters["int"](app.url_map)
    assert isinstance(converter, BoundedIntConverter)
    if re.fullmatch(converter.regex, value):
        with pytest.raises(ValidationError):
            converter.to_python(value)


def test_input_limits_int_converter_keeps_valid_ids(app):
    """Ordinary ids (leading zeros too) and the largest BIGINT still convert."""
    converter = app.url_map.converters["int"](app.url_map)
    assert converter.to_python("42") == 42 and converter.to_python(str(MAX_ID)) == MAX_ID
    assert converter.to_python("0" * 30 + "7") == 7


@pytest.mark.parametrize("value", HUGE_IDS)
def test_input_limits_huge_id_routes_404(client, login_as, value):
    """A learner's attempt URL, an admin's user action and a certificate with an out-of-range id: 404, not 500."""
    login_as("admin_a")
    assert client.get(f"/quizzes/mini/m1/attempts/{value}").status_code == 404
    assert client.post(f"/admin/users/{value}/deactivate").status_code == 404
    assert client.get(f"/certificates/{value}.pdf").status_code == 404


@pytest.mark.parametrize("page", [str(2**63), "9" * 5000, "²", "-5"])
def test_input_limits_reports_huge_page(client, login_as, page):
    """The trainer overview clamps ?page= instead of failing on the OFFSET."""
    login_as("trainer_a")
    assert client.get(f"/reports/?page={page}").status_code == 200


@pytest.mark.parametrize("field,value", [("since", "0001-01-01"), ("until", "9999-12-31"),
                                         ("since", "0001-01-01T00:00:00+01:00"),
                                         ("until", "9999-12-31T23:59:59-05:00"),
                                         ("since", "２０２４-01-01"), ("until", "2024-0²-01")])
def test_input_limits_export_dates_out_of_range_400(client, login_as, field, value):
    """Export dates near year 1 or 9999, or with non-ASCII digits, are a 400 with the form, not a 500."""
    login_as("trainer_a")
    response = client.get("/export/statements.jsonl", query_string={field: value})
    assert response.status_code == 400
    assert client.get("/export/statements.jsonl", query_string={field: "2024-05-01"}).status_code == 200


@pytest.mark.parametrize("query", [{"page": str(2**63)}, {"until": "9999-12-31"}, {"since": "0001-01-01"},
                                   {"since": "２０２４-01-01"}, {"page": "9" * 5000}])
def test_input_limits_audit_filters_out_of_range(client, login_as, query):
    """The admin audit log ignores out-of-range pages and dates instead of failing (found by the fuzz test)."""
    login_as("admin_a")
    assert client.get("/admin/audit", query_string=query).status_code == 200
