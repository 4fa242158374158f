"""The certificate's FPDF canvas: cached fonts, CJK fallbacks only when needed, text that always fits its box."""
from __future__ import annotations

import copy
import unicodedata

from fpdf import FPDF
from fpdf import fonts as fpdf_fonts
from fpdf.fonts import SubsetMap

from .pdf_fonts import FALLBACK_FAMILIES, FONT_CACHE, FONT_DIR, FONTS, CachedFont, subset_font

# False loads every font the plain fpdf2 way, per document (slow; the tests compare both paths).
CACHE_FONTS = True
LINE_HEIGHT = 0.45  # mm of line pitch per point of font size (about 1.28 × the size)


def needs_shaping(text: str) -> bool:
    """Whether text needs HarfBuzz shaping (right-to-left scripts, combining marks)."""
    return any(unicodedata.bidirectional(c) in ("R", "AL", "AN") or unicodedata.category(c) in ("Mn", "Mc")
               for c in text)


class CertificateCanvas(FPDF):
    """FPDF with the certificate fonts and text-fitting helpers."""

    def __init__(self) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.set_auto_page_break(False)
        self.set_margins(0, 0, 0)
        self.alias_nb_pages(None)  # a name containing "{nb}" must print as typed
        self._cached: dict[str, CachedFont] = {}

    def _ensure_font(self, family: str, style: str) -> None:
        fontkey = f"{family}{style}"
        if fontkey in self.fonts:
            return
        if not CACHE_FONTS:
            self.add_font(family, style, FONT_DIR / FONTS[(family, style)])
            return
        cached = FONT_CACHE.get(family, style)
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
        cmap = FONT_CACHE.cmap(family, style)
        missing = {code for code in map(ord, text) if code not in cmap}
        added = False
        for fallback in FALLBACK_FAMILIES:
            if not missing:
                break
            cmap = FONT_CACHE.cmap(fallback)
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
            self.fonts[fontkey].ttfont = subset_font(cached, self.fonts[fontkey])
        return super().output(*args, **kwargs)

    def text_line(self, x: float, y: float, w: float, h: float, text: str, family: str, style: str, size: float,
                  align: str = "C") -> None:
        """Print one line of text in a box, shaping it only where the script needs it."""
        self.use_font(family, style, size, text)
        shaping = needs_shaping(text)
        if shaping:
            self.set_text_shaping(True)
        self.set_xy(x, y)
        self.cell(w, h, text, align=align)
        if shaping:
            self.set_text_shaping(False)

    def fit_lines(self, text: str, family: str, style: str, w: float, h: float, max_size: float,
                  min_size: float, max_lines: int) -> tuple[float, list[str]]:
        """The font size and lines for text in a w×h box: one line if it fits fairly large, else wrapped."""
        shaping = needs_shaping(text)
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
