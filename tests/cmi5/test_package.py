"""cmi5 course package: cmi5.xml valid against the cmi5 XSD, one AU per module plus the final exam, moveOn and
masteryScore per AU, the course's stable IRIs; from the admin page and the CLI."""
from __future__ import annotations

import io
import zipfile

import pytest
from lxml import etree

from lms.cmi5.package import NS, PackageError, validate

N = {"c": NS}


def _structure(data: bytes):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["cmi5.xml"]
        return archive.read("cmi5.xml")


def test_cmi5_package_admin_download_is_valid(login_as, app):
    """The admin's download holds a cmi5.xml that passes the XSD, with AUs for both modules and the exam."""
    response = login_as("admin_a").get("/admin/cmi5/mini/cmi5.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    xml = _structure(response.data)
    validate(xml)
    root = etree.fromstring(xml)
    course = app.extensions["lms_catalog"].courses["mini"]
    assert root.find("c:course", N).get("id") == course.iri
    aus = root.findall("c:au", N)
    assert [au.get("id") for au in aus] == [m.iri for m in course.modules] + [f"{course.iri}/quiz/final"]
    assert {au.get("moveOn") for au in aus} == {"Passed"}
    assert [au.get("masteryScore") for au in aus] == ["0.70", "0.70", "0.80"]
    url = aus[0].find("c:url", N).text
    assert url == "http://localhost/cmi5/au/mini?au=module-basics&org=alpha"


def test_cmi5_package_validation_rejects_broken_xml():
    """The XSD check is real: an AU without a url is refused."""
    broken = (f'<courseStructure xmlns="{NS}"><course id="http://x/c"><title><langstring>t</langstring></title>'
              '<description><langstring>d</langstring></description></course>'
              '<au id="http://x/a"><title><langstring>t</langstring></title>'
              '<description><langstring>d</langstring></description></au></courseStructure>').encode()
    with pytest.raises(PackageError):
        validate(broken)


def test_cmi5_package_cli_writes_zip(runner, tmp_path):
    """`flask cmi5 export` writes the same valid package."""
    target = tmp_path / "mini.zip"
    result = runner.invoke(args=["cmi5", "export", "mini", "--org", "alpha", "--base-url", "https://lms.example.com",
                                 "-o", str(target)])
    assert result.exit_code == 0, result.output
    xml = _structure(target.read_bytes())
    validate(xml)
    assert b"https://lms.example.com/cmi5/au/mini?au=exam&amp;org=alpha" in xml


def test_cmi5_package_learner_refused(login_as):
    """Only admins download packages."""
    assert login_as("learner_a").get("/admin/cmi5/mini/cmi5.zip").status_code == 403
