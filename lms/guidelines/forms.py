"""Forms with a fixed shape (publishing, settings); the questionnaire and builder forms are built from data."""
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..i18n import _l


class PublishForm(FlaskForm):
    """A new version of the organisation's guideline."""

    title = StringField(_l("Titel"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Text (Markdown)"), validators=[DataRequired(), Length(max=100_000)])


class SettingsForm(FlaskForm):
    """Whether trainers may read learners' guideline drafts."""

    trainers_see_drafts = SelectField(_l("Entwürfe der Lernenden"), choices=[
        ("0", _l("Trainer sehen nur, dass ein Entwurf erstellt wurde")),
        ("1", _l("Trainer dürfen die Entwürfe lesen"))])
