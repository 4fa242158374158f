"""Forms for forwarding targets and the export (CSRF-protected by Flask-WTF)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (BooleanField, FloatField, IntegerField, PasswordField, SelectField, SelectMultipleField,
                     StringField, TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..i18n import _l
from .models import XAPI_VERSIONS


class TargetForm(FlaskForm):
    """Create or edit a forwarding target; the password is write-only (blank on edit keeps it)."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    endpoint = StringField(_l("LRS-Endpunkt (URL)"), validators=[DataRequired(), Length(max=1000)])
    username = StringField(_l("Benutzername / Schlüssel"), validators=[DataRequired(), Length(max=200)])
    secret = PasswordField(_l("Passwort / Secret"), validators=[Optional(), Length(max=500)])
    xapi_version = SelectField(_l("xAPI-Version"), choices=[(v, v) for v in XAPI_VERSIONS])
    courses = SelectMultipleField(_l("Nur diese Kurse (leer = alle)"), choices=[], validate_choice=True)
    verb_ids = TextAreaField(_l("Nur diese Verben (eine IRI pro Zeile, leer = alle)"),
                             validators=[Optional(), Length(max=20000)])
    batch_size = IntegerField(_l("Statements pro Anfrage"), default=100, validators=[NumberRange(1, 1000)])
    connect_timeout = FloatField(_l("Verbindungs-Timeout (s)"), default=5.0, validators=[NumberRange(0.1, 60)])
    read_timeout = FloatField(_l("Lese-Timeout (s)"), default=15.0, validators=[NumberRange(0.1, 300)])
    active = BooleanField(_l("Aktiv"), default=True)

    def validate_verb_ids(self, field) -> None:
        """Each line must be an absolute IRI."""
        for line in verb_lines(field.data):
            if ":" not in line or " " in line:
                raise ValidationError(_l("Keine gültige IRI: %(iri)s", iri=line[:100]))


def verb_lines(text: str | None) -> list[str]:
    """The non-empty lines of the verb filter field."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ExportForm(FlaskForm):
    """Filters for the statement download (sent by GET, so no CSRF token)."""

    class Meta:
        """Plain GET filters change nothing, so they carry no CSRF token."""

        csrf = False

    since = StringField(_l("Gespeichert ab (JJJJ-MM-TT)"), validators=[Optional(), Length(max=40)])
    until = StringField(_l("Gespeichert bis einschließlich (JJJJ-MM-TT)"), validators=[Optional(), Length(max=40)])
    course = SelectField(_l("Kurs"), choices=[], default="", validate_choice=True)
    learner = StringField(_l("Lernende:r (E-Mail)"), validators=[Optional(), Length(max=254)])
