from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from conference.formtools import clean, plausible_year

from .labels import TIME_ZONE_LABELS

# What browsers send for <input type=datetime-local>; the first is also how the value is written back.
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class EventForm(FlaskForm):
    slug = StringField(
        _l("Address (slug)"),
        validators=[
            DataRequired(),
            Length(max=80),
            Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message=_l("Use Latin lower-case letters, digits and hyphens.")),
        ],
        description=_l("Part of the web address: /events/<slug>"),
    )
    title = StringField(_l("Title"), filters=[clean], validators=[DataRequired(), Length(max=300)])
    title_en = StringField(_l("Title in English"), filters=[clean], validators=[Optional(), Length(max=300)])
    description = TextAreaField(_l("Description"), filters=[clean], validators=[Optional(), Length(max=5000)])
    description_en = TextAreaField(_l("Description in English"), filters=[clean],
                                   validators=[Optional(), Length(max=5000)])
    starts_on = DateField(_l("First day"), validators=[DataRequired(), plausible_year])
    ends_on = DateField(_l("Last day"), validators=[DataRequired(), plausible_year])
    venue = StringField(_l("Venue"), filters=[clean], validators=[Optional(), Length(max=300)])
    venue_en = StringField(_l("Venue in English"), filters=[clean], validators=[Optional(), Length(max=300)])
    city = StringField(_l("City"), filters=[clean], validators=[Optional(), Length(max=100)])
    city_en = StringField(_l("City in English"), filters=[clean], validators=[Optional(), Length(max=100)],
                          description=_l("Leave empty for a regional centre: its English name comes from the "
                                         "reference data."))
    timezone = SelectField(_l("Time zone"), choices=list(TIME_ZONE_LABELS.items()), default="Europe/Moscow")
    registration_opens_at = DateTimeLocalField(_l("Registration opens"), format=LOCAL_FORMATS,
                                               validators=[Optional(), plausible_year])
    registration_closes_at = DateTimeLocalField(_l("Registration closes"), format=LOCAL_FORMATS,
                                                validators=[Optional(), plausible_year])
    capacity = IntegerField(
        _l("Capacity"),
        validators=[Optional(), NumberRange(min=1, max=1_000_000, message=_l("Enter a whole number from 1."))],
        description=_l("Leave empty for no limit."),
    )
    moderation = BooleanField(_l("Organizers approve each registration"))
    consent_text = TextAreaField(
        _l("Consent to personal data processing"), filters=[clean], validators=[DataRequired(), Length(max=20000)]
    )
    consent_text_en = TextAreaField(
        _l("Consent text in English"), filters=[clean], validators=[Optional(), Length(max=20000)],
        description=_l("Shown to participants who register in English; the Russian text is the one in force."),
    )
    consent_version = StringField(
        _l("Consent text version"), filters=[clean], validators=[DataRequired(), Length(max=40)],
        description=_l("Each version is kept as published, and each registration with the version it agreed to. "
                       "Once someone has agreed to a version, a changed text needs a new version (for example, "
                       "a date)."))
    retention_months = IntegerField(
        _l("Keep participants' personal data for (months after the event)"), default=12,
        validators=[Optional(), NumberRange(min=1, max=600, message=_l("Enter a whole number from 1 to 600."))],
        description=_l("Then names, contacts, organizations and positions are erased for good and only anonymous "
                       "statistics stay (the report does not change). Name this period in the consent text. "
                       "Empty: 12 months."),
    )

    reminder_days = IntegerField(
        _l("Remind confirmed participants (days before the event)"),
        validators=[Optional(), NumberRange(min=1, max=60, message=_l("Enter a whole number from 1 to 60."))],
        description=_l("A letter with the badge and the personal calendar, at 10:00 that day where the event takes "
                       "place, once; those who unsubscribed from the news do not get it. Empty: no reminder."),
    )

    def validate_city_en(self, field):
        if field.data and not self.city.data:
            raise ValidationError(_l("Give the city in Russian too: the pages in Russian show it."))

    def validate_venue_en(self, field):
        if field.data and not self.venue.data:
            raise ValidationError(_l("Give the venue in Russian too: the pages in Russian show it."))

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The last day cannot be before the first day."))

    def validate_registration_closes_at(self, field):
        opens = self.registration_opens_at.data
        if opens and field.data and field.data <= opens:
            raise ValidationError(_l("Registration must close after it opens."))
