"""The public credential upload never answers hostile JSON with a 500."""
from __future__ import annotations

import io

import pytest

HUGE_INT = b"1" * 5000


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"a":' * 100_000, HUGE_INT,
                                  b'{"proof": %s}' % HUGE_INT, b'{"id": "\\udfff"}'])
def test_verify_credential_upload_hostile_json_400(client, body):
    """The public credential upload answers hostile JSON with the 'invalid' page (400), not a 500."""
    response = client.post("/verify/credential", data={"credential": (io.BytesIO(body), "credential.json")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
