"""The mount prefix in every URL the LMS hands out: certificate PDF and QR code, signed credential, e-mails built
outside a request, xAPI IRIs and accounts, the LRS's `more` link, and the SCORM/cmi5 package URLs."""
import base64
import json
import re
import shutil
import subprocess

import pytest
from sqlalchemy import select

from certificates.test_pdf import _tool, pdf_text
from factories import build_world
from plugin_helpers import BASE_IRI, make_host, sign_in
from tests_quiz_helpers import complete_course

LMS_BASE = BASE_IRI + "/lms"


@pytest.fixture
def host(database_url, tmp_path):
    """A host app with the LMS under /lms and the prepared world."""
    app = make_host(database_url, tmp_path)
    with app.app_context():
        session = app.extensions["lms_db"][1]()
        build_world(session)
        session.close()
    yield app
    app.extensions["lms_db"][0].dispose()


@pytest.fixture
def host_db(host):
    """A session on the host's LMS database."""
    session = host.extensions["lms_db"][1]()
    yield session
    session.close()


@pytest.fixture
def certified(host, host_db):
    """A learner who completed the test course through the prefixed pages; yields (client, certificate)."""
    from lms.certificates.models import Certificate

    client = host.test_client()
    sign_in(client, "learner@alpha.example")
    complete_course(host, client, host_db)
    host_db.rollback()
    certificate = host_db.scalar(select(Certificate))
    assert certificate is not None
    return client, certificate


def test_plugin_urls_certificate_pdf_and_qr_code(certified, tmp_path):
    """The PDF prints and links the verify URL under the prefix, and its QR code encodes exactly that URL."""
    from PIL import Image, ImageChops

    from lms.certificates import pdf as certpdf

    client, certificate = certified
    expected = f"{LMS_BASE}/verify/{certificate.code}"
    data = client.get(f"/certificates/{certificate.id}.pdf").data
    assert expected in "".join(pdf_text(data).split())
    assert f"/URI ({expected})".encode() in data or expected.encode() in data
    (tmp_path / "c.pdf").write_bytes(data)
    subprocess.run([_tool("pdfimages"), "-png", str(tmp_path / "c.pdf"), str(tmp_path / "img")], check=True)
    embedded = Image.open(next(tmp_path.glob("img-*.png"))).convert("1")
    assert ImageChops.difference(embedded, Image.open(certpdf._qr_png(expected)).convert("1")).getbbox() is None
    if shutil.which("zbarimg"):  # decode it for real where a decoder is installed
        out = subprocess.run(["zbarimg", "-q", "--raw", str(next(tmp_path.glob("img-*.png")))],
                             capture_output=True, check=True).stdout.decode().strip()
        assert out == expected
    page = client.get(f"/verify/{certificate.code}")
    assert page.status_code == 200 and f"/lms/verify/{certificate.code}/share.png" in page.get_data(as_text=True)


def test_plugin_urls_signed_credential(certified):
    """The signed credential names the prefixed verification URL as its status and the prefixed issuer."""
    client, certificate = certified
    vc = json.loads(client.get(f"/certificates/{certificate.id}.json").data)
    assert vc["credentialStatus"]["id"] == f"{LMS_BASE}/verify/{certificate.code}"
    assert vc["issuer"]["id"] == f"{LMS_BASE}/issuer"
    assert vc["proof"]["verificationMethod"] == f"{LMS_BASE}/issuer#key-1"


def test_plugin_urls_mail_rendered_outside_a_request(certified, host, host_db):
    """The certificate mail, rendered by the worker without a request, links under BASE_IRI and the prefix."""
    from lms.mail.models import Mail
    from lms.mail.render import render

    _, certificate = certified
    mail = host_db.scalar(select(Mail).where(Mail.template == "certificate"))
    assert mail is not None
    with host.app_context():
        rendered = render(mail)
    assert f"{LMS_BASE}/verify/{certificate.code}" in rendered.text
    links = set(re.findall(r"https?://[^\s\"'<>)]+", rendered.text + rendered.html))
    assert links and all(link.startswith(LMS_BASE + "/") for link in links), links


def test_plugin_urls_statements_carry_the_prefix(certified, host_db):
    """Statements the LMS writes name the learner's account at BASE_IRI + prefix; the authority as well."""
    from lms.lrs.models import Statement

    raws = [json.loads(raw) for raw in host_db.scalars(select(Statement.raw))]
    assert raws
    for stmt in raws:
        assert stmt["actor"]["account"]["homePage"] == LMS_BASE
        assert stmt["authority"]["account"]["homePage"] == LMS_BASE


def test_plugin_urls_activity_iri_from_base_iri(host):
    """IRIs the LMS builds from BASE_IRI (e.g. an organisation's guideline) lie under the prefix."""
    from lms import extension

    with host.app_context():
        assert extension.iri("/xapi/activities/org/1/guideline") == f"{LMS_BASE}/xapi/activities/org/1/guideline"
        assert extension.absolute_url("lms.home") == f"{LMS_BASE}/"


def test_plugin_urls_lrs_more_link(host, host_db):
    """The LRS's `more` link points under the prefix, and following it returns the next page."""
    from lms.auth.models import Organisation
    from lms.lrs.lrs_auth import create_credential

    org = host_db.scalar(select(Organisation).where(Organisation.slug == "alpha"))
    credential, secret = create_credential(host_db, org.id, "client")
    host_db.commit()
    headers = {"Authorization": "Basic " + base64.b64encode(f"{credential.key}:{secret}".encode()).decode(),
               "X-Experience-API-Version": "1.0.3"}
    client = host.test_client()
    for number in range(3):
        stmt = {"actor": {"mbox": "mailto:lea@example.com"}, "verb": {"id": "http://adlnet.gov/expapi/verbs/x"},
                "object": {"id": f"http://example.com/activities/{number}"}}
        posted = client.post("/xapi/statements", data=json.dumps(stmt), content_type="application/json",
                             headers=headers, csrf=False)
        assert posted.status_code == 200, posted.get_data(as_text=True)
    first = client.get("/xapi/statements?limit=2", headers=headers).get_json()
    assert len(first["statements"]) == 2 and first["more"].startswith("/lms/xapi/statements?")
    second = client.get(first["more"], headers=headers).get_json()
    assert len(second["statements"]) == 1 and second["more"] == ""


def test_plugin_urls_scorm_and_cmi5_packages(host, host_db):
    """The SCORM package's server URL and the cmi5 package's AU URLs lie under the prefix."""
    import io
    import zipfile

    client = host.test_client()
    sign_in(client, "admin@alpha.example")
    response = client.post("/admin/scorm/mini/package", data={"version": "1.2"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    config = zipfile.ZipFile(io.BytesIO(response.data)).read("config.js").decode()
    assert '"server": "http://localhost/lms"' in config
    cmi5 = client.get("/admin/cmi5/mini/cmi5.zip")
    assert cmi5.status_code == 200
    structure = zipfile.ZipFile(io.BytesIO(cmi5.data)).read("cmi5.xml").decode()
    urls = re.findall(r"<url>([^<]+)</url>", structure)
    assert urls and all(url.startswith("http://localhost/lms/cmi5/au/mini?") for url in urls), urls
