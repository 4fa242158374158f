"""Upload checks: the type comes from the content (magic bytes and zip structure), names are made harmless."""
import io
import zipfile

import pytest

from lms.tasks.files import safe_name, sniff


def _docx() -> bytes:
    from docx import Document

    buffer = io.BytesIO()
    document = Document()
    document.add_paragraph("Passungs-Check")
    document.save(buffer)
    return buffer.getvalue()


def _xlsx() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def _zip(names: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in names.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("data, claimed, kind", [
    (b"%PDF-1.7\n", "pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n0000", "png", "png"),
    (b"\xff\xd8\xff\xe0JFIF", "jpg", "jpg"),
    (b"Kennzahl;Wert\nReichweite;100\n", "csv", "csv"),
    ("# Ziel\nÜberschrift".encode(), "md", "md"),
    (b"plain words", "exe", "txt"),
    (b"MZ\x90\x00\x03\x00binary", "pdf", None),
    (_zip({"evil.exe": b"MZ"}), "docx", None),
    (_zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"}), "odt", "odt"),
])
def test_tasks_files_sniff_by_content(data, claimed, kind):
    """Known signatures are recognised; binaries and foreign zip files are not; text keeps its claimed kind."""
    assert sniff(data, claimed) == kind


def test_tasks_files_sniff_office_documents():
    """Word and Excel files made by python-docx and openpyxl are told apart by their zip contents."""
    assert sniff(_docx(), "docx") == "docx"
    assert sniff(_xlsx(), "xlsx") == "xlsx"


@pytest.mark.parametrize("name, kind, expected", [
    ("C:\\Users\\lea\\Mein Bericht.PDF", "pdf", "Mein_Bericht.pdf"),
    ("../../etc/passwd", "txt", "passwd.txt"),
    ("bild.php.jpg", "jpg", "bild.php.jpg"),
    ("....", "md", "abgabe.md"),
])
def test_tasks_files_safe_name(name, kind, expected):
    """Paths are dropped, characters made safe, the extension is the detected type's."""
    assert safe_name(name, kind) == expected
