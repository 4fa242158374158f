"""LinkedIn's documented 'Add to profile' link for a certification, pointing at the public verify page."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import url_for

from ..i18n import localized
from . import codes
from .models import Certificate

ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


def add_to_profile_url(certificate: Certificate) -> str:
    """The add-to-profile URL: name, issuer, issue (and expiry) month, the certificate id and its verify URL."""
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": localized(certificate.course_title),
        "organizationName": certificate.issuer_name,
        "issueYear": certificate.issued_at.year,
        "issueMonth": certificate.issued_at.month,
        "certUrl": url_for("lms.certificates.verify", code=certificate.code, _external=True),
        "certId": codes.format_code(certificate.code),
    }
    if certificate.expires_at is not None:
        params.update(expirationYear=certificate.expires_at.year, expirationMonth=certificate.expires_at.month)
    return f"{ADD_TO_PROFILE}?{urlencode(params)}"
