"""The guideline draft as PDF (fpdf2, DejaVu fonts); user text is written as plain text, never interpreted."""
from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

FONT_DIRS = (Path(__file__).resolve().parent.parent / "certificates" / "fonts",
             Path("/usr/share/fonts/truetype/dejavu"))


def font_dir() -> Path | None:
    """The first folder holding DejaVuSans.ttf and DejaVuSans-Bold.ttf, or None."""
    for folder in FONT_DIRS:
        if (folder / "DejaVuSans.ttf").is_file() and (folder / "DejaVuSans-Bold.ttf").is_file():
            return folder
    return None


class _Document(FPDF):
    footer_text = ""
    family = "helvetica"

    def footer(self):
        """Document title and page number at the bottom of every page."""
        self.set_y(-15)
        self.set_font(self.family, "", 8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 10, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="C")


def build_pdf(title: str, subtitle: str, sections: list[tuple[str, list[tuple[str, str]]]], empty: str = "—",
              footer: str = "") -> bytes:
    """Render a title, a subtitle and sections of (label, text) pairs to PDF bytes."""
    pdf = _Document(format="A4")
    pdf.footer_text = footer or title
    folder = font_dir()
    if folder is not None:
        pdf.add_font("DejaVu", "", str(folder / "DejaVuSans.ttf"))
        pdf.add_font("DejaVu", "B", str(folder / "DejaVuSans-Bold.ttf"))
        pdf.family = "DejaVu"
        clean = str
    else:  # no Unicode font installed: core font with Latin-1 only
        def clean(text: str) -> str:
            """Replace what Latin-1 cannot show."""
            return text.encode("latin-1", "replace").decode("latin-1")
    pdf.set_title(clean(title))
    pdf.set_creator("Social Media LMS")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font(pdf.family, "B", 18)
    pdf.multi_cell(0, 9, clean(title), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font(pdf.family, "", 10)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(0, 6, clean(subtitle), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_text_color(0, 0, 0)
    for heading, items in sections:
        pdf.ln(5)
        pdf.set_font(pdf.family, "B", 13)
        pdf.multi_cell(0, 7, clean(heading), new_x="LMARGIN", new_y="NEXT", align="L")
        for label, text in items:
            pdf.ln(1.5)
            pdf.set_font(pdf.family, "B", 10.5)
            pdf.multi_cell(0, 6, clean(label), new_x="LMARGIN", new_y="NEXT", align="L")
            pdf.set_font(pdf.family, "", 10.5)
            body = (text or "").replace("\r\n", "\n").strip() or empty
            pdf.multi_cell(0, 5.5, clean(body), new_x="LMARGIN", new_y="NEXT", align="L")
    return bytes(pdf.output())
