"""LRS attachments (multipart/mixed in and out) and signed statements (JWS)."""
from __future__ import annotations

import base64
import datetime
import hashlib
import json
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from lms.lrs.lrs_auth import create_credential
from lms.lrs.multipart import parse_multipart

SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"
TEXT = b"here is a simple attachment"
BOUNDARY = "-------314159265358979323846"


def statement(**overrides) -> dict:
    """A minimal valid statement; keyword arguments replace top-level properties."""
    data = {"actor": {"objectType": "Agent", "mbox": "mailto:lea@example.com"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
            "object": {"objectType": "Activity", "id": "http://example.com/activities/essay"}}
    data.update(overrides)
    return data


def attachment(data: bytes, **overrides) -> dict:
    """Attachment metadata for `data` (SHA-256)."""
    meta = {"usageType": "http://example.com/usage/essay", "display": {"en-US": "Essay"},
            "contentType": "text/plain", "length": len(data), "sha2": hashlib.sha256(data).hexdigest()}
    meta.update(overrides)
    return meta


def multipart(first: bytes, parts: list[tuple[dict, bytes]], crlf: str = "\r\n") -> bytes:
    """A multipart/mixed body: the statement JSON part, then parts with the given headers."""
    out = [f"--{BOUNDARY}{crlf}Content-Type: application/json{crlf}{crlf}".encode(), first]
    for headers, data in parts:
        head = "".join(f"{k}: {v}{crlf}" for k, v in headers.items())
        out += [f"{crlf}--{BOUNDARY}{crlf}{head}{crlf}".encode(), data]
    out.append(f"{crlf}--{BOUNDARY}--{crlf}".encode())
    return b"".join(out)


def part_headers(data: bytes, **overrides) -> dict:
    """Headers of a well-formed attachment part for `data`."""
    headers = {"Content-Type": "text/plain", "Content-Transfer-Encoding": "binary",
               "X-Experience-API-Hash": hashlib.sha256(data).hexdigest()}
    headers.update(overrides)
    return {k: v for k, v in headers.items() if v is not None}


@pytest.fixture
def lrs(app, db, world):
    """(client, headers) of a read/write credential of organisation A."""
    credential, secret = create_credential(db, world["org_a"].id, "client")
    db.commit()
    auth = "Basic " + base64.b64encode(f"{credential.key}:{secret}".encode()).decode()
    return app.test_client(), {"Authorization": auth, "X-Experience-API-Version": "1.0.3"}


def send(lrs, body: bytes, content_type: str = f'multipart/mixed; boundary="{BOUNDARY}"'):
    """POST a raw body to /xapi/statements."""
    client, headers = lrs
    return client.post("/xapi/statements", data=body, headers={**headers, "Content-Type": content_type},
                       csrf=False)


def test_lrs_attachments_multipart_valid_stored_and_returned(lrs):
    """A statement with an attachment part is stored; GET attachments=true returns it as multipart."""
    sid = str(uuid.uuid4())
    body = multipart(json.dumps(statement(id=sid, attachments=[attachment(TEXT)])).encode(),
                     [(part_headers(TEXT), TEXT)])
    response = send(lrs, body)
    assert response.status_code == 200, response.get_data(as_text=True)
    client, headers = lrs
    got = client.get(f"/xapi/statements?statementId={sid}&attachments=true", headers=headers)
    assert got.status_code == 200 and got.mimetype == "multipart/mixed"
    first, parts = parse_multipart(got.data, got.headers["Content-Type"])
    assert json.loads(first)["id"] == sid
    assert parts == {hashlib.sha256(TEXT).hexdigest(): ("text/plain", TEXT)}
    plain = client.get(f"/xapi/statements?statementId={sid}&attachments=false", headers=headers)
    assert plain.headers["Content-Type"] == "application/json"


def test_lrs_attachments_list_multipart_response(lrs):
    """GET of a statement list with attachments=true is multipart with the StatementResult first."""
    send(lrs, multipart(json.dumps(statement(attachments=[attachment(TEXT)])).encode(),
                        [(part_headers(TEXT), TEXT)]))
    client, headers = lrs
    got = client.get("/xapi/statements?attachments=true", headers=headers)
    first, parts = parse_multipart(got.data, got.headers["Content-Type"])
    assert len(json.loads(first)["statements"]) == 1 and len(parts) == 1


def test_lrs_attachments_multipart_lf_line_ends_accepted(lrs):
    """Bare LF line ends in a multipart body are tolerated."""
    body = multipart(json.dumps(statement(attachments=[attachment(TEXT)])).encode(),
                     [(part_headers(TEXT), TEXT)], crlf="\n")
    assert send(lrs, body).status_code == 200


def test_lrs_attachments_missing_part_400(lrs, db):
    """An attachment without fileUrl and without a matching part is rejected."""
    body = multipart(json.dumps(statement(attachments=[attachment(TEXT)])).encode(), [])
    assert send(lrs, body).status_code == 400


def test_lrs_attachments_hash_mismatch_400(lrs):
    """A part whose content does not match its X-Experience-API-Hash is rejected."""
    body = multipart(json.dumps(statement(attachments=[attachment(TEXT)])).encode(),
                     [(part_headers(TEXT), b"tampered content")])
    assert send(lrs, body).status_code == 400


def test_lrs_attachments_part_without_hash_header_400(lrs):
    """A part without X-Experience-API-Hash is rejected."""
    body = multipart(json.dumps(statement(attachments=[attachment(TEXT)])).encode(),
                     [(part_headers(TEXT, **{"X-Experience-API-Hash": None}), TEXT)])
    assert send(lrs, body).status_code == 400


def test_lrs_attachments_part_not_binary_400(lrs):
    """A part without Content-Transfer-Encoding: binary is rejected."""
    body = multipart(json.dumps(statement(attachments=[attachment(TEXT)])).encode(),
                     [(part_headers(TEXT, **{"Content-Transfer-Encoding": "base64"}), TEXT)])
    assert send(lrs, body).status_code == 400


def test_lrs_attachments_unreferenced_part_400(lrs):
    """A part whose hash matches no attachment in the statements is rejected."""
    other = b"not declared"
    body = multipart(json.dumps(statement(attachments=[attachment(TEXT)])).encode(),
                     [(part_headers(TEXT), TEXT), (part_headers(other), other)])
    assert send(lrs, body).status_code == 400


def test_lrs_attachments_first_part_not_json_400(lrs):
    """The first multipart part must be application/json."""
    body = multipart(b"x", []).replace(b"application/json", b"text/plain")
    assert send(lrs, body).status_code == 400


def test_lrs_attachments_no_boundary_400(lrs):
    """multipart/mixed without a boundary parameter is rejected."""
    body = multipart(json.dumps(statement()).encode(), [])
    assert send(lrs, body, "multipart/mixed").status_code == 400
    assert send(lrs, body, f"multipart/form-data; boundary={BOUNDARY}").status_code == 400


def test_lrs_attachments_file_url_only_json_accepted(lrs):
    """application/json statements whose attachments all have a fileUrl are accepted."""
    meta = attachment(TEXT, fileUrl="http://example.com/files/essay.txt")
    assert send(lrs, json.dumps(statement(attachments=[meta])).encode(), "application/json").status_code == 200
    body = multipart(json.dumps(statement(attachments=[meta])).encode(), [])
    assert send(lrs, body).status_code == 200


def test_lrs_attachments_json_without_file_url_400(lrs):
    """application/json with an attachment lacking fileUrl is rejected (no way to send its data)."""
    assert send(lrs, json.dumps(statement(attachments=[attachment(TEXT)])).encode(),
                "application/json").status_code == 400


# --- signed statements ---

@pytest.fixture(scope="module")
def signer():
    """An RSA key with a self-signed X.509 certificate (base64 DER for x5c)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "LRS test signer")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return key, base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def b64url(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jws(payload: bytes, key, header: dict) -> bytes:
    """A compact JWS signed with RS256/384/512 (per header alg)."""
    algorithm = {"RS256": hashes.SHA256(), "RS384": hashes.SHA384(), "RS512": hashes.SHA512()}.get(
        header["alg"], hashes.SHA256())
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(payload)}".encode()
    return signing_input + b"." + b64url(key.sign(signing_input, padding.PKCS1v15(), algorithm)).encode()


def signed_body(original: dict, token: bytes, **meta) -> bytes:
    """The multipart body of `original` carrying `token` as its signature attachment."""
    meta = {"usageType": SIGNATURE, "display": {"en-US": "Signature"}, "contentType": "application/octet-stream",
            **meta}
    sent = dict(original, attachments=[attachment(token, **meta)])
    return multipart(json.dumps(sent).encode(),
                     [(part_headers(token, **{"Content-Type": "application/octet-stream"}), token)])


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_lrs_signed_valid_accepted(lrs, signer, alg):
    """A statement signed with RS256/384/512 and an x5c certificate is stored."""
    key, cert = signer
    original = statement(id=str(uuid.uuid4()))
    token = jws(json.dumps(original).encode(), key, {"alg": alg, "x5c": [cert]})
    response = send(lrs, signed_body(original, token))
    assert response.status_code == 200, response.get_data(as_text=True)


def test_lrs_signed_without_certificate_accepted(lrs, signer):
    """Without x5c the LRS checks structure and payload only."""
    key, _ = signer
    original = statement()
    assert send(lrs, signed_body(original, jws(json.dumps(original).encode(), key, {"alg": "RS256"}))).status_code \
        == 200


def test_lrs_signed_payload_mismatch_400(lrs, signer):
    """A JWS whose payload is a different statement is rejected."""
    key, cert = signer
    original = statement()
    token = jws(json.dumps(statement(verb={"id": "http://adlnet.gov/expapi/verbs/failed"})).encode(), key,
                {"alg": "RS256", "x5c": [cert]})
    response = send(lrs, signed_body(original, token))
    assert response.status_code == 400 and "does not match" in response.get_json()["error"]


def test_lrs_signed_bad_algorithm_400(lrs, signer):
    """Only RS256, RS384 and RS512 are allowed."""
    key, _ = signer
    original = statement()
    assert send(lrs, signed_body(original, jws(json.dumps(original).encode(), key, {"alg": "HS256"}))).status_code \
        == 400


def test_lrs_signed_broken_json_payload_400(lrs, signer):
    """A payload that is not valid JSON is rejected."""
    key, _ = signer
    original = statement()
    broken = json.dumps(original).replace('"', "'", 1).encode()
    assert send(lrs, signed_body(original, jws(broken, key, {"alg": "RS256"}))).status_code == 400


def test_lrs_signed_wrong_key_for_certificate_400(lrs, signer):
    """A signature that does not verify against the x5c certificate is rejected."""
    _, cert = signer
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    original = statement()
    token = jws(json.dumps(original).encode(), other, {"alg": "RS256", "x5c": [cert]})
    assert send(lrs, signed_body(original, token)).status_code == 400


def test_lrs_signed_wrong_content_type_400(lrs, signer):
    """A signature attachment must have contentType application/octet-stream."""
    key, _ = signer
    original = statement()
    token = jws(json.dumps(original).encode(), key, {"alg": "RS256"})
    assert send(lrs, signed_body(original, token, contentType="text/plain")).status_code == 400


def test_lrs_signed_not_a_jws_400(lrs):
    """A signature attachment that is not a JWS is rejected."""
    assert send(lrs, signed_body(statement(), b"definitely-not-a-jws")).status_code == 400


def test_lrs_signed_spec_example_accepted(lrs):
    """The signed statement of the spec's Appendix D (with its x5c certificate) is accepted."""
    import pathlib

    vectors = pathlib.Path(__file__).parent / "vectors"
    token = (vectors / "spec_appendix_d_signature.jws").read_text().strip().encode()
    signed = json.loads((vectors / "spec_appendix_d_statement.json").read_text())
    body = multipart(json.dumps(signed).encode(),
                     [(part_headers(token, **{"Content-Type": "application/octet-stream"}), token)])
    response = send(lrs, body)
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.mark.parametrize("version", ["2.0.0", "1.0.3"])
def test_lrs_signed_duration_compared_to_hundredths(lrs, signer, version):
    """A signed result.duration that differs from the received one only beyond 0.01 s still matches."""
    key, cert = signer
    client, headers = lrs
    signed = statement(id=str(uuid.uuid4()), result={"duration": "P1DT12H36M0.12S"})
    token = jws(json.dumps(signed).encode(), key, {"alg": "RS256", "x5c": [cert]})
    body = signed_body({**signed, "result": {"duration": "P1DT12H36M0.1237S"}}, token)
    response = client.post("/xapi/statements", data=body, csrf=False, headers={
        **headers, "X-Experience-API-Version": version, "Content-Type": f'multipart/mixed; boundary="{BOUNDARY}"'})
    assert response.status_code == 200, response.get_data(as_text=True)
    other = signed_body({**signed, "id": str(uuid.uuid4()), "result": {"duration": "P1DT12H36M0.13S"}}, token)
    assert send(lrs, other).status_code == 400
