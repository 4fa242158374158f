"""Forms: platform registration and the deep-linking choice (CSRF-protected by Flask-WTF)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..i18n import _l


class PlatformForm(FlaskForm):
    """The details a platform's administrator hands over when adding the tool."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    issuer = StringField(_l("Issuer (iss)"), validators=[DataRequired(), Length(max=500)])
    client_id = StringField(_l("Client-ID"), validators=[DataRequired(), Length(max=200)])
    auth_login_url = StringField(_l("OIDC-Auth-URL der Plattform"), validators=[DataRequired(), Length(max=1000)])
    auth_token_url = StringField(_l("Token-URL der Plattform"), validators=[DataRequired(), Length(max=1000)])
    jwks_url = StringField(_l("JWKS-URL der Plattform"), validators=[DataRequired(), Length(max=1000)])
    deployment_ids = TextAreaField(_l("Deployment-IDs (eine pro Zeile)"), validators=[DataRequired(),
                                                                                     Length(max=5000)])

    def deployment_list(self) -> list[str]:
        """The deployment ids, one per line, blanks dropped."""
        return [line.strip() for line in (self.deployment_ids.data or "").splitlines() if line.strip()]


class DeepLinkForm(FlaskForm):
    """Which part of the course the teacher places in the platform."""

    target = RadioField(_l("Was soll verlinkt werden?"), choices=[], validators=[DataRequired()])
