"""Completion certificate as an A4 landscape PDF (fpdf2, embedded Unicode fonts, QR code to the verify page)."""
from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from datetime import date, datetime, timezone

import qrcode
from qrcode.constants import ERROR_CORRECT_M

from .codes import format_code
from .pdf_canvas import LINE_HEIGHT, CertificateCanvas

PAGE_W, PAGE_H = 297.0, 210.0
NAVY = (23, 48, 84)
GOLD = (183, 146, 64)
INK = (40, 40, 40)
MUTED = (105, 105, 105)

LABELS = {
    "de": {
        "heading": "Zertifikat",
        "awarded_to": "ausgestellt für",
        "for_course": "für den erfolgreichen Abschluss des Kurses",
        "modules": "Abgeschlossene Module",
        "final_exam": "Abschlussprüfung",
        "issued_on": "Ausgestellt am",
        "issuer": "Aussteller",
        "valid_until": "Gültig bis",
        "code": "Prüfcode",
        "verify_at": "Echtheit prüfen:",
        "subject": "Abschlusszertifikat",
    },
    "en": {
        "heading": "Certificate of completion",
        "awarded_to": "awarded to",
        "for_course": "for successfully completing the course",
        "modules": "Completed modules",
        "final_exam": "Final exam",
        "issued_on": "Issued on",
        "issuer": "Issued by",
        "valid_until": "Valid until",
        "code": "Verification code",
        "verify_at": "Verify at:",
        "subject": "Certificate of completion",
    },
}
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on a certificate (a snapshot taken at issue time)."""

    learner_name: str
    course_title: str
    modules: list[tuple[str, date]]
    final_score: float | None
    issued_on: date
    issuer: str
    code: str
    verify_url: str
    expires_on: date | None = None


def format_date(value: date, lang: str) -> str:
    """Format a date as 22.11.2026 (de) or 22 November 2026 (en)."""
    if lang == "en":
        return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"
    return f"{value.day:02d}.{value.month:02d}.{value.year}"


def format_score(score: float, lang: str) -> str:
    """Format a 0..1 score as a percentage: 92 % / 87,5 % (de), 92% / 87.5% (en)."""
    percent = round(max(0.0, min(1.0, float(score))) * 100, 1)
    text = f"{percent:.0f}" if percent == int(percent) else f"{percent:.1f}"
    return f"{text.replace('.', ',')} %" if lang != "en" else f"{text}%"




@functools.lru_cache(maxsize=256)  # a certificate is often downloaded in both languages
def _qr_png_bytes(url: str) -> bytes:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=4, border=0)
    qr.add_data(url)
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


def _qr_png(url: str) -> io.BytesIO:
    return io.BytesIO(_qr_png_bytes(url))




def render_certificate_pdf(data: CertificateData, lang: str = "de") -> bytes:
    """Render the completion certificate as PDF bytes (German or English)."""
    lang = "en" if lang == "en" else "de"
    labels = LABELS[lang]
    pdf = CertificateCanvas()
    issued_at = datetime(data.issued_on.year, data.issued_on.month, data.issued_on.day, tzinfo=timezone.utc)
    pdf.set_creation_date(issued_at)
    pdf.set_title(f"{labels['heading']}: {data.course_title} – {data.learner_name}")
    pdf.set_author(data.issuer)
    pdf.set_subject(f"{labels['subject']}: {data.course_title}")
    pdf.set_creator("Social Media LMS")
    pdf.set_lang("de-DE" if lang == "de" else "en")
    pdf.add_page()

    _frame(pdf)
    _header(pdf, data, labels)
    _modules(pdf, data, labels, lang)
    _facts(pdf, data, labels, lang)
    _verification(pdf, data, labels)
    return bytes(pdf.output())


def _frame(pdf: CertificateCanvas) -> None:
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(1.6)
    pdf.rect(8, 8, PAGE_W - 16, PAGE_H - 16)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.5)
    pdf.rect(11.5, 11.5, PAGE_W - 23, PAGE_H - 23)
    pdf.set_fill_color(*GOLD)
    for x, y in ((11.5, 11.5), (PAGE_W - 11.5, 11.5), (11.5, PAGE_H - 11.5), (PAGE_W - 11.5, PAGE_H - 11.5)):
        pdf.rect(x - 1.8, y - 1.8, 3.6, 3.6, style="F")


def _header(pdf: CertificateCanvas, data: CertificateData, labels: dict[str, str]) -> None:
    x, w = 25.0, PAGE_W - 50
    pdf.set_text_color(*MUTED)
    pdf.fitted_block(data.issuer.upper(), "sans", "", x, 19, w, 7, 10, 7, 1)
    pdf.set_text_color(*NAVY)
    pdf.fitted_block(labels["heading"], "serif", "B", x, 27, w, 16, 38, 20, 1)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.6)
    pdf.line(PAGE_W / 2 - 30, 45.5, PAGE_W / 2 + 30, 45.5)
    pdf.set_text_color(*MUTED)
    pdf.text_line(x, 49, w, 6, labels["awarded_to"], "sans", "", 11)
    pdf.set_text_color(*INK)
    pdf.fitted_block(data.learner_name, "sans", "B", x, 56, w, 22, 30, 9, 4)
    pdf.set_text_color(*MUTED)
    pdf.text_line(x, 79, w, 6, labels["for_course"], "sans", "", 11)
    pdf.set_text_color(*NAVY)
    pdf.fitted_block(data.course_title, "sans", "B", x, 86, w, 16, 20, 10, 2)


def _modules(pdf: CertificateCanvas, data: CertificateData, labels: dict[str, str], lang: str) -> None:
    if not data.modules:
        return
    x, y, w, h = 25.0, 108.0, 180.0, 54.0
    pdf.set_text_color(*NAVY)
    pdf.text_line(x, y, w, 6, labels["modules"], "sans", "B", 10, align="L")
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.3)
    pdf.line(x, y + 6.5, x + w, y + 6.5)
    top, body_h = y + 8, h - 8
    columns = 1 if len(data.modules) <= 8 else 2
    rows = -(-len(data.modules) // columns)
    row_h = min(5.5, body_h / rows)
    size = max(4.0, min(9.0, row_h / 0.5))
    col_w = (w - 6 * (columns - 1)) / columns
    dates = [format_date(passed_on, lang) for _, passed_on in data.modules]
    pdf.use_font("sans", "", size, "".join(dates))
    date_w = max(pdf.get_string_width(d) for d in dates) + 2
    for i, (title, _) in enumerate(data.modules):
        col, row = divmod(i, rows)
        cx, cy = x + col * (col_w + 6), top + row * row_h
        pdf.set_text_color(*GOLD)
        pdf.text_line(cx, cy, 4, row_h, "✓", "sans", "B", size, align="L")
        pdf.set_text_color(*INK)
        pdf.fitted_cell(title, "sans", "", cx + 4, cy, col_w - 4 - date_w, row_h, size, max(4.0, size - 2))
        pdf.set_text_color(*MUTED)
        pdf.text_line(cx + col_w - date_w, cy, date_w, row_h, dates[i], "sans", "", size, align="R")


def _facts(pdf: CertificateCanvas, data: CertificateData, labels: dict[str, str], lang: str) -> None:
    x, w = 215.0, 57.0
    y = 108.0
    facts: list[tuple[str, str, float]] = []
    if data.final_score is not None:
        facts.append((labels["final_exam"], format_score(data.final_score, lang), 18))
    facts.append((labels["issued_on"], format_date(data.issued_on, lang), 11))
    if data.expires_on is not None:
        facts.append((labels["valid_until"], format_date(data.expires_on, lang), 11))
    for label, value, size in facts:
        pdf.set_text_color(*MUTED)
        pdf.text_line(x, y, w, 4.5, label, "sans", "", 8.5, align="L")
        pdf.set_text_color(*NAVY)
        pdf.fitted_cell(value, "sans", "B", x, y + 4.5, w, size * LINE_HEIGHT, size, 8)
        y += 4.5 + size * LINE_HEIGHT + 3


def _verification(pdf: CertificateCanvas, data: CertificateData, labels: dict[str, str]) -> None:
    qr_size, qr_x, qr_y = 27.0, PAGE_W - 25 - 27, PAGE_H - 20 - 27
    x, w, label_w = 25.0, qr_x - 25 - 8, 36.0
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.3)
    pdf.line(x, 166, x + w, 166)
    rows = ((labels["issuer"], data.issuer, "B", 10, INK), (labels["code"], format_code(data.code), "B", 10, INK),
            (labels["verify_at"], data.verify_url, "", 8.5, NAVY))
    for i, (label, value, style, size, color) in enumerate(rows):
        y = 168 + i * 6
        pdf.set_text_color(*MUTED)
        pdf.text_line(x, y, label_w, 5, label, "sans", "", 8.5, align="L")
        pdf.set_text_color(*color)
        pdf.fitted_cell(value, "sans", style, x + label_w, y, w - label_w, 5, size, 5)
    if data.verify_url:
        pdf.link(x + label_w, 180, w - label_w, 5, data.verify_url)
        pdf.image(_qr_png(data.verify_url), x=qr_x, y=qr_y, w=qr_size, h=qr_size)
