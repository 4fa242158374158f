"""Forms for password links and mail preferences (CSRF-protected by Flask-WTF)."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from ..i18n import _l


class ForgotForm(FlaskForm):
    """Ask for a reset link."""

    email = EmailField(_l("E-Mail"), validators=[DataRequired(), Length(max=254)])


class SetPasswordForm(FlaskForm):
    """Choose a password through an invitation or reset link."""

    new = PasswordField(_l("Neues Passwort"), validators=[DataRequired(), Length(min=10, max=500)])
    repeat = PasswordField(_l("Neues Passwort wiederholen"), validators=[DataRequired(), EqualTo("new")])


class PreferencesForm(FlaskForm):
    """Optional mails a user can switch off."""

    reminders = BooleanField(_l("Erinnerungen an fällige Kurse und ablaufende Zertifikate"))
    digest = BooleanField(_l("Wöchentliche Zusammenfassung (für Trainer:innen)"))
