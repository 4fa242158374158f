"""Assignment forms (CSRF-protected by Flask-WTF)."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, SelectMultipleField
from wtforms.validators import InputRequired, NumberRange, Optional

from ..i18n import _l


class AssignForm(FlaskForm):
    """Assign a course to people, a department or the whole organisation, with a due date rule."""

    course = SelectField(_l("Kurs"), validators=[InputRequired()])
    scope = SelectField(_l("Zuweisen an"), choices=[("users", _l("ausgewählte Personen")),
                                                     ("department", _l("eine Abteilung")),
                                                     ("organisation", _l("die ganze Organisation"))])
    users = SelectMultipleField(_l("Personen"), coerce=int, validate_choice=False)
    department = SelectField(_l("Abteilung"), coerce=int, validate_choice=False, validators=[Optional()])
    include_future = BooleanField(_l("auch später hinzukommende Personen"))
    due_date = DateField(_l("Fällig am (festes Datum)"), validators=[Optional()])
    due_days = IntegerField(_l("oder fällig nach (Tagen ab Zuweisung)"),
                            validators=[Optional(), NumberRange(min=1, max=3650)])
    mandatory = SelectField(_l("Verbindlichkeit"), choices=[("1", _l("Pflicht")), ("0", _l("Empfehlung"))])
    recert_lead_days = IntegerField(_l("Erneut zuweisen (Tage vor Ablauf des Zertifikats)"), default=30,
                                    validators=[InputRequired(), NumberRange(min=0, max=365)])


class DueForm(FlaskForm):
    """Move one learner's due date (empty: no due date)."""

    item_id = IntegerField(validators=[InputRequired()])
    due_date = DateField(_l("Neues Fälligkeitsdatum"), validators=[Optional()])
