"""Admin pages: connect identity providers and switch local passwords off (organisation-scoped)."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from ..audit import services as audit
from ..db import get_session
from ..i18n import _
from . import saml, services
from .errors import SsoError
from .forms import LoginSettingsForm, ProviderForm, format_role_map, parse_role_map
from .models import IdentityProvider, LoginSettings
from .views import bp


@bp.route("/admin/sso/", methods=["GET", "POST"])
def admin():
    """The organisation's providers and its password-login setting."""
    db = get_session()
    settings = db.get(LoginSettings, current_user.org_id)
    form = LoginSettingsForm(password_login=settings is None or settings.password_login)
    if form.validate_on_submit():
        services.set_password_login(db, current_user.organisation, form.password_login.data, current_user)
        audit.record(db, current_user, "sso.password_login", details={"password_login": form.password_login.data})
        flash(_("Einstellungen gespeichert."), "success")
        return redirect(url_for("lms.sso.admin"))
    providers = db.scalars(select(IdentityProvider).where(IdentityProvider.org_id == current_user.org_id)
                           .order_by(IdentityProvider.name)).all()
    return render_template("sso/admin.html", providers=providers, form=form,
                           metadata_url=saml.entity_id, acs_url=saml.acs_url,
                           callback_url=services.external_url("lms.sso.oidc_callback")), \
        400 if form.errors else 200


def _save(form: ProviderForm, provider: IdentityProvider | None):
    if not form.validate_on_submit():
        return None
    if form.kind.data == "oidc" and not form.client_id.data:
        form.client_id.errors = list(form.client_id.errors) + [_("Bitte die Client-ID angeben.")]
        return None
    if form.kind.data == "saml" and not form.metadata_xml.data and not (provider and provider.metadata_xml):
        form.metadata_xml.errors = list(form.metadata_xml.errors) + [_("Bitte die Metadaten des IdP einfügen.")]
        return None
    fields = dict(kind=form.kind.data, name=form.name.data.strip(), issuer=form.issuer.data.strip(),
                  client_id=(form.client_id.data or "").strip(), domains=form.domains.data.split(","),
                  jit=form.jit.data, default_role=form.default_role.data,
                  group_claim=(form.group_claim.data or "groups").strip(), role_map=parse_role_map(form.role_map.data),
                  department_claim=(form.department_claim.data or "").strip(), enabled=form.enabled.data)
    if form.metadata_xml.data:
        fields["metadata_xml"] = form.metadata_xml.data.strip()
    try:
        saved = services.save_provider(get_session(), current_user.organisation, provider,
                                       client_secret=form.client_secret.data or "", **fields)
    except SsoError as exc:
        form.domains.errors = list(form.domains.errors) + [exc.message]
        return None
    audit.record(get_session(), current_user, "sso.provider_save", target_type="identity_provider",
                 target_id=saved.id, target_label=saved.name,
                 details={"kind": saved.kind, "domains": saved.domains, "jit": saved.jit, "role_map": saved.role_map})
    return saved


@bp.route("/admin/sso/new", methods=["GET", "POST"])
def create():
    """Connect a new identity provider."""
    form = ProviderForm()
    if _save(form, None) is not None:
        flash(_("Identitätsanbieter gespeichert."), "success")
        return redirect(url_for("lms.sso.admin"))
    return render_template("sso/provider_form.html", form=form, provider=None), 400 if form.errors else 200


@bp.route("/admin/sso/<int:provider_id>", methods=["GET", "POST"])
def edit(provider_id: int):
    """Change a provider; a blank secret keeps the stored one."""
    provider = g.identity_provider
    form = ProviderForm(obj=provider, domains=", ".join(provider.domains or []),
                        role_map=format_role_map(provider.role_map), metadata_xml="")
    if _save(form, provider) is not None:
        flash(_("Identitätsanbieter gespeichert."), "success")
        return redirect(url_for("lms.sso.admin"))
    return render_template("sso/provider_form.html", form=form, provider=provider), 400 if form.errors else 200


@bp.route("/admin/sso/<int:provider_id>/delete", methods=["POST"])
def delete(provider_id: int):
    """Disconnect a provider (its users stay)."""
    provider = g.identity_provider
    audit.record(get_session(), current_user, "sso.provider_delete", target_type="identity_provider",
                 target_id=provider.id, target_label=provider.name)
    services.delete_provider(get_session(), provider)
    flash(_("Identitätsanbieter entfernt."), "success")
    return redirect(url_for("lms.sso.admin"))
