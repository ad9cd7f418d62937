from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField, ValidationError
from wtforms.validators import Length, Optional

from conference.events.models import Event
from conference.extensions import db
from conference.formtools import clean, plausible_year
from conference.i18n import current_language

from .models import ACCESS_KINDS


class AccessLogFilterForm(FlaskForm):
    """The log's filters travel in the query string, like the participant list's."""

    class Meta:
        csrf = False

    event_id = SelectField(_l("Event"), coerce=int, validators=[Optional()])
    kind = SelectField(_l("What"), validators=[Optional()])
    user_email = StringField(_l("Staff member's email"), filters=[clean], validators=[Optional(), Length(max=254)])
    since = DateField(_l("First day"), validators=[Optional(), plausible_year])
    until = DateField(_l("Last day"), validators=[Optional(), plausible_year])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = current_language()
        self.event_id.choices = [(0, _("Any event"))] + [
            (event.id, event.display_title(language))
            for event in db.session.scalars(select(Event).order_by(Event.starts_on.desc()))]
        self.kind.choices = [("", _("Anything"))] + [(key, str(label)) for key, label in ACCESS_KINDS.items()]

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end of the period is before its start."))
