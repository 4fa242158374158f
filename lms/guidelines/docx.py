"""The guideline draft as an editable Word document (python-docx), for companies that adapt it in Word."""
from __future__ import annotations

import io
import re

from docx import Document
from docx.shared import Pt, RGBColor

# XML 1.0 cannot hold most control characters; a pasted one would otherwise make python-docx raise.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text or "")


def build_docx(title: str, subtitle: str, sections: list[tuple[str, list[tuple[str, str]]]], empty: str = "—") -> bytes:
    """Render a title, a subtitle and sections of (label, text) pairs to DOCX bytes (text taken literally)."""
    document = Document()
    document.core_properties.title = _clean(title)
    document.core_properties.author = "Social Media LMS"
    document.add_heading(_clean(title), level=0)
    intro = document.add_paragraph().add_run(_clean(subtitle))
    intro.italic = True
    intro.font.color.rgb = RGBColor(0x5A, 0x5A, 0x5A)
    for heading, items in sections:
        document.add_heading(_clean(heading), level=1)
        for label, text in items:
            label_run = document.add_paragraph().add_run(_clean(label))
            label_run.bold = True
            label_run.font.size = Pt(10)
            lines = _clean(text).strip().splitlines() or [empty]
            for line in lines:
                paragraph = document.add_paragraph(line if line.strip() else "")
                if not text.strip():
                    paragraph.runs[0].italic = True
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
