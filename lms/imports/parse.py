"""Read an uploaded user list (CSV as Excel writes it, or XLSX) into rows of text; refuse bad files clearly."""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from ..csvsafe import FORMULA_START
from ..i18n import _l

MAX_ROWS = 50_000
MAX_XLSX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_XLSX_RATIO = 100
# Accepted header names (lower case, German and English) per column.
HEADERS = {
    "email": ("e-mail", "email", "e-mail-adresse", "mail"),
    "name": ("name",),
    "department": ("abteilung", "department", "gruppe", "group"),
    "role": ("rolle", "role"),
    "course": ("kurs", "course"),
    "due": ("fällig", "faellig", "fällig am", "due", "due date"),
}
REQUIRED = ("email", "name")


class ImportFileError(ValueError):
    """The file as a whole cannot be read (encoding, columns, size): nothing is imported."""


@dataclass
class Row:
    """One data line of the file; ``line`` is its line (CSV) or row number (XLSX) for messages."""

    line: int
    values: dict = field(default_factory=dict)

    def get(self, column: str) -> str:
        """The cell's text, stripped ('' if the column is absent)."""
        return self.values.get(column, "")


def read_rows(data: bytes, filename: str) -> list[Row]:
    """The data rows of a CSV or XLSX file, or ImportFileError with the reason."""
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        table = _xlsx_table(data)
    else:
        table = _csv_table(data)
    return _rows(table)


def _csv_table(data: bytes) -> list[tuple[int, list]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(_l("Die Datei ist nicht UTF-8-kodiert. Bitte als „CSV UTF-8“ speichern.")) from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table = []
    try:
        for values in reader:
            table.append((reader.line_num, values))
            if len(table) > MAX_ROWS + 1:
                break
    except csv.Error as exc:
        raise ImportFileError(_l("Die CSV-Datei ist fehlerhaft (Zeile %(line)s).", line=reader.line_num)) from exc
    return table


def _xlsx_table(data: bytes) -> list[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise ImportFileError(_l("Die Excel-Datei ist beschädigt.")) from exc
    unpacked = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    if unpacked > MAX_XLSX_UNCOMPRESSED or unpacked / packed > MAX_XLSX_RATIO:
        raise ImportFileError(_l("Die Excel-Datei ist entpackt zu groß."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        table = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            table.append((number, [_cell_text(value) for value in values]))
            if len(table) > MAX_ROWS + 1:
                break
        workbook.close()
    except ImportFileError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for broken files; all mean the same to the admin
        raise ImportFileError(_l("Die Excel-Datei kann nicht gelesen werden.")) from exc
    return table


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _rows(table: list[tuple[int, list]]) -> list[Row]:
    table = [(line, values) for line, values in table if any(str(v).strip() for v in values)]
    if len(table) < 2:  # a header alone would, with "deactivate the missing", deactivate everyone
        raise ImportFileError(_l("Die Datei enthält keine Zeilen."))
    header_line, header = table[0]
    columns = _columns(header)
    if len(table) - 1 > MAX_ROWS:
        raise ImportFileError(_l("Die Datei hat mehr als %(max)s Zeilen; bitte aufteilen.", max=f"{MAX_ROWS:,}"))
    rows = []
    for line, values in table[1:]:
        cells = {name: str(values[index]).strip() if index < len(values) else "" for name, index in columns.items()}
        rows.append(Row(line=line, values=cells))
    return rows


def _columns(header: list) -> dict[str, int]:
    """Column name → index; ImportFileError if a required column is missing or one appears twice."""
    known = {alias: name for name, aliases in HEADERS.items() for alias in aliases}
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        name = known.get(" ".join(str(title or "").split()).lower())
        if name is None:
            continue
        if name in columns:
            raise ImportFileError(_l("Die Spalte „%(column)s“ kommt doppelt vor.", column=title))
        columns[name] = index
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise ImportFileError(_l("Es fehlen Spalten: %(columns)s (erwartet z. B. E-Mail;Name;Abteilung;Rolle;Kurs;Fällig).",
                                 columns=", ".join(HEADERS[name][0] for name in missing)))
    return columns


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would run the cell as a formula (such cells are refused, never imported)."""
    return text[:1] in FORMULA_START
