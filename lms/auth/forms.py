"""Sign-in and user administration forms (CSRF-protected by Flask-WTF)."""
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional

from ..i18n import _l


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = EmailField(_l("E-Mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Passwort"), validators=[DataRequired(), Length(max=500)])


ROLE_CHOICES = [("learner", _l("Lernende:r")), ("trainer", _l("Trainer:in")), ("admin", _l("Administrator:in"))]


class UserForm(FlaskForm):
    """Create a user in the admin's organisation."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-Mail"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Rolle"), choices=ROLE_CHOICES)
    department = StringField(_l("Abteilung / Gruppe"), validators=[Optional(), Length(max=100)])
    locale = SelectField(_l("Sprache"), choices=[("de", "Deutsch"), ("en", "English")])
    handover = SelectField(_l("Zugang"), choices=[("invite", _l("Einladung per E-Mail (Link zum Festlegen des Passworts)")),
                                                  ("password", _l("vorläufiges Passwort anzeigen"))], default="invite")


class RoleForm(FlaskForm):
    """Change a user's role."""

    role = SelectField(_l("Rolle"), choices=ROLE_CHOICES)


class ChangePasswordForm(FlaskForm):
    """A user sets their own password."""

    current = PasswordField(_l("Aktuelles Passwort"), validators=[DataRequired()])
    new = PasswordField(_l("Neues Passwort"), validators=[DataRequired(), Length(min=10, max=500)])
    repeat = PasswordField(_l("Neues Passwort wiederholen"), validators=[DataRequired(), EqualTo("new")])


class ProfileForm(FlaskForm):
    """Language preference."""

    locale = SelectField(_l("Sprache"), choices=[("de", "Deutsch"), ("en", "English")])


class OrganisationForm(FlaskForm):
    """Organisation-wide privacy settings."""

    actor_mode = SelectField(_l("Kennung in xAPI-Daten"), choices=[
        ("account", _l("pseudonym (zufällige Kennung, empfohlen)")), ("mbox", _l("E-Mail-Adresse"))])
    inactivity_days = IntegerField(_l("Als inaktiv gelten Lernende nach (Tagen)"),
                                   validators=[InputRequired(), NumberRange(min=1, max=365)])
    self_enrolment = SelectField(_l("Selbst einschreiben"), choices=[
        ("1", _l("Lernende dürfen jeden Kurs selbst beginnen")), ("0", _l("nur zugewiesene Kurse"))])
    session_idle_minutes = IntegerField(_l("Automatische Abmeldung nach Inaktivität (Minuten)"),
                                        validators=[Optional(), NumberRange(min=5, max=720)])
    pseudonymous_reports = SelectField(_l("Namen in Auswertungen"), choices=[
        ("0", _l("Namen anzeigen")), ("1", _l("pseudonym (Namen ausblenden)"))])
