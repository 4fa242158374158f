"""The certificate fonts, parsed once per process and cut down to the glyphs a document uses (HarfBuzz)."""
from __future__ import annotations

import io
import threading
from dataclasses import dataclass

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import TTFFont
import uharfbuzz as hb

from ..resources import package_path

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


@dataclass
class CachedFont:
    prototype: TTFFont  # parsed once; each document gets a shallow copy with its own glyph subset
    output_bytes: bytes  # the file without the tables fpdf2 drops (same glyph order and names)
    shaping_face: object  # HarfBuzz face of the original file (with GSUB/GPOS) for text shaping
    subset_face: object  # HarfBuzz face prepared for fast subsetting of output_bytes


class FontCache:
    """Fonts parsed once per process: fpdf2 would re-read each multi-megabyte TTF for every document."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loading: dict[tuple[str, str], threading.Lock] = {}
        self._fonts: dict[tuple[str, str], CachedFont] = {}

    def get(self, family: str, style: str) -> CachedFont:
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
    def _load(family: str, style: str) -> CachedFont:
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
        return CachedFont(prototype, output_bytes, shaping_face, subset_face)


FONT_CACHE = FontCache()


def subset_font(cached: CachedFont, font: TTFFont) -> TTFont:
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
