"""Certificates in the app: issued on completion (once), downloads, public verification, revocation, expiry."""
import json
import re
import subprocess

from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.lrs.models import Statement
from tests_quiz_helpers import complete_course


def test_issuing_completion_issues_one_certificate(app, client, login_as, db):
    """Completing the course issues exactly one certificate, with its xAPI statement in the same commit."""
    login_as("learner_a")
    complete_course(app, client, db)
    db.rollback()
    certificates = db.scalars(select(Certificate)).all()
    assert len(certificates) == 1
    assert certificates[0].final_score == 1.0 and len(certificates[0].code) >= 26
    verbs = db.scalars(select(Statement.verb_id)).all()
    assert "http://id.tincanapi.com/verb/earned" in verbs


def test_issuing_learner_page_lists_downloads(app, client, login_as, db):
    """The learner finds the certificate on their page with PDF and credential downloads."""
    login_as("learner_a")
    complete_course(app, client, db)
    body = client.get("/certificates/").get_data(as_text=True)
    cert_id = re.search(r"/certificates/(\d+)\.pdf", body).group(1)
    pdf = client.get(f"/certificates/{cert_id}.pdf?lang=de")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True).stdout.decode()
    assert "Lea Lernend" in text and "Minikurs" in text
    vc = json.loads(client.get(f"/certificates/{cert_id}.json").data)
    assert "OpenBadgeCredential" in vc["type"] and vc["proof"]["cryptosuite"] == "eddsa-jcs-2022"


def test_issuing_other_users_cannot_download(app, client, login_as, db, world):
    """Another learner gets 404; a trainer of another organisation gets 404; the own trainer may."""
    from conftest import login

    login_as("learner_a")
    complete_course(app, client, db)
    db.rollback()
    cert_id = db.scalar(select(Certificate.id))
    for email, status in (("learner2@alpha.example", 404), ("trainer@beta.example", 404),
                          ("trainer@alpha.example", 200)):
        other = app.test_client()
        login(other, email)
        assert other.get(f"/certificates/{cert_id}.pdf").status_code == status, email


def test_issuing_public_verification_states(app, client, login_as, db):
    """The public page says valid, then revoked with the date after revocation, and unknown for bad codes."""
    from conftest import login

    login_as("learner_a")
    complete_course(app, client, db)
    db.rollback()
    cert = db.scalar(select(Certificate))
    anonymous = app.test_client()
    page = anonymous.get(f"/verify/{cert.code.lower()}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Gültiges Zertifikat" in body and "Lea Lernend" in body
    assert "learner@alpha.example" not in body
    assert anonymous.get("/verify/ABCDEFGHJKMNPQRSTVWXYZ0123").status_code == 404
    trainer = app.test_client()
    login(trainer, "trainer@alpha.example")
    assert trainer.post(f"/certificates/{cert.id}/revoke", data={"reason": "Betrug"}).status_code == 302
    body = anonymous.get(f"/verify/{cert.code}").get_data(as_text=True)
    assert "Widerrufen am" in body


def test_issuing_verify_upload_checks_signature_and_revocation(app, client, login_as, db):
    """An uploaded credential verifies; a tampered one fails; a revoked one shows revoked."""
    import io

    login_as("learner_a")
    complete_course(app, client, db)
    db.rollback()
    cert = db.scalar(select(Certificate))
    anonymous = app.test_client()

    def upload(document):
        data = {"credential": (io.BytesIO(json.dumps(document).encode()), "vc.json")}
        return anonymous.post("/verify/credential", data=data, content_type="multipart/form-data")

    good = json.loads(cert.credential)
    assert "Gültiges Zertifikat" in upload(good).get_data(as_text=True)
    tampered = json.loads(cert.credential)
    tampered["credentialSubject"]["name"] = "Mallory"
    response = upload(tampered)
    assert response.status_code == 400 and "Nachweis ungültig" in response.get_data(as_text=True)


def test_issuing_verify_rate_limited(app, login_as, client, db):
    """The public verification page answers 429 after too many lookups from one address."""
    anonymous = app.test_client()
    statuses = [anonymous.get("/verify/AAAA-BBBB").status_code for _ in range(31)]
    assert statuses[-1] == 429 and 429 not in statuses[:30]


def test_issuing_well_known_key_published(app):
    """The public key is published as a Multikey document."""
    doc = app.test_client().get("/.well-known/lms-credential-key.json").get_json()
    assert doc["publicKeyMultibase"].startswith("z6Mk")
