"""The guideline draft as PDF (fpdf2, DejaVu fonts); user text is written as plain text, never interpreted."""
from __future__ import annotations

from fpdf import FPDF

from ..resources import package_path

FONT_DIR = package_path("fonts")  # bundled with the package (see its README.md)


class _Document(FPDF):
    footer_text = ""
    family = "DejaVu"

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
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(title)
    pdf.set_creator("Social Media LMS")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font(pdf.family, "B", 18)
    pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font(pdf.family, "", 10)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(0, 6, subtitle, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_text_color(0, 0, 0)
    for heading, items in sections:
        pdf.ln(5)
        pdf.set_font(pdf.family, "B", 13)
        pdf.multi_cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT", align="L")
        for label, text in items:
            pdf.ln(1.5)
            pdf.set_font(pdf.family, "B", 10.5)
            pdf.multi_cell(0, 6, label, new_x="LMARGIN", new_y="NEXT", align="L")
            pdf.set_font(pdf.family, "", 10.5)
            body = (text or "").replace("\r\n", "\n").strip() or empty
            pdf.multi_cell(0, 5.5, body, new_x="LMARGIN", new_y="NEXT", align="L")
    return bytes(pdf.output())
