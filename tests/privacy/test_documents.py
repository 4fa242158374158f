"""Documents from the settings in force, read back as text: the works agreement says exactly what was chosen."""
import io

from docx import Document

from helpers import set_privacy
from tests.certificates.test_pdf import pdf_text


def _pdf_text(data: bytes) -> str:
    """The PDF's words as pdftotext reads them (a missing pdftotext fails the test, as in the certificate tests)."""
    return " ".join(pdf_text(data, "-layout").split())


def _docx_text(data: bytes) -> str:
    return " ".join(" ".join(p.text for p in Document(io.BytesIO(data)).paragraphs).split())


def test_documents_works_agreement_states_aggregate_k5_and_12_months(app, client, login_as, world, db):
    """The done-condition: aggregate only, k = 5, 12 months -> the draft says exactly that, in PDF and DOCX."""
    set_privacy(app, db, world["org_a"], world["admin_a"], reporting_level="aggregate", min_group_size=5,
                retention_months=12)
    login_as("admin_a")
    for fmt, read in (("pdf", _pdf_text), ("docx", _docx_text)):
        response = client.get(f"/admin/privacy/document?kind=works-agreement&format={fmt}")
        assert response.status_code == 200, fmt
        text = read(response.data)
        assert "Betriebsvereinbarung" in text and "Alpha GmbH" in text
        assert "mindestens 5 Personen" in text and "nach 12 Monaten gelöscht" in text
        assert "Vorlage – von den Betriebsparteien zu prüfen, keine Rechtsberatung" in text
        assert "§ 87 Abs. 1 Nr. 6 BetrVG" in text and "§ 26 BDSG" in text
        assert "Version 1" in text


def test_documents_follow_a_settings_change(app, client, login_as, world, db):
    """After switching to individual reporting with 24 months, the record of processing says so."""
    set_privacy(app, db, world["org_a"], world["admin_a"], reporting_level="individual", retention_months=24,
                forwarding_identity="none")
    login_as("admin_a")
    text = _docx_text(client.get("/admin/privacy/document?kind=records&format=docx").data)
    assert "Verzeichnis von Verarbeitungstätigkeiten" in text and "Nach 24 Monaten gelöscht" in text
    assert "ohne personenbezogene Angaben" in text
    toms = _pdf_text(client.get("/admin/privacy/document?kind=toms&format=pdf").data)
    assert "Technische und organisatorische Maßnahmen" in toms and "mit Namen" in toms


def test_documents_english_and_bad_requests(client, login_as):
    """English on request; an unknown kind, format or language is a 404; trainers cannot fetch documents."""
    login_as("admin_a")
    text = _docx_text(client.get("/admin/privacy/document?kind=works-agreement&format=docx&lang=en").data)
    assert "Works agreement" in text and "not legal advice" in text
    assert client.get("/admin/privacy/document?kind=contract&format=pdf").status_code == 404
    assert client.get("/admin/privacy/document?kind=toms&format=odt").status_code == 404
    assert client.get("/admin/privacy/document?kind=toms&format=pdf&lang=fr").status_code == 404
    client.post("/logout")
    from conftest import login

    login(client, "trainer@alpha.example")
    assert client.get("/admin/privacy/document").status_code == 403
