"""Certificate PDF: literal names in every script, both languages, one page, QR code, metadata, speed paths."""
import re
import shutil
import subprocess
import threading
from datetime import date
from pathlib import Path

import pytest

from lms.certificates import pdf as certpdf
from lms.certificates import pdf_canvas, pdf_fonts
from lms.certificates.pdf import CertificateData, format_date, format_score, render_certificate_pdf

CODE = "7M3K9QXWZ2H4R8T1VBNC5PDF6G"
URL = f"https://lms.example.org/verify/{CODE}"
MODULES = [("Strategie & Ziele", date(2026, 10, 1)), ("Plattformen & Rollen", date(2026, 10, 8)),
           ("Recht & Sicherheit", date(2026, 10, 15)), ("Social-Media-Richtlinien", date(2026, 10, 22)),
           ("Community Management & Krisenkommunikation", date(2026, 11, 2)),
           ("Erfolg messen & Reporting", date(2026, 11, 9))]
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# A4 landscape in points, and the inner gold frame (11.5 mm) that no text may cross.
PAGE_W, PAGE_H, FRAME = 841.89, 595.28, 11.5 * 72 / 25.4


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: install poppler-utils (scripts/system-deps.sh does)")
    return path


def pdf_text(data: bytes, *args: str) -> str:
    """The PDF's text as pdftotext extracts it."""
    return subprocess.run([_tool("pdftotext"), *args, "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode("utf-8")


def pdf_info(data: bytes) -> dict[str, str]:
    """pdfinfo's fields."""
    out = subprocess.run([_tool("pdfinfo"), "-"], input=data, capture_output=True, check=True).stdout.decode()
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def word_boxes(data: bytes) -> list[tuple[str, float, float, float, float]]:
    """Every word with its bounding box (points), from pdftotext -bbox."""
    html = pdf_text(data, "-bbox")
    return [(m.group(5), *map(float, m.group(1, 2, 3, 4))) for m in re.finditer(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)]


def make(name: str = "Jürgen Größe-Weißmüller", **changes) -> CertificateData:
    """Certificate data for the Social Media Manager course, with changes."""
    values = dict(learner_name=name, course_title="Social Media Manager", modules=MODULES, final_score=0.925,
                  issued_on=date(2026, 11, 22), issuer="Musterfirma GmbH", code=CODE, verify_url=URL,
                  expires_on=date(2028, 11, 22))
    values.update(changes)
    return CertificateData(**values)


def one_line(text: str) -> str:
    """Text with line breaks and bidi marks removed and spaces collapsed."""
    return re.sub(r"\s+", " ", BIDI_CONTROLS.sub("", text)).strip()


def assert_inside_frame(data: bytes) -> None:
    """Every word lies inside the certificate's inner frame."""
    boxes = word_boxes(data)
    assert boxes
    for word, x0, y0, x1, y1 in boxes:
        assert FRAME <= x0 and x1 <= PAGE_W - FRAME and FRAME <= y0 and y1 <= PAGE_H - FRAME, (word, x0, y0, x1, y1)


@pytest.mark.parametrize("name", [
    "<script>alert(1)</script> & **bold** {x} 100%",
    "{nb} {{x}} %s %(name)s $x \\n <b>fett</b>",
    "__u__ ~~s~~ --i-- [l](https://x) &amp; \\\\",
    "Jürgen Größe-Weißmüller",
    "Иван Петрович Сидоров",
    "Ελένη Παπαδοπούλου",
    "山田太郎",
    "さくら・カタカナ",
    "王小明",
    "김민준",
    "Zoë Çelik-Łukasiewicz Ørsted Şahin Nguyễn",
])
def test_pdf_name_is_rendered_literally(name):
    """Markup, umlauts, Cyrillic, Greek, Chinese, Japanese and Korean names come out of the PDF as typed."""
    text = pdf_text(render_certificate_pdf(make(name)))
    assert name in text.splitlines()


@pytest.mark.parametrize("name", ["محمد عبد الله", "דוד כהן", "Amira محمد Cohen"])
def test_pdf_right_to_left_names(name):
    """Arabic and Hebrew names are extracted in logical order: whole, or (mixed with Latin) word by word."""
    data = render_certificate_pdf(make(name))
    lines = [BIDI_CONTROLS.sub("", line).strip() for line in pdf_text(data).splitlines()]
    if name.isascii() or any(c.isascii() and c.isalpha() for c in name):
        # pdftotext loses the space at a direction change, so mixed names are checked per word.
        assert any(all(word in line for word in name.split()) for line in lines), lines[:8]
    else:
        assert name in lines, lines[:8]


def test_pdf_arabic_is_shaped():
    """Arabic letters are joined: the shaped text uses other glyph widths than isolated letters."""
    name = "محمد عبد الله"
    doc = pdf_canvas.CertificateCanvas()
    doc.use_font("sans", "B", 30, name)
    isolated = doc.get_string_width(name)
    doc.set_text_shaping(True)
    shaped = doc.get_string_width(name)
    assert shaped != pytest.approx(isolated, abs=0.01)


@pytest.mark.parametrize("lang, labels", [
    ("de", ["Zertifikat", "ausgestellt für", "für den erfolgreichen Abschluss des Kurses", "Abgeschlossene Module",
            "Abschlussprüfung", "92,5 %", "Ausgestellt am", "22.11.2026", "Gültig bis", "22.11.2028",
            "Aussteller", "Prüfcode", "Echtheit prüfen:", "01.10.2026", "09.11.2026"]),
    ("en", ["Certificate of completion", "awarded to", "for successfully completing the course",
            "Completed modules", "Final exam", "92.5%", "Issued on", "22 November 2026", "Valid until",
            "22 November 2028", "Issued by", "Verification code", "Verify at:", "1 October 2026",
            "9 November 2026"]),
])
def test_pdf_labels_and_dates_per_language(lang, labels):
    """Each language has its own labels and date format; course, modules, issuer, code and URL appear."""
    text = pdf_text(render_certificate_pdf(make(), lang))
    for label in labels:
        assert label in text, label
    for fact in ("Social Media Manager", "Community Management & Krisenkommunikation", "Musterfirma GmbH",
                 "7M3K-9QXW-Z2H4-R8T1-VBNC-5PDF-6G", URL):
        assert fact in text, fact
    other = "Abgeschlossene Module" if lang == "en" else "Completed modules"
    assert other not in text


def test_pdf_unknown_language_falls_back_to_german():
    """Languages other than de/en get the German certificate."""
    assert "Abgeschlossene Module" in pdf_text(render_certificate_pdf(make(), "fr"))


def test_pdf_optional_facts_left_out():
    """Without final exam, expiry or modules those sections are not printed."""
    text = pdf_text(render_certificate_pdf(make(final_score=None, expires_on=None, modules=[])))
    for label in ("Abschlussprüfung", "Gültig bis", "Abgeschlossene Module"):
        assert label not in text
    assert "Ausgestellt am" in text and "22.11.2026" in text


def test_pdf_200_character_name_stays_on_one_page():
    """A 200-character name wraps and shrinks: all of it is printed, on one page, inside the frame."""
    name = ("Maximiliane Alexandra Theodora von und zu Hohenzollern-Sigmaringen-Weißenfels " * 3)[:200]
    assert len(name) == 200
    data = render_certificate_pdf(make(name))
    assert pdf_info(data)["Pages"] == "1"
    assert one_line(name) in one_line(pdf_text(data))
    assert_inside_frame(data)


def test_pdf_200_characters_without_spaces_stay_on_one_page():
    """A name with no place to break is broken anywhere rather than running off the page."""
    data = render_certificate_pdf(make("W" * 200))
    assert pdf_info(data)["Pages"] == "1"
    assert re.sub(r"\s", "", pdf_text(data)).count("W" * 200) == 1
    assert_inside_frame(data)


def test_pdf_absurd_lengths_are_cut_not_overflowing():
    """Far too long name, title, issuer and many long module titles: one page, nothing outside the frame."""
    modules = [(f"Modul {i}: " + "Sehr langer Modultitel " * 8, date(2026, 1, i + 1)) for i in range(24)]
    data = render_certificate_pdf(make("Name " * 400, course_title="Kurs " * 200, issuer="Aussteller " * 100,
                                       modules=modules, verify_url=URL + "?x=" + "y" * 300), "en")
    assert pdf_info(data)["Pages"] == "1"
    assert "…" in pdf_text(data)
    assert_inside_frame(data)


def test_pdf_qr_code_image_encodes_the_verify_url(tmp_path):
    """One square image sits in the lower right corner and holds exactly the QR code of the verify URL."""
    from PIL import Image, ImageChops

    data = render_certificate_pdf(make())
    listing = subprocess.run([_tool("pdfimages"), "-list", "-"], input=data, capture_output=True, check=True)
    rows = [line.split() for line in listing.stdout.decode().splitlines()[2:] if line.strip()]
    assert len(rows) == 1 and rows[0][2] == "image" and rows[0][3] == rows[0][4]  # width == height
    (tmp_path / "c.pdf").write_bytes(data)
    subprocess.run([_tool("pdfimages"), "-png", str(tmp_path / "c.pdf"), str(tmp_path / "img")], check=True)
    embedded = Image.open(next(tmp_path.glob("img-*.png"))).convert("1")
    expected = Image.open(certpdf._qr_png(URL)).convert("1")
    assert embedded.size == expected.size
    assert ImageChops.difference(embedded, expected).getbbox() is None
    if shutil.which("zbarimg"):  # decode it for real where a decoder is installed
        out = subprocess.run(["zbarimg", "-q", "--raw", str(next(tmp_path.glob("img-*.png")))],
                             capture_output=True, check=True).stdout.decode().strip()
        assert out == URL
    assert f"/URI ({URL})".encode() in data or URL.encode() in data  # the printed URL is a link too


def test_pdf_metadata():
    """Title names certificate, course and learner; author is the issuer; created on the issue date."""
    info = pdf_info(render_certificate_pdf(make("Иван <b>&</b>"), "en"))
    assert info["Title"] == "Certificate of completion: Social Media Manager – Иван <b>&</b>"
    assert info["Author"] == "Musterfirma GmbH"
    assert "Nov 22 00:00:00 2026" in info["CreationDate"]
    assert info["Page size"].startswith("841.89 x 595.28")


def test_pdf_is_reproducible():
    """The same data renders to the same bytes (no timestamps or random ids)."""
    assert render_certificate_pdf(make("山田 Jürgen")) == render_certificate_pdf(make("山田 Jürgen"))


def test_pdf_only_needed_fonts_are_embedded():
    """A Latin certificate embeds no CJK font; a Chinese name adds it."""
    latin = subprocess.run([_tool("pdffonts"), "-"], input=render_certificate_pdf(make()), capture_output=True,
                           check=True).stdout.decode()
    chinese = subprocess.run([_tool("pdffonts"), "-"], input=render_certificate_pdf(make("王小明")),
                             capture_output=True, check=True).stdout.decode()
    assert "DroidSans" not in latin and "DejaVuSans" in latin
    assert "DroidSans" in chinese


def test_pdf_cached_fonts_give_the_same_text_as_plain_fpdf2(monkeypatch):
    """The per-process font cache and HarfBuzz pre-subsetting change nothing a reader extracts."""
    data = make("محمد 山田 김 Jürgen Иван 㐀", course_title="Ελληνικά & Русский")
    cached = render_certificate_pdf(data, "en")
    monkeypatch.setattr(pdf_canvas, "CACHE_FONTS", False)
    plain = render_certificate_pdf(data, "en")
    assert pdf_text(cached) == pdf_text(plain)
    assert word_boxes(cached) == word_boxes(plain)


def test_pdf_renders_in_parallel_threads():
    """Threads sharing the font cache produce exactly what a single thread produces."""
    names = ["Jürgen Größe-Weißmüller", "Иван Петрович", "山田太郎", "محمد عبد الله", "Ελένη"]
    expected = {name: render_certificate_pdf(make(name)) for name in names}
    results: dict[tuple[int, str], bytes] = {}

    def work(worker: int) -> None:
        for name in names:
            results[(worker, name)] = render_certificate_pdf(make(name))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 * len(names)
    assert all(data == expected[name] for (_, name), data in results.items())


def test_pdf_format_helpers():
    """Dates: 22.11.2026 / 22 November 2026; scores: whole or one decimal, clamped to 0..100."""
    assert format_date(date(2026, 3, 5), "de") == "05.03.2026"
    assert format_date(date(2026, 3, 5), "en") == "5 March 2026"
    assert format_score(0.925, "de") == "92,5 %" and format_score(0.925, "en") == "92.5%"
    assert format_score(1, "de") == "100 %" and format_score(0.8, "en") == "80%"
    assert format_score(1.7, "en") == "100%" and format_score(-0.1, "de") == "0 %"


def test_pdf_fonts_ship_with_licences():
    """Every shipped font has its licence file, and the fonts stay under 12 MB."""
    fonts = Path(pdf_fonts.FONT_DIR)
    files = {p.name for p in fonts.iterdir()}
    assert {"LICENSE-DejaVu.txt", "LICENSE-DroidSansFallback.txt"} <= files
    assert {name for name in pdf_fonts.FONTS.values()} <= files
    assert sum(p.stat().st_size for p in fonts.glob("*.ttf")) < 12 * 1024 * 1024
    assert "Apache License" in (fonts / "LICENSE-DroidSansFallback.txt").read_text()
    assert "Bitstream" in (fonts / "LICENSE-DejaVu.txt").read_text()
