"""Company sign-in (OIDC and SAML) and the admin's identity-provider pages."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from .. import db as dbmod
from ..audit import services as audit
from ..auth import sessions
from ..auth.models import User
from ..db import get_session
from ..i18n import _
from ..security import csrf
from . import oidc, saml, services
from .errors import SsoError
from .models import IdentityProvider

bp = Blueprint("sso", __name__, template_folder="templates")
PENDING = "sso_pending"


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target \
            and not any(c in target for c in "\r\n"):
        return target
    return ""


def _provider(provider_id: int) -> IdentityProvider:
    """The provider a public sign-in step names (its protocol checks decide the rest), else 404."""
    provider = get_session().get(IdentityProvider, provider_id)
    if provider is None:
        abort(404)
    return provider


def _refuse(exc: SsoError, provider: IdentityProvider | None = None):
    current_app.logger.warning("SSO sign-in refused (%s) provider=%s: %s", exc.code,
                               provider.id if provider else "-", exc.detail)
    if provider is not None:  # the organisation's admins see refused sign-ins in their audit log
        audit.record_refusal(get_session(), None, "sso.refused", org_id=provider.org_id,
                             target_type="identity_provider", target_id=provider.id, target_label=provider.name,
                             details={"reason": exc.code, "detail": exc.detail[:300]})
    return render_template("sso/error.html", message=exc.message, code=exc.code), 400 if exc.code != "deactivated" else 403


def _sign_in(provider: IdentityProvider, person: services.VerifiedIdentity, next_url: str):
    user = services.sign_in_user(get_session(), provider, person)
    sessions.start_session(user)
    session["sso_provider"] = provider.id
    if person.id_token:
        session["sso_id_token"] = person.id_token
    return redirect(next_url or url_for("lms.home"))


@bp.route("/sso/", methods=["GET", "POST"])
def start_page():
    """Step one of a company sign-in: the e-mail address names the organisation's provider."""
    from .forms import EmailForm

    form = EmailForm()
    provider = None
    if form.validate_on_submit():
        try:
            provider = services.provider_for_email(get_session(), form.email.data)
        except SsoError as exc:
            form.email.errors = list(form.email.errors) + [exc.message]
    status = 400 if form.errors else 200
    return render_template("sso/start.html", form=form, provider=provider,
                           next=_safe_next(request.args.get("next"))), status


@bp.route("/sso/<int:provider_id>/start")
def start(provider_id: int):
    """Send the browser to the identity provider (no database writes: the pending login lives in the session)."""
    provider = _provider(provider_id)
    next_url = _safe_next(request.args.get("next"))
    try:
        if not provider.enabled:
            raise SsoError("provider_disabled")
        if provider.kind == "saml":
            return redirect(saml.start(provider, next_url))
        url, pending = oidc.start(provider, services.external_url("lms.sso.oidc_callback"))
    except SsoError as exc:
        return _refuse(exc, provider)
    session[PENDING] = {**pending, "next": next_url}
    return redirect(url)


@bp.route("/sso/oidc/callback")
def oidc_callback():
    """The provider's redirect back: verify the ID token, then sign the person in (JIT creation may write)."""
    pending = session.pop(PENDING, None) or {}
    provider = get_session().get(IdentityProvider, pending.get("provider") or 0)
    if provider is None or provider.kind != "oidc":
        return _refuse(SsoError("state"))
    dbmod.write_intent.set(True)  # this GET signs in and may create the user: take the write lock up front
    try:
        person = oidc.finish(provider, pending, request.args.to_dict(),
                             services.external_url("lms.sso.oidc_callback"))
        return _sign_in(provider, person, pending.get("next", ""))
    except SsoError as exc:
        return _refuse(exc, provider)


@bp.route("/sso/saml/<int:provider_id>/acs", methods=["POST"])
@csrf.exempt  # a cross-site POST from the IdP; the XML signature and the signed RelayState protect it
def saml_acs(provider_id: int):
    """Assertion consumer service (HTTP-POST binding)."""
    provider = _provider(provider_id)
    try:
        if provider.kind != "saml" or not provider.enabled:
            raise SsoError("provider_disabled")
        relay = saml.read_relay_state(request.form.get("RelayState", ""), provider)
        person, assertion_id, expires = saml.finish(provider, request.form.get("SAMLResponse", ""), relay)
        services.consume_assertion(get_session(), provider, assertion_id, expires)
        return _sign_in(provider, person, _safe_next(relay.get("n")))
    except SsoError as exc:
        return _refuse(exc, provider)


@bp.route("/sso/saml/<int:provider_id>/metadata")
def saml_metadata(provider_id: int):
    """This service provider's metadata for the organisation's IdP admin."""
    provider = _provider(provider_id)
    if provider.kind != "saml":
        abort(404)
    return Response(saml.sp_metadata(provider), mimetype="application/samlmetadata+xml")


@bp.route("/sso/logout", methods=["POST"])
def logout():
    """Sign out here, then offer the provider's sign-out (RP-initiated logout) where it has one."""
    provider_id, id_token = session.get("sso_provider"), session.get("sso_id_token")
    user = get_session().get(User, current_user.id) if current_user.is_authenticated else None
    sessions.end_session(user)
    provider = get_session().get(IdentityProvider, provider_id) if provider_id else None
    url = None
    if provider is not None and provider.kind == "oidc":
        url = oidc.logout_url(provider, id_token, services.external_url("lms.auth.login"))
    return render_template("sso/logged_out.html", provider=provider, logout_url=url)
