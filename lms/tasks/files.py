"""Uploaded files: recognise the type by its content (magic bytes), not by the name; sanitise the name."""
from __future__ import annotations

import io
import zipfile

from werkzeug.utils import secure_filename

MIME = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "png": "image/png",
    "jpg": "image/jpeg",
    "txt": "text/plain",
    "md": "text/markdown",
    "csv": "text/csv",
}
TEXT_TYPES = ("txt", "md", "csv")
EXTENSIONS = {"jpeg": "jpg", "markdown": "md"}
ZIP_MARKERS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


def _zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype") == MIME["odt"].encode():
                return "odt"
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError):
        return None
    for kind, marker in ZIP_MARKERS.items():
        if marker in names and "[Content_Types].xml" in names:
            return kind
    return None


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def sniff(data: bytes, claimed_extension: str) -> str | None:
    """The file type the content proves ('pdf', 'docx', …), or None when it is none we accept.

    Text types cannot be told apart by content, so for valid UTF-8 text the claimed extension decides among them.
    """
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if _is_text(data):
        return claimed_extension if claimed_extension in TEXT_TYPES else "txt"
    return None


def extension_of(filename: str) -> str:
    """The lower-case extension of a file name ('' when it has none), with common aliases folded."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return EXTENSIONS.get(extension, extension)


def safe_name(filename: str, kind: str) -> str:
    """A harmless file name that ends in the extension of the detected type."""
    filename = filename.replace("\\", "/").rsplit("/", 1)[-1]  # some browsers send the client-side path
    stem = secure_filename(filename.rsplit(".", 1)[0] if "." in filename else filename)[:120] or "abgabe"
    return f"{stem}.{kind}"
