"""Forms for SSO sign-in and the admin's provider settings (CSRF-protected by Flask-WTF)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..auth.models import ROLES
from ..i18n import _l


class EmailForm(FlaskForm):
    """The first step of a company sign-in: the e-mail address decides the provider."""

    email = StringField(_l("E-Mail"), validators=[DataRequired(), Length(max=254)])


class ProviderForm(FlaskForm):
    """Create or edit an identity provider; the client secret is write-only (blank on edit keeps it)."""

    kind = SelectField(_l("Protokoll"), choices=[("oidc", "OpenID Connect"), ("saml", "SAML 2.0")])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    issuer = StringField(_l("Issuer-URL (OIDC) bzw. Entity-ID des IdP (SAML)"),
                         validators=[DataRequired(), Length(max=500)])
    client_id = StringField(_l("Client-ID (OIDC)"), validators=[Optional(), Length(max=300)])
    client_secret = PasswordField(_l("Client-Secret (OIDC)"), validators=[Optional(), Length(max=500)])
    metadata_xml = TextAreaField(_l("Metadaten des IdP (SAML, XML)"), validators=[Optional(), Length(max=200_000)])
    domains = StringField(_l("E-Mail-Domains (durch Komma getrennt)"), validators=[DataRequired(), Length(max=1000)])
    jit = BooleanField(_l("Unbekannte Personen bei der ersten Anmeldung anlegen"), default=True)
    default_role = SelectField(_l("Rolle neuer Personen"), choices=[(r, r) for r in ROLES], default="learner")
    group_claim = StringField(_l("Claim/Attribut mit den Gruppen"), default="groups",
                              validators=[Optional(), Length(max=100)])
    role_map = TextAreaField(_l("Gruppe → Rolle (eine Zuordnung pro Zeile: Gruppe = Rolle)"),
                             validators=[Optional(), Length(max=5000)])
    department_claim = StringField(_l("Claim/Attribut mit der Abteilung (leer = nicht übernehmen)"),
                                   validators=[Optional(), Length(max=100)])
    enabled = BooleanField(_l("Aktiv"), default=True)

    def validate_role_map(self, field) -> None:
        """Every line must be 'group = role' with a known role."""
        parse_role_map(field.data)

    def validate_issuer(self, field) -> None:
        """OIDC issuers are https URLs (http only on loopback, for development)."""
        if self.kind.data == "oidc" and not field.data.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ValidationError(_l("Die Issuer-URL muss mit https:// beginnen."))


class LoginSettingsForm(FlaskForm):
    """Whether local passwords still work for the organisation's non-admin users."""

    password_login = BooleanField(_l("Anmeldung mit lokalem Passwort erlauben (Administratoren immer)"))


def parse_role_map(text: str | None) -> dict[str, str]:
    """Parse 'group = role' lines into a dict; ValidationError naming the bad line."""
    mapping: dict[str, str] = {}
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        group, sep, role = line.rpartition("=")
        if not sep or not group.strip() or role.strip() not in ROLES:
            raise ValidationError(_l("Ungültige Zuordnung: %(line)s", line=line.strip()[:100]))
        mapping[group.strip()] = role.strip()
    return mapping


def format_role_map(mapping: dict | None) -> str:
    """The role map as editable lines."""
    return "\n".join(f"{group} = {role}" for group, role in sorted((mapping or {}).items()))
