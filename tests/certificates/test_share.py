"""Sharing a certificate: a 1200×627 PNG for valid certificates (public, by code), linked from the learner's page
and named as og:image on the verify page; LinkedIn's add-to-profile link carries the verify URL."""
import io
import re
from urllib.parse import parse_qs, urlparse

from PIL import Image
from sqlalchemy import select

from lms.certificates.models import Certificate
from tests_quiz_helpers import complete_course


def test_share_image_png_for_valid_certificate(app, client, login_as, db):
    """The share image is a 1200×627 PNG; the verify page names it as og:image."""
    login_as("learner_a")
    complete_course(app, client, db)
    db.rollback()
    code = db.scalar(select(Certificate.code))
    mine = client.get("/certificates/").get_data(as_text=True)
    assert f"/verify/{code}/share.png" in mine
    anonymous = app.test_client()
    response = anonymous.get(f"/verify/{code}/share.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert Image.open(io.BytesIO(response.data)).size == (1200, 627)
    assert f'property="og:image" content="http://localhost/verify/{code}/share.png"' in \
        anonymous.get(f"/verify/{code}").get_data(as_text=True)


def test_share_image_unknown_or_revoked_is_404(app, client, login_as, db):
    """No image for an unknown code or a revoked certificate."""
    from lms.db import utcnow

    login_as("learner_a")
    complete_course(app, client, db)
    assert client.get("/verify/NOPE/share.png").status_code == 404
    db.rollback()  # a fresh snapshot: the lookup counted in the shared rate limit
    certificate = db.scalar(select(Certificate))
    certificate.revoked_at = utcnow()
    db.commit()
    assert client.get(f"/verify/{certificate.code}/share.png").status_code == 404


def test_share_linkedin_link_fields(app, client, login_as, db):
    """The LinkedIn link names the certification, issuer, issue month, certificate id and verify URL."""
    login_as("learner_a")
    complete_course(app, client, db)
    db.rollback()
    certificate = db.scalar(select(Certificate))
    mine = client.get("/certificates/").get_data(as_text=True)
    url = re.search(r'href="(https://www\.linkedin\.com/profile/add\?[^"]+)"', mine).group(1).replace("&amp;", "&")
    query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    assert query["startTask"] == "CERTIFICATION_NAME" and query["name"] == "Minikurs"
    assert query["organizationName"] == certificate.issuer_name
    assert query["issueYear"] == str(certificate.issued_at.year)
    assert query["certUrl"] == f"http://localhost/verify/{certificate.code}"
