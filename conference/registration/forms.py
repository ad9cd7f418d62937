import phonenumbers
from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, SelectField, StringField, TelField
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from conference.directories import services as directories
from conference.formtools import clean, printable_on_a_badge
from conference.i18n import current_language

from .labels import CATEGORY_LABELS, STATUS_LABELS
from .models import PARTICIPANT_FIELDS
from .services import ParticipantFilter, session_choices

NAME_PUNCTUATION = set(" -'’.")
PHONE_LENGTH = 32  # the column's width


def person_name(form, field):
    """Letters of any alphabet with spaces, hyphens, apostrophes and dots: no digits, no markup."""
    value = field.data or ""
    if value and (not any(char.isalpha() for char in value)
                  or any(not (char.isalpha() or char in NAME_PUNCTUATION) for char in value)):
        raise ValidationError(_l("Use letters only (a hyphen, apostrophe or space may separate them)."))


class ParticipantDetailsForm(FlaskForm):
    """What a participant tells about themselves; shared by registration, self-service and organizers."""

    last_name = StringField(_l("Last name"), filters=[clean],
                            validators=[DataRequired(), Length(max=100), person_name])
    first_name = StringField(_l("First name"), filters=[clean],
                             validators=[DataRequired(), Length(max=100), person_name])
    patronymic = StringField(_l("Patronymic"), filters=[clean],
                             validators=[Optional(), Length(max=100), person_name],
                             description=_l("If you have one."))
    email = EmailField(_l("Email"), filters=[clean],
                       validators=[DataRequired(), Length(max=254), Email(message=_l("Enter a valid email address."))])
    phone = TelField(_l("Phone"), filters=[clean], validators=[Optional(), Length(max=40)],
                     description=_l("For example +7 916 123-45-67."))
    organization = StringField(_l("Organization"), filters=[clean],
                               validators=[DataRequired(), Length(max=300), printable_on_a_badge])
    organization_type_id = SelectField(_l("Organization type"), coerce=int,
                                       validators=[InputRequired(message=_l("Choose the organization type."))])
    position = StringField(_l("Position"), filters=[clean],
                           validators=[DataRequired(), Length(max=200), printable_on_a_badge])
    residence = RadioField(_l("Where are you from?"), default="ru",
                           choices=[("ru", _l("Russia")), ("foreign", _l("Another country"))])
    subject_id = SelectField(_l("Region"), coerce=int, validators=[Optional()])
    country_id = SelectField(_l("Country"), coerce=int, validators=[Optional()])
    city = StringField(_l("City"), filters=[clean], validators=[Optional(), Length(max=100), printable_on_a_badge])

    def __init__(self, *args, participant=None, **kwargs):
        super().__init__(*args, **kwargs)
        language, empty = current_language(), [(0, "—")]
        self.organization_type_id.choices = empty + directories.organization_type_choices(language)
        self.subject_id.choices = {"": empty, **directories.region_choice_groups(language)}
        self.country_id.choices = empty + directories.country_choices(language)
        # Each required where it shows (see validate_subject_id and validate_country_id): marked so, without the
        # HTML attribute, which would stop the browser at the one hidden for where the person lives.
        self.subject_id.flags.marked_required = self.country_id.flags.marked_required = True
        if participant is not None:
            self.keep_current_type(participant)

    def validate_organization_type_id(self, field):
        if not field.data:
            raise ValidationError(_l("Choose the organization type."))

    def validate_subject_id(self, field):
        if self.residence.data == "ru" and not field.data:
            raise ValidationError(_l("Choose your region."))

    def validate_country_id(self, field):
        if self.residence.data == "foreign" and not field.data:
            raise ValidationError(_l("Choose your country."))

    def validate_phone(self, field):
        if not field.data:
            return
        try:
            number = phonenumbers.parse(field.data, "RU")
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise ValidationError(_l("Enter a phone number such as +7 916 123-45-67."))
        formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        if len(formatted) > PHONE_LENGTH:
            raise ValidationError(_l("Enter a phone number such as +7 916 123-45-67."))
        field.data = formatted

    def participant_data(self) -> dict:
        data = {name: getattr(self, name).data for name in PARTICIPANT_FIELDS}
        foreign = self.residence.data == "foreign"
        data.update(patronymic=data["patronymic"] or "", phone=data["phone"] or "", city=data["city"] or "",
                    subject_id=None if foreign else data["subject_id"],
                    country_id=data["country_id"] if foreign else None)
        return data

    def keep_current_type(self, participant) -> None:
        """A type organizers have since withdrawn stays selectable for the people who already have it."""
        if participant.organization_type_id not in dict(self.organization_type_id.choices):
            self.organization_type_id.choices.append((participant.organization_type_id,
                                                      participant.organization_type.name))

    def fill_from(self, participant) -> None:
        """Prefills a GET form from a saved participant."""
        for name in PARTICIPANT_FIELDS:
            getattr(self, name).data = getattr(participant, name)
        self.residence.data = "foreign" if participant.country_id else "ru"
        self.subject_id.data = participant.subject_id or 0  # «—» in the lists
        self.country_id.data = participant.country_id or 0


class RegistrationForm(ParticipantDetailsForm):
    consent = BooleanField(
        _l("I consent to the processing of my personal data"),
        validators=[DataRequired(message=_l("Registration needs your consent to the processing of personal data."))],
    )


class ParticipantAdminForm(ParticipantDetailsForm):
    category = SelectField(_l("Category"), choices=list(CATEGORY_LABELS.items()))
    status = SelectField(_l("Status"), choices=list(STATUS_LABELS.items()))

    def fill_from(self, participant) -> None:
        super().fill_from(participant)
        self.category.data = participant.category
        self.status.data = participant.status


class ResendLinkForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[clean],
                       validators=[DataRequired(), Length(max=254), Email(message=_l("Enter a valid email address."))])


def filter_args(values) -> dict:
    """The participant list's filters (and page) among posted values: what takes an organizer back to the list
    they were looking at."""
    names = {name for name, value in vars(ParticipantFilterForm).items() if isinstance(value, UnboundField)}
    names.add("page")
    return {key: value for key, value in values.items() if key in names and value}


class ParticipantFilterForm(FlaskForm):
    """The list's filters travel in the query string, so a filtered view can be bookmarked and exported."""

    class Meta:
        csrf = False

    text = StringField(_l("Search"), filters=[clean], validators=[Optional(), Length(max=200)])
    status = SelectField(_l("Status"), choices=[("", _l("Any status"))] + list(STATUS_LABELS.items()),
                         validators=[Optional()])
    category = SelectField(_l("Category"), choices=[("", _l("Any category"))] + list(CATEGORY_LABELS.items()),
                           validators=[Optional()])
    district_id = SelectField(_l("Federal district"), coerce=int, validators=[Optional()])
    subject_id = SelectField(_l("Region"), coerce=int, validators=[Optional()])
    organization_type_id = SelectField(_l("Organization type"), coerce=int, validators=[Optional()])
    session_id = SelectField(_l("Session"), coerce=int, validators=[Optional()])
    arrived = SelectField(_l("Arrival"), validators=[Optional()], choices=[
        ("", _l("Arrived or not")), ("yes", _l("Arrived (at the session, if one is chosen)")),
        ("no", _l("Not arrived (at the session, if one is chosen)"))])
    sort = SelectField(_l("Sort by"), validators=[Optional()], choices=[
        ("name", _l("Name")), ("organization", _l("Organization")), ("created", _l("Registration time")),
        ("status", _l("Status")),
    ])
    order = SelectField(_l("Order"), validators=[Optional()],
                        choices=[("asc", _l("Ascending")), ("desc", _l("Descending"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Plain strings, translated once: a lazy label would be translated again at every option of every render.
        for select in (self.status, self.category, self.arrived, self.sort, self.order):
            select.choices = [(value, str(label)) for value, label in select.choices]
        language = current_language()
        self.district_id.choices = [(0, _("Any district"))] + directories.district_choices(language)
        self.subject_id.choices = {"": [(0, _("Any region"))], **directories.region_choice_groups(language)}
        self.organization_type_id.choices = [(0, _("Any type"))] + directories.organization_type_choices(
            language, include_inactive=True
        )
        event = g.get("event")  # (the list's page loads its event; elsewhere there are no sessions to offer)
        self.session_id.choices = [(0, _("Any session"))] + (session_choices(event.id, language) if event else [])

    def criteria(self) -> ParticipantFilter:
        """The filters that parse. A hand-edited value that does not is dropped alone (and marked on the form),
        never taking the other filters with it: an export must not grow to the whole list."""
        self.validate()
        for name in self.errors:
            getattr(self, name).data = self[name].default if name in ("sort", "order") else None
        return ParticipantFilter(
            status=self.status.data or "",
            category=self.category.data or "",
            district_id=self.district_id.data or None,
            subject_id=self.subject_id.data or None,
            organization_type_id=self.organization_type_id.data or None,
            text=(self.text.data or "")[:200],
            session_id=self.session_id.data or None,
            arrived=self.arrived.data or "",
            sort=self.sort.data or "name",
            descending=self.order.data == "desc",
        )
