"""SCORM 1.2 and 2004 4th Edition packages: manifests valid against the ADL/IMS schemas, launcher files, a signed
package id and no secret inside; the launcher's server calls (launch, single-use expiring start, status)."""
from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from tests_quiz_helpers import answer_all

from conftest import login

SCHEMAS = Path(__file__).parent / "schemas"
IMPORTS = {
    "1.2": [("http://www.imsproject.org/xsd/imscp_rootv1p1p2", "scorm12/imscp_rootv1p1p2.xsd"),
            ("http://www.adlnet.org/xsd/adlcp_rootv1p2", "scorm12/adlcp_rootv1p2.xsd")],
    "2004": [("http://www.imsglobal.org/xsd/imscp_v1p1", "scorm2004/imscp_v1p1.xsd"),
             ("http://www.adlnet.org/xsd/adlcp_v1p3", "scorm2004/adlcp_v1p3.xsd"),
             ("http://www.adlnet.org/xsd/adlseq_v1p3", "scorm2004/adlseq_v1p3.xsd"),
             ("http://www.adlnet.org/xsd/adlnav_v1p3", "scorm2004/adlnav_v1p3.xsd"),
             ("http://www.imsglobal.org/xsd/imsss", "scorm2004/imsss_v1p0.xsd")],
}


def schema_for(version: str) -> etree.XMLSchema:
    """One schema importing every namespace a manifest of this version uses (the schema files are unchanged)."""
    imports = "".join(f'<xs:import namespace="{ns}" schemaLocation="{(SCHEMAS / path).as_uri()}"/>'
                      for ns, path in IMPORTS[version])
    driver = f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{imports}</xs:schema>'
    return etree.XMLSchema(etree.fromstring(driver.encode(), base_url=SCHEMAS.as_uri() + "/"))


def download(client, version: str) -> zipfile.ZipFile:
    """Download a package through the admin route."""
    response = client.post("/admin/scorm/mini/package", data={"version": version})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.data))


def config_of(archive: zipfile.ZipFile) -> dict:
    """The launcher's configuration inside a package."""
    text = archive.read("config.js").decode()
    return json.loads(re.search(r"= (\{.*\});", text, re.S).group(1))


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_scorm_package_manifest_valid_against_schemas(login_as, version):
    """The manifest passes the ADL/IMS schemas and lists a SCO per module plus the final exam."""
    archive = download(login_as("admin_a"), version)
    assert sorted(archive.namelist()) == ["config.js", "imsmanifest.xml", "launcher.html", "launcher.js"]
    document = etree.fromstring(archive.read("imsmanifest.xml"))
    schema = schema_for(version)
    assert schema.validate(document), schema.error_log
    items = [e.get("parameters") for e in document.iter() if e.tag.endswith("}item")]
    assert items == ["?sco=module-basics", "?sco=module-more", "?sco=exam"]
    version_text = next(e.text for e in document.iter() if e.tag.endswith("}schemaversion"))
    assert version_text == ("1.2" if version == "1.2" else "2004 4th Edition")


def test_scorm_package_schema_check_is_real(login_as):
    """A manifest with a broken element fails the schema check."""
    archive = download(login_as("admin_a"), "1.2")
    broken = archive.read("imsmanifest.xml").replace(b"<organizations", b"<organisations").replace(
        b"</organizations>", b"</organisations>")
    assert not schema_for("1.2").validate(etree.fromstring(broken))


def test_scorm_package_holds_no_secret(app, login_as):
    """The package carries the server URL and a signed package id, nothing secret."""
    archive = download(login_as("admin_a"), "2004")
    config = config_of(archive)
    assert config["server"] == "http://localhost" and config["version"] == "2004"
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert app.config["SECRET_KEY"].encode() not in everything and b"password" not in everything.lower()


def _launch(client, token: str, student: str = "emp-7", sco: str = "module-basics"):
    body = json.dumps({"package": token, "sco": sco, "student_id": student, "student_name": "Eva Extern"})
    return client.post("/scorm/launch", data=body, content_type="text/plain", csrf=False)


def test_scorm_launch_start_status_flow(app, client, db, world, login_as):
    """Launch → start (signs the learner in, once) → quiz → status reports passed with the score."""
    token = config_of(download(login_as("admin_a"), "1.2"))["packageToken"]
    learner = app.test_client()
    answer = _launch(learner, token)
    assert answer.status_code == 200 and answer.headers["Access-Control-Allow-Origin"] == "*"
    urls = answer.get_json()
    status_path = urls["status_url"].removeprefix("http://localhost")
    assert learner.get(status_path).get_json()["status"] == "not attempted"
    start_path = urls["start_url"].removeprefix("http://localhost")
    opened = learner.get(start_path)
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/courses/mini/lessons/b-one")
    assert learner.get(start_path).status_code == 400  # single use
    assert learner.get(status_path).get_json()["status"] == "incomplete"
    answer_all(app, learner, db, "m1")
    result = learner.get(status_path).get_json()
    assert result == {"status": "passed", "score": 1.0, "passed": True, "completed": True, "final": True}


def test_scorm_start_token_expires(app, login_as, monkeypatch):
    """A start token older than its lifetime is refused."""
    from lms.scorm import services

    token = config_of(download(login_as("admin_a"), "1.2"))["packageToken"]
    learner = app.test_client()
    urls = _launch(learner, token).get_json()
    monkeypatch.setattr(services, "START_SECONDS", -1)
    assert learner.get(urls["start_url"].removeprefix("http://localhost")).status_code == 400


def test_scorm_status_token_cannot_start(app, login_as):
    """The status token is single-purpose: it does not open a session."""
    token = config_of(download(login_as("admin_a"), "1.2"))["packageToken"]
    learner = app.test_client()
    urls = _launch(learner, token).get_json()
    status_token = urls["status_url"].split("token=", 1)[1]
    assert learner.get(f"/scorm/start?token={status_token}").status_code == 400


def test_scorm_launch_rejects_forged_or_revoked_package(app, db, login_as):
    """A package id not signed by this server, or a revoked package, is refused."""
    from lms.scorm.models import ScormPackage

    token = config_of(download(login_as("admin_a"), "1.2"))["packageToken"]
    learner = app.test_client()
    assert _launch(learner, token[:-2] + "xx").status_code == 400
    db.rollback()
    for package in db.query(ScormPackage).all():
        package.revoked = True
    db.commit()
    assert _launch(learner, token).status_code == 400


def test_scorm_learners_land_in_package_org(app, db, world, login_as):
    """The host LMS's learner becomes a learner of the organisation that downloaded the package."""
    from lms.auth.models import User

    token = config_of(download(login_as("admin_a"), "1.2"))["packageToken"]
    learner = app.test_client()
    learner.get(_launch(learner, token, student="emp-9").get_json()["start_url"].removeprefix("http://localhost"))
    db.rollback()
    user = db.query(User).filter(User.email.like("scorm-%")).one()
    assert user.org_id == world["org_a"].id and user.role == "learner"


def test_scorm_download_admin_only(app, world):
    """Learners cannot download packages."""
    client = app.test_client()
    login(client, world["learner_a"].email)
    assert client.post("/admin/scorm/mini/package", data={"version": "1.2"}).status_code == 403


def test_scorm_admin_revokes_package(app, db, login_as):
    """The admin page lists downloaded packages; a revoked one no longer launches."""
    admin = login_as("admin_a")
    token = config_of(download(admin, "1.2"))["packageToken"]
    page = admin.get("/admin/cmi5/").get_data(as_text=True)
    revoke_url = re.search(r'action="(/admin/scorm/packages/[0-9a-f]+/revoke)"', page).group(1)
    assert admin.post(revoke_url).status_code == 302
    assert _launch(app.test_client(), token).status_code == 400
