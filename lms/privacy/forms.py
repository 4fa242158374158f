"""Forms of the privacy pages (CSRF-protected by Flask-WTF)."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..i18n import _l
from .settings import MAX_K, MAX_MONTHS, MIN_K

LEVEL_LABELS = {"individual": _l("Personenbezogen (mit Namen)"), "pseudonymous": _l("Pseudonym"),
                "aggregate": _l("Nur zusammengefasst (Gruppen ab k Personen)")}
DETAIL_LABELS = {"progress": _l("Nur Fortschritt und Abschluss"), "scores": _l("Zusätzlich Ergebnisse"),
                 "answers": _l("Zusätzlich Antworten und Zeitverlauf")}
FORWARDING_LABELS = {"names": _l("Wie gespeichert (mit Namen, falls vorhanden)"), "pseudonymous": _l("Pseudonyme Kennung"),
                     "none": _l("Nichts Personenbezogenes")}


class SettingsForm(FlaskForm):
    """The privacy settings an admin can choose; each one maps to a clause of the works agreement."""

    reporting_level = SelectField(_l("Auswertungen für Trainer:innen"), choices=list(LEVEL_LABELS.items()))
    min_group_size = IntegerField(_l("Mindestgruppengröße k"),
                                  validators=[InputRequired(), NumberRange(min=MIN_K, max=MAX_K)])
    trainer_detail = SelectField(_l("Daten je Person"), choices=list(DETAIL_LABELS.items()))
    forwarding_identity = SelectField(_l("Weiterleitung an externe LRS"), choices=list(FORWARDING_LABELS.items()))
    retention_months = IntegerField(_l("Lernereignisse und Antworten aufbewahren (Monate)"),
                                    validators=[InputRequired(), NumberRange(min=1, max=MAX_MONTHS)])
    certificate_retention_months = IntegerField(_l("Zertifikate aufbewahren (Monate)"),
                                                validators=[InputRequired(), NumberRange(min=1, max=MAX_MONTHS)])
    acknowledgement_retention_months = IntegerField(_l("Bestätigungen aufbewahren (Monate)"),
                                                    validators=[InputRequired(), NumberRange(min=1, max=MAX_MONTHS)])
    keep_certificate_register = BooleanField(_l("Zertifikatsregister bei Löschung einer Person behalten"))


class ErasureRequestForm(FlaskForm):
    """A learner's request to have their data erased."""

    note = TextAreaField(_l("Anmerkung (optional)"), validators=[Optional(), Length(max=2000)])


class ConfirmForm(FlaskForm):
    """An empty form: only the CSRF token (used by erase buttons)."""
