"""A share image (1200×627 PNG, the size social networks show) for a valid certificate: course, name, issuer,
date and the verification address. Drawn with Pillow and the bundled DejaVu fonts."""
from __future__ import annotations

import io
import textwrap

from PIL import Image, ImageDraw, ImageFont

from ..i18n import localized
from ..localtime import date_filter
from ..resources import package_path
from .models import Certificate

FONTS = package_path("fonts")
SIZE = (1200, 627)
NAVY, BLUE, GREEN, INK, MUTED = "#14233d", "#1f5fbf", "#1e7b45", "#1d2330", "#5b6475"


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)


def render_share_png(certificate: Certificate, verify_url: str, heading: str, issued_label: str) -> bytes:
    """The PNG bytes of the share image."""
    image = Image.new("RGB", SIZE, "#ffffff")
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, SIZE[0], 90], fill=NAVY)
    draw.text((60, 28), certificate.issuer_name, font=_font(30, bold=True), fill="#ffffff")
    draw.rectangle([0, 90, 14, SIZE[1]], fill=GREEN)
    draw.text((70, 130), heading, font=_font(30), fill=MUTED)
    y = 180
    for line in textwrap.wrap(localized(certificate.course_title), width=34)[:3]:
        draw.text((70, y), line, font=_font(54, bold=True), fill=BLUE)
        y += 68
    draw.text((70, y + 20), certificate.learner_name, font=_font(40, bold=True), fill=INK)
    draw.text((70, y + 80), f"{issued_label} {date_filter(certificate.issued_at)}", font=_font(28), fill=MUTED)
    draw.text((70, SIZE[1] - 70), verify_url, font=_font(24), fill=MUTED)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
