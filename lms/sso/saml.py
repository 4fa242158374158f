"""SAML 2.0 service provider (pysaml2 with xmlsec1): signed assertions, audience, recipient, expiry, replay."""
from __future__ import annotations

import secrets
import shutil
from datetime import datetime, timezone

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.response import StatusError
from saml2.saml import NAMEID_FORMAT_UNSPECIFIED
from saml2.sigver import SignatureError
from saml2.validate import ResponseLifetimeExceed, ToEarly
from saml2.response import IncorrectlySigned, UnsolicitedResponse, VerificationError

from .errors import SsoError
from .models import IdentityProvider
from .services import VerifiedIdentity, external_url

EMAIL_ATTRIBUTES = ("email", "mail", "emailAddress", "urn:oid:0.9.2342.19200300.100.1.3")
NAME_ATTRIBUTES = ("displayName", "name", "cn", "urn:oid:2.16.840.1.113730.3.1.241")
RELAY_MAX_AGE = 600


def entity_id(provider: IdentityProvider) -> str:
    """This service provider's entity id for one identity provider (its metadata URL)."""
    return external_url("lms.sso.saml_metadata", provider_id=provider.id)


def acs_url(provider: IdentityProvider) -> str:
    """The assertion consumer service URL (HTTP-POST binding)."""
    return external_url("lms.sso.saml_acs", provider_id=provider.id)


def _client(provider: IdentityProvider, with_idp: bool = True) -> Saml2Client:
    settings = {
        "entityid": entity_id(provider),
        "xmlsec_binary": current_app.config.get("XMLSEC_BINARY") or shutil.which("xmlsec1") or "/usr/bin/xmlsec1",
        "allow_unknown_attributes": True,
        "service": {"sp": {
            "endpoints": {"assertion_consumer_service": [(acs_url(provider), BINDING_HTTP_POST)]},
            "want_assertions_signed": True,
            "want_response_signed": False,
            "authn_requests_signed": False,
            "allow_unsolicited": False,
            "name_id_format": NAMEID_FORMAT_UNSPECIFIED,
        }},
    }
    if with_idp:
        settings["metadata"] = {"inline": [provider.metadata_xml]}
    config = SPConfig()
    config.load(settings)
    return Saml2Client(config=config)


def sp_metadata(provider: IdentityProvider) -> str:
    """This SP's metadata XML for the provider's admin to import."""
    return create_metadata_string(None, config=_client(provider, with_idp=False).config, valid=None).decode()


def _relay_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="lms-saml-relay")


def start(provider: IdentityProvider, next_url: str | None) -> str:
    """The IdP URL (HTTP-Redirect binding) carrying an AuthnRequest; RelayState signs the request id."""
    if not provider.metadata_xml:
        raise SsoError("provider_error", "no IdP metadata")
    request_id = "id-" + secrets.token_hex(20)  # NCName: must not start with a digit
    relay = _relay_serializer().dumps({"p": provider.id, "r": request_id, "n": next_url or ""})
    try:
        _, info = _client(provider).prepare_for_authenticate(
            entityid=provider.issuer, binding=BINDING_HTTP_REDIRECT, relay_state=relay, message_id=request_id)
    except Exception as exc:  # pysaml2 raises many types for a broken or mismatching metadata document
        raise SsoError("provider_error", f"authn request: {exc}") from exc
    return dict(info["headers"])["Location"]


def read_relay_state(relay_state: str, provider: IdentityProvider) -> dict:
    """The signed relay state of a request this SP made for this provider, else SsoError('state')."""
    try:
        data = _relay_serializer().loads(relay_state or "", max_age=RELAY_MAX_AGE)
    except BadSignature as exc:
        raise SsoError("state", "relay state") from exc
    if data.get("p") != provider.id or not data.get("r"):
        raise SsoError("state", "relay state for another provider")
    return data


def finish(provider: IdentityProvider, saml_response: str, relay: dict) -> tuple[VerifiedIdentity, str, datetime]:
    """Verify the response; returns the person, the assertion id and its NotOnOrAfter (for replay protection)."""
    client = _client(provider)
    try:
        response = client.parse_authn_request_response(saml_response, BINDING_HTTP_POST,
                                                       outstanding={relay["r"]: relay.get("n") or "/"})
    except (SignatureError, IncorrectlySigned) as exc:
        raise SsoError("signature", str(exc)) from exc
    except (ResponseLifetimeExceed, ToEarly) as exc:
        raise SsoError("expired", str(exc)) from exc
    except (UnsolicitedResponse, StatusError) as exc:
        raise SsoError("denied", str(exc)) from exc
    except VerificationError as exc:
        raise SsoError(_verification_code(str(exc)), str(exc)) from exc
    except Exception as exc:  # malformed XML, unknown issuer, base64 errors: pysaml2 has no common base class
        raise SsoError(_verification_code(str(exc)), f"{type(exc).__name__}: {exc}") from exc
    if response is None or response.assertion is None:
        raise SsoError("signature", "no valid assertion")
    return _identity(response), response.assertion.id, _not_on_or_after(response)


def _verification_code(text: str) -> str:
    lowered = text.lower()
    if "audience" in lowered or "not for me" in lowered:
        return "audience"
    if "expired" in lowered or "lifetime" in lowered or "too old" in lowered:
        return "expired"
    if "signature" in lowered or "signed" in lowered:
        return "signature"
    return "provider_error"


def _identity(response) -> VerifiedIdentity:
    attributes = response.ava or {}
    name_id = response.name_id.text if response.name_id is not None else ""

    def first(names):
        for key in names:
            if attributes.get(key):
                return str(attributes[key][0])
        return ""

    email = first(EMAIL_ATTRIBUTES) or (name_id if "@" in name_id else "")
    if not email:
        raise SsoError("no_email")
    return VerifiedIdentity(subject=name_id or email, email=email, name=first(NAME_ATTRIBUTES),
                            groups=[str(g) for g in attributes.get("groups", [])],
                            department=first(("department", "ou")) or None)


def _not_on_or_after(response) -> datetime:
    from saml2.time_util import str_to_time

    times = [sc.subject_confirmation_data.not_on_or_after
             for sc in response.assertion.subject.subject_confirmation
             if sc.subject_confirmation_data is not None and sc.subject_confirmation_data.not_on_or_after]
    conditions = response.assertion.conditions
    if conditions is not None and conditions.not_on_or_after:
        times.append(conditions.not_on_or_after)
    if not times:
        raise SsoError("expired", "assertion without NotOnOrAfter")
    latest = max(datetime(*str_to_time(t)[:6], tzinfo=timezone.utc) for t in times)
    return latest
