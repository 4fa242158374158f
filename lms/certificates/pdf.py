"""Completion certificate as an A4 landscape PDF (fpdf2, embedded Unicode fonts, QR code to the verify page)."""
from __future__ import annotations

import copy
import functools
import io
import threading
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timezone

import qrcode
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf import fonts as fpdf_fonts
from fpdf.fonts import SubsetMap, TTFFont
from qrcode.constants import ERROR_CORRECT_M
import uharfbuzz as hb

from ..resources import package_path
from .codes import format_code

FONT_DIR = package_path("fonts")  # shared with the guideline PDF
FONTS = {  # (family, style) -> file
    ("sans", ""): "DejaVuSans.ttf",  # Latin, Greek, Cyrillic, Arabic, Hebrew, …
    ("sans", "B"): "DejaVuSans-Bold.ttf",
    ("serif", "B"): "DejaVuSerif-Bold.ttf",
    # Fallbacks for what DejaVu lacks: Chinese, Japanese and Korean; then rarer Chinese characters (CJK Ext. A).
    ("cjk", ""): "DroidSansFallback.ttf",
    ("cjkx", ""): "DroidSansFallbackFull.ttf",
}
FALLBACK_FAMILIES = ("cjk", "cjkx")
# The tables fpdf2 drops from every embedded subset (fpdf/output.py), plus vertical metrics it never uses.
UNEMBEDDED_TABLES = ["FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "sbix", "CBDT", "CBLC", "EBDT", "EBLC",
                     "EBSC", "SVG ", "CPAL", "COLR", "vhea", "vmtx"]
# False loads every font the plain fpdf2 way, per document (slow; the tests compare both paths).
CACHE_FONTS = True

PAGE_W, PAGE_H = 297.0, 210.0
LINE_HEIGHT = 0.45  # mm of line pitch per point of font size (about 1.28 × the size)
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


def _needs_shaping(text: str) -> bool:
    # HarfBuzz costs time, so only right-to-left text and combining marks go through it.
    return any(unicodedata.bidirectional(c) in ("R", "AL", "AN") or unicodedata.category(c) in ("Mn", "Mc")
               for c in text)


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


@dataclass
class _CachedFont:
    prototype: TTFFont  # parsed once; each document gets a shallow copy with its own glyph subset
    output_bytes: bytes  # the file without the tables fpdf2 drops (same glyph order and names)
    shaping_face: object  # HarfBuzz face of the original file (with GSUB/GPOS) for text shaping
    subset_face: object  # HarfBuzz face prepared for fast subsetting of output_bytes


class _FontCache:
    """Fonts parsed once per process: fpdf2 would re-read each multi-megabyte TTF for every document."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loading: dict[tuple[str, str], threading.Lock] = {}
        self._fonts: dict[tuple[str, str], _CachedFont] = {}

    def get(self, family: str, style: str) -> _CachedFont:
        """The parsed font, loading it on first use (other fonts stay usable meanwhile)."""
        key = (family, style)
        cached = self._fonts.get(key)
        if cached is None:
            with self._lock:
                loading = self._loading.setdefault(key, threading.Lock())
            with loading:
                cached = self._fonts.get(key)
                if cached is None:
                    cached = self._fonts[key] = self._load(family, style)
        return cached

    def cmap(self, family: str, style: str = "") -> dict[int, str]:
        """The font's Unicode map (code point -> glyph name)."""
        return self.get(family, style).prototype.cmap

    @staticmethod
    def _load(family: str, style: str) -> _CachedFont:
        path = FONT_DIR / FONTS[(family, style)]
        buffer = io.BytesIO()
        with TTFont(path, lazy=True, recalcBBoxes=False, recalcTimestamp=False) as font:
            for tag in UNEMBEDDED_TABLES:
                if tag in font:
                    del font[tag]
            if font["post"].formatType == 3.0:
                # Glyph names made up from the cmap would differ between a font and its subset: store them.
                font["post"].formatType = 2.0
                font["post"].extraNames, font["post"].mapping = [], {}
            font.save(buffer)
        output_bytes = buffer.getvalue()
        prototype = TTFFont(FPDF(), io.BytesIO(output_bytes), f"{family}{style}", style)
        prototype.ttfont.getGlyphID(".notdef")  # build the lookups layout needs before threads share them
        prototype.ttfont["hmtx"]
        shaping_face = hb.Face(path.read_bytes())
        subset_face = hb.subset_preprocess(hb.Face(output_bytes))
        return _CachedFont(prototype, output_bytes, shaping_face, subset_face)


_FONT_CACHE = _FontCache()


def _subset_font(cached: _CachedFont, font: TTFFont) -> TTFont:
    """A private TTFont for fpdf2's output() to subset, cut down by HarfBuzz first."""
    request = hb.SubsetInput()
    request.flags = hb.SubsetFlags.GLYPH_NAMES | hb.SubsetFlags.NOTDEF_OUTLINE
    request.glyph_set.add(0)
    for glyph, _ in font.subset.items():
        if glyph is not None:
            request.glyph_set.add(font.ttfont.getGlyphID(glyph.glyph_name))
            for code in glyph.unicode if isinstance(glyph.unicode, tuple) else ():
                request.unicode_set.add(code)
    subset = hb.subset(cached.subset_face, request)
    if subset is None:
        return TTFont(io.BytesIO(cached.output_bytes), lazy=True, recalcBBoxes=False, recalcTimestamp=False)
    return TTFont(io.BytesIO(subset.blob.data), lazy=True, recalcBBoxes=False, recalcTimestamp=False)


class _CertificatePDF(FPDF):
    """FPDF with the certificate fonts and text-fitting helpers."""

    def __init__(self) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.set_auto_page_break(False)
        self.set_margins(0, 0, 0)
        self.alias_nb_pages(None)  # a name containing "{nb}" must print as typed
        self._cached: dict[str, _CachedFont] = {}

    def _ensure_font(self, family: str, style: str) -> None:
        fontkey = f"{family}{style}"
        if fontkey in self.fonts:
            return
        if not CACHE_FONTS:
            self.add_font(family, style, FONT_DIR / FONTS[(family, style)])
            return
        cached = _FONT_CACHE.get(family, style)
        font = copy.copy(cached.prototype)
        font.i = len(self.fonts) + 1
        font.desc = copy.copy(cached.prototype.desc)  # output() writes the object id and font file into it
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font.subset = SubsetMap(font)
        font._hbfont = fpdf_fonts.HarfBuzzFont(cached.shaping_face)
        self.fonts[fontkey] = font
        self._cached[fontkey] = cached

    def use_font(self, family: str, style: str, size: float, text: str) -> None:
        """Select a font for text, adding the CJK fallback fonts only when the text needs them."""
        cmap = _FONT_CACHE.cmap(family, style)
        missing = {code for code in map(ord, text) if code not in cmap}
        added = False
        for fallback in FALLBACK_FAMILIES:
            if not missing:
                break
            cmap = _FONT_CACHE.cmap(fallback)
            if fallback not in self.fonts and not missing.isdisjoint(cmap):
                self._ensure_font(fallback, "")
                added = True
            missing = {code for code in missing if code not in cmap}
        if added:
            self.set_fallback_fonts([f for f in FALLBACK_FAMILIES if f in self.fonts], exact_match=False)
        self._ensure_font(family, style)
        self.set_font(family, style, size)

    def output(self, *args, **kwargs):
        """FPDF.output, with each cached font first given a private, pre-subset copy to embed."""
        for fontkey, cached in self._cached.items():
            # output() subsets (and so changes) the font in place: it must get a private copy.
            self.fonts[fontkey].ttfont = _subset_font(cached, self.fonts[fontkey])
        return super().output(*args, **kwargs)

    def text_line(self, x: float, y: float, w: float, h: float, text: str, family: str, style: str, size: float,
                  align: str = "C") -> None:
        """Print one line of text in a box, shaping it only where the script needs it."""
        self.use_font(family, style, size, text)
        shaping = _needs_shaping(text)
        if shaping:
            self.set_text_shaping(True)
        self.set_xy(x, y)
        self.cell(w, h, text, align=align)
        if shaping:
            self.set_text_shaping(False)

    def fit_lines(self, text: str, family: str, style: str, w: float, h: float, max_size: float,
                  min_size: float, max_lines: int) -> tuple[float, list[str]]:
        """The font size and lines for text in a w×h box: one line if it fits fairly large, else wrapped."""
        shaping = _needs_shaping(text)
        self.set_text_shaping(shaping)  # shaped text has other widths: measure it as it will be printed
        try:
            return self._fit_lines(text, family, style, w, h, max_size, min_size, max_lines)
        finally:
            self.set_text_shaping(False)

    def _fit_lines(self, text: str, family: str, style: str, w: float, h: float, max_size: float,
                   min_size: float, max_lines: int) -> tuple[float, list[str]]:
        single_floor = min_size if max_lines == 1 else max(min_size, max_size * 0.7)
        size = max_size
        while size >= single_floor:
            self.use_font(family, style, size, text)
            if self.get_string_width(text) <= w:
                return size, [text]
            size -= 1
        size = max_size if max_lines > 1 else min_size
        while True:
            self.use_font(family, style, size, text)
            room = max(1, min(max_lines, int(h / (size * LINE_HEIGHT))))
            lines = self.multi_cell(w, size * LINE_HEIGHT, text, dry_run=True, output="LINES")
            if len(lines) <= room or size <= min_size:
                break
            size = max(min_size, size - 1)
        if len(lines) > room:  # absurdly long: cut rather than run off the page
            lines = lines[:room]
            last = lines[-1]
            while last and self.get_string_width(last + "…") > w:
                last = last[:-1]
            lines[-1] = last.rstrip() + "…"
        return size, lines

    def fitted_block(self, text: str, family: str, style: str, x: float, y: float, w: float, h: float,
                     max_size: float, min_size: float, max_lines: int) -> None:
        """Print text centred in a box, shrinking and wrapping so it never leaves the box."""
        size, lines = self.fit_lines(text, family, style, w, h, max_size, min_size, max_lines)
        line_h = size * LINE_HEIGHT
        top = y + max(0.0, (h - line_h * len(lines)) / 2)
        for i, line in enumerate(lines):
            self.text_line(x, top + i * line_h, w, line_h, line, family, style, size)

    def fitted_cell(self, text: str, family: str, style: str, x: float, y: float, w: float, h: float,
                    size: float, min_size: float, align: str = "L") -> None:
        """Print one line, shrinking it down to min_size and then cutting it with an ellipsis."""
        fitted, lines = self.fit_lines(text, family, style, w, h, size, min_size, 1)
        self.text_line(x, y, w, h, lines[0], family, style, fitted, align=align)


def render_certificate_pdf(data: CertificateData, lang: str = "de") -> bytes:
    """Render the completion certificate as PDF bytes (German or English)."""
    lang = "en" if lang == "en" else "de"
    labels = LABELS[lang]
    pdf = _CertificatePDF()
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


def _frame(pdf: _CertificatePDF) -> None:
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(1.6)
    pdf.rect(8, 8, PAGE_W - 16, PAGE_H - 16)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.5)
    pdf.rect(11.5, 11.5, PAGE_W - 23, PAGE_H - 23)
    pdf.set_fill_color(*GOLD)
    for x, y in ((11.5, 11.5), (PAGE_W - 11.5, 11.5), (11.5, PAGE_H - 11.5), (PAGE_W - 11.5, PAGE_H - 11.5)):
        pdf.rect(x - 1.8, y - 1.8, 3.6, 3.6, style="F")


def _header(pdf: _CertificatePDF, data: CertificateData, labels: dict[str, str]) -> None:
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


def _modules(pdf: _CertificatePDF, data: CertificateData, labels: dict[str, str], lang: str) -> None:
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


def _facts(pdf: _CertificatePDF, data: CertificateData, labels: dict[str, str], lang: str) -> None:
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


def _verification(pdf: _CertificatePDF, data: CertificateData, labels: dict[str, str]) -> None:
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
