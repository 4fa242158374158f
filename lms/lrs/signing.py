"""Signed statements: check the JWS signature attachment of a statement (Data 2.6)."""
from __future__ import annotations

import base64
import binascii

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .. import safejson
from .multipart import attachment_objects
from .store import statements_equivalent
from .validation import StatementError, parse_json

__all__ = ["SIGNATURE_USAGE", "verify_signatures", "is_signature"]

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
_ALGORITHMS = {"RS256": hashes.SHA256, "RS384": hashes.SHA384, "RS512": hashes.SHA512}
_SECTION = "Data 2.6"


def _fail(reason: str) -> None:
    raise StatementError(reason, path="attachments", section=_SECTION)


def is_signature(attachment: dict) -> bool:
    """True for an Attachment object that carries a statement signature."""
    return isinstance(attachment, dict) and attachment.get("usageType") == SIGNATURE_USAGE


def verify_signatures(statement: dict, payloads: dict[str, tuple[str, bytes]]) -> None:
    """Reject (StatementError) a statement whose signature attachment is malformed or does not match it."""
    signatures = [a for a in statement.get("attachments") or [] if is_signature(a)]
    for attachment in signatures:
        if str(attachment.get("contentType", "")).split(";")[0].strip().lower() != "application/octet-stream":
            _fail("a signature attachment must have contentType application/octet-stream")
        sha2 = str(attachment.get("sha2", "")).lower()
        if sha2 not in payloads:
            _fail("the signature attachment's data (the JWS) must be sent as a multipart/mixed part")
        header, payload, signing_input, signature = _decode_jws(payloads[sha2][1])
        algorithm = header.get("alg")
        if algorithm not in _ALGORITHMS:
            _fail(f"JWS algorithm must be RS256, RS384 or RS512 (got {algorithm!r})")
        original = _payload_statement(payload)
        if not statements_equivalent(original, _without_signatures(statement)):
            _fail("the signed statement in the JWS payload does not match the statement received")
        if "x5c" in header:
            _verify_with_certificate(header["x5c"], algorithm, signing_input, signature)
    for attachment in attachment_objects(statement):
        if is_signature(attachment) and attachment not in signatures:
            _fail("a SubStatement cannot carry a statement signature")


def _without_signatures(statement: dict) -> dict:
    out = dict(statement)
    remaining = [a for a in statement.get("attachments") or [] if not is_signature(a)]
    if remaining:
        out["attachments"] = remaining
    else:
        out.pop("attachments", None)
    return out


def _b64decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        _fail("the JWS is not base64url encoded")


def _decode_jws(data: bytes) -> tuple[dict, bytes, bytes, bytes]:
    """Return (protected header, payload bytes, signing input, signature) of a compact or JSON JWS."""
    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError:
        _fail("the signature attachment is not a JWS")
    if text.startswith("{"):
        # JWS JSON Serialization (flattened or general): discouraged but still a JWS (RFC 7515 7.2).
        try:
            document = safejson.loads(text)
            entry = document["signatures"][0] if "signatures" in document else document
            protected, payload_b64, signature_b64 = entry["protected"], document["payload"], entry["signature"]
        except (ValueError, KeyError, IndexError, TypeError):
            _fail("the signature attachment is not a well-formed JWS JSON Serialization")
    else:
        pieces = text.split(".")
        if len(pieces) != 3:
            _fail("the signature attachment is not a JWS Compact Serialization (three dot-separated parts)")
        protected, payload_b64, signature_b64 = pieces
    try:
        header = safejson.loads(_b64decode(protected))
    except ValueError:
        _fail("the JWS header is not valid JSON")
    if not isinstance(header, dict):
        _fail("the JWS header must be a JSON object")
    return header, _b64decode(payload_b64), f"{protected}.{payload_b64}".encode("ascii"), _b64decode(signature_b64)


def _payload_statement(payload: bytes) -> dict:
    try:
        original = parse_json(payload.decode("utf-8"))
    except (StatementError, UnicodeDecodeError):
        _fail("the JWS payload is not a valid JSON serialization of a statement")
    if not isinstance(original, dict):
        _fail("the JWS payload must be a JSON statement object")
    return original


def _verify_with_certificate(chain, algorithm: str, signing_input: bytes, signature: bytes) -> None:
    if not isinstance(chain, list) or not chain or not isinstance(chain[0], str):
        _fail("JWS header x5c must be a non-empty array of base64 certificates")
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(chain[0]))
    except (ValueError, binascii.Error):
        _fail("JWS header x5c does not hold a valid X.509 certificate")
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        _fail("the x5c certificate must hold an RSA key for RS256/RS384/RS512")
    try:
        key.verify(signature, signing_input, padding.PKCS1v15(), _ALGORITHMS[algorithm]())
    except InvalidSignature:
        _fail("the JWS signature does not verify against the x5c certificate")
