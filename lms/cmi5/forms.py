"""Form: a trusted cmi5 LMS (CSRF-protected by Flask-WTF)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

from ..i18n import _l


class LmsForm(FlaskForm):
    """Name and LRS endpoint of an LMS that may launch the AUs."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    endpoint = StringField(_l("LRS-Endpunkt der Lernplattform"), validators=[DataRequired(), Length(max=1000)])

    def validate_endpoint(self, field) -> None:
        """Only http(s) URLs."""
        if not field.data.strip().startswith(("https://", "http://")):
            raise ValidationError(_l("Bitte eine http(s)-Adresse angeben."))
