"""multipart/mixed statement requests and responses with attachments (Communication 1.5.2, Data 2.4.11)."""
from __future__ import annotations

import hashlib
import re
import uuid

from werkzeug.http import parse_options_header

from .validation import StatementError

__all__ = ["parse_multipart", "build_multipart", "sha2_hex", "attachment_objects", "check_attachment_parts"]

_SECTION = "Communication 1.5.2"
_HASHES = {56: hashlib.sha224, 64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}


def sha2_hex(data: bytes, like: str) -> str | None:
    """The SHA-2 digest of data with the variant implied by the hex length of `like` (None if unknown)."""
    algorithm = _HASHES.get(len(like))
    return algorithm(data).hexdigest() if algorithm else None


def _fail(reason: str) -> None:
    raise StatementError(reason, section=_SECTION)


def parse_multipart(body: bytes, content_type: str) -> tuple[bytes, dict[str, tuple[str, bytes]]]:
    """Split a multipart/mixed body into the statement JSON and attachment payloads keyed by lower-case sha2."""
    _mimetype, options = parse_options_header(content_type)
    boundary = options.get("boundary")
    if not boundary:
        _fail("multipart/mixed request without a boundary parameter")
    # RFC 2046: a delimiter is CRLF "--" boundary at the start of a line; the CRLF belongs to the delimiter.
    # Bare LF line ends are accepted as well, as many clients send them.
    delimiter = re.compile(rb"(?:\A|\r?\n)--" + re.escape(boundary.encode("latin-1"))
                           + rb"(--)?[ \t]*(?=\r?\n|\Z)(?:\r?\n)?")
    matches = list(delimiter.finditer(body))
    if not matches:
        _fail("multipart body does not contain the declared boundary")
    parts: list[bytes] = []
    closed = False
    for current, following in zip(matches, matches[1:] + [None]):
        if current.group(1):
            closed = True
            break
        if following is None:
            break
        parts.append(body[current.end():following.start()])
    if not closed:
        _fail("multipart body is not terminated by the closing boundary")
    if not parts:
        _fail("multipart body has no parts")
    headers, statement_json = _split_part(parts[0])
    mimetype, _ = parse_options_header(headers.get("content-type", ""))
    if mimetype != "application/json":
        _fail("the first part of a multipart/mixed request must have Content-Type application/json")
    payloads: dict[str, tuple[str, bytes]] = {}
    for index, raw in enumerate(parts[1:], start=2):
        headers, payload = _split_part(raw)
        declared = headers.get("x-experience-api-hash", "").strip().lower()
        if not declared:
            _fail(f"part {index} has no X-Experience-API-Hash header")
        encoding = headers.get("content-transfer-encoding", "").strip().lower()
        if encoding != "binary":
            _fail(f"part {index} must have Content-Transfer-Encoding: binary")
        if sha2_hex(payload, declared) != declared:
            _fail(f"part {index}: the X-Experience-API-Hash does not match the SHA-2 of its content")
        payloads[declared] = (headers.get("content-type", "application/octet-stream").strip(), payload)
    return statement_json, payloads


def _split_part(raw: bytes) -> tuple[dict[str, str], bytes]:
    match = re.search(rb"\r?\n\r?\n", raw)
    if raw.startswith((b"\r\n", b"\n")):
        head, body = b"", raw[2 if raw.startswith(b"\r\n") else 1:]
    elif match is None:
        head, body = raw, b""
    else:
        head, body = raw[:match.start()], raw[match.end():]
    headers: dict[str, str] = {}
    for line in re.split(rb"\r?\n", head):
        if not line.strip():
            continue
        name, colon, value = line.decode("latin-1").partition(":")
        if not colon or not name.strip() or " " in name.strip():
            _fail(f"malformed part header line {line[:60]!r}")
        headers[name.strip().lower()] = value.strip()
    return headers, body


def attachment_objects(statement: dict) -> list[dict]:
    """The Attachment objects of a statement and of its SubStatement."""
    found = list(statement.get("attachments") or [])
    obj = statement.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        found += list(obj.get("attachments") or [])
    return [item for item in found if isinstance(item, dict)]


def check_attachment_parts(statements: list[dict], payloads: dict[str, tuple[str, bytes]],
                           multipart: bool) -> None:
    """Every attachment needs a fileUrl or a received part; every part must belong to an attachment."""
    declared: set[str] = set()
    for i, statement in enumerate(statements):
        for attachment in attachment_objects(statement):
            sha2 = str(attachment.get("sha2", "")).lower()
            declared.add(sha2)
            if sha2 in payloads or "fileUrl" in attachment:
                continue
            where = "a multipart/mixed part" if multipart else "a fileUrl (or send multipart/mixed)"
            raise StatementError(f"attachment with sha2 {sha2} has neither a fileUrl nor {where}",
                                 path=f"[{i}].attachments", section="Data 2.4.11")
    for sha2 in payloads:
        if sha2 not in declared:
            _fail(f"a part's X-Experience-API-Hash {sha2} matches no attachment sha2 in the statements")


def build_multipart(first: bytes, payloads: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """Build a multipart/mixed body: the JSON part, then (sha2, content type, data) parts; returns body, type."""
    boundary = uuid.uuid4().hex
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), first]
    for sha2, content_type, data in payloads:
        chunks.append(f"\r\n--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
                      f"X-Experience-API-Hash: {sha2}\r\n\r\n".encode())
        chunks.append(data)
    chunks.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(chunks), f'multipart/mixed; boundary="{boundary}"'
