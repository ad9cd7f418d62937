from dataclasses import replace
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from sqlalchemy import and_, or_, select
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from conference.extensions import db
from conference.formtools import clean, plausible_year
from conference.registration.models import Participant, RegistrationStatus
from conference.timeutil import local_to_utc, to_zone

from .labels import KIND_LABELS
from .services import AgendaError, ExternalSpeaker, SessionData, rooms

PICK_SEVERAL = _l("Confirmed participants: type part of a name or an organization to find them. In a plain list, "
                  "hold Ctrl (⌘ on a Mac) to pick several.")
NOBODY_FOUND = _l("Nobody found among the confirmed participants.")
MAX_EXTERNAL = 30  # external speakers one session form takes
IN_ENGLISH = _l("Optional: English pages, the English program and report show it; they show the Russian text where "
                "it is empty.")
POSITIVE = NumberRange(min=1, max=100_000, message=_l("Enter a whole number from 1."))


class RoomForm(FlaskForm):
    name = StringField(_l("Room name"), filters=[clean], validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Room name in English"), filters=[clean], validators=[Optional(), Length(max=200)],
                          description=IN_ENGLISH)
    capacity = IntegerField(_l("Seats"), validators=[InputRequired(), POSITIVE])  # 0 is a number, refused as such
    floor = StringField(_l("Floor"), filters=[clean], validators=[Optional(), Length(max=100)])
    address = StringField(_l("Address of an off-site venue"), filters=[clean], validators=[Optional(), Length(max=300)],
                          description=_l("Leave empty for a room at the main venue."))
    address_en = StringField(_l("Address in English"), filters=[clean], validators=[Optional(), Length(max=300)],
                             description=IN_ENGLISH)
    sort_order = IntegerField(_l("Order"), default=0, validators=[Optional(), NumberRange(min=-10_000, max=10_000)])

    def room_data(self) -> dict:
        return {"name": self.name.data, "capacity": self.capacity.data, "floor": self.floor.data or "",
                "address": self.address.data or "", "sort_order": self.sort_order.data or 0,
                "name_en": self.name_en.data or "", "address_en": self.address_en.data or ""}


class ExternalSpeakerForm(Form):
    """One speaker who is not registered: a row of the session form (as many rows as the organizer adds)."""

    name = StringField(_l("Name"), filters=[clean], validators=[Optional(), Length(max=200)])
    position = StringField(_l("Position"), filters=[clean], validators=[Optional(), Length(max=200)])
    organization = StringField(_l("Organization"), filters=[clean], validators=[Optional(), Length(max=300)])
    position_en = StringField(_l("Position in English"), filters=[clean], validators=[Optional(), Length(max=200)])
    organization_en = StringField(_l("Organization in English"), filters=[clean],
                                  validators=[Optional(), Length(max=300)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Checked here, not in validate_name: Optional() stops that field's own checks when it is empty.
        if not self.name.data and any(field.data for field in (
                self.position, self.organization, self.position_en, self.organization_en)):
            self.name.errors = [*self.name.errors, _l("Enter the external speaker's name.")]
            valid = False
        return valid

    def speaker(self) -> ExternalSpeaker | None:
        if not self.name.data:
            return None
        return ExternalSpeaker(self.name.data, self.position.data or "", self.organization.data or "",
                               self.position_en.data or "", self.organization_en.data or "")


class SessionForm(FlaskForm):
    title = StringField(_l("Title"), filters=[clean], validators=[DataRequired(), Length(max=300)])
    title_en = StringField(_l("Title in English"), filters=[clean], validators=[Optional(), Length(max=300)],
                           description=IN_ENGLISH)
    kind = SelectField(_l("Format"), choices=list(KIND_LABELS.items()))
    description = TextAreaField(_l("Description"), filters=[clean], validators=[Optional(), Length(max=5000)])
    description_en = TextAreaField(_l("Description in English"), filters=[clean],
                                   validators=[Optional(), Length(max=5000)], description=IN_ENGLISH)
    room_id = SelectField(_l("Room"), coerce=int, validators=[DataRequired(message=_l("Choose a room."))])
    day = DateField(_l("Day"), validators=[DataRequired(message=_l("Enter the day.")), plausible_year])
    start_time = TimeField(_l("Starts"), validators=[DataRequired(message=_l("Enter a time such as 10:00."))])
    end_time = TimeField(_l("Ends"), validators=[DataRequired(message=_l("Enter a time such as 11:30."))])
    capacity = IntegerField(_l("Seats"), validators=[Optional(), POSITIVE],
                            description=_l("Leave empty to use the room's seats."))
    is_public = BooleanField(_l("In the public program"), default=True)
    # (validate_choice off: services._check_people refuses anyone not offered, and says why)
    moderator_ids = SelectMultipleField(_l("Moderators"), coerce=int, validators=[Optional()], validate_choice=False,
                                        render_kw={"size": 6, "data-picker": "", "data-no-results": NOBODY_FOUND},
                                        description=PICK_SEVERAL)
    speaker_ids = SelectMultipleField(_l("Speakers"), coerce=int, validators=[Optional()], validate_choice=False,
                                      render_kw={"size": 8, "data-picker": "", "data-no-results": NOBODY_FOUND},
                                      description=PICK_SEVERAL)
    keep_external_ids = SelectMultipleField(_l("External speakers"), coerce=int, validators=[Optional()],
                                            widget=widgets.ListWidget(prefix_label=False),
                                            option_widget=widgets.CheckboxInput(),
                                            description=_l("Untick to remove."))
    external = FieldList(FormField(ExternalSpeakerForm), min_entries=1, max_entries=MAX_EXTERNAL)

    def __init__(self, event, session=None, *args, copy_of=None, **kwargs):
        """`session`: the one edited (None for a new one); `copy_of`: the session a new one is copied from, whose
        external speakers it offers to keep (its participants only if still confirmed: see left_out)."""
        super().__init__(*args, **kwargs)
        self.event = event
        self.room_id.choices = [(0, "—")] + [
            (room.id, f"{room.name} ({room.capacity})") for room in rooms(event)]
        # Confirmed participants, and whoever is on the session already (their place is kept: see
        # services._check_people, which also refuses anyone else posted by hand, with a clear message).
        on_stage = [person.participant_id for person in (session.people if session else []) if person.participant_id]
        people = db.session.execute(
            select(Participant.id, Participant.last_name, Participant.first_name, Participant.patronymic,
                   Participant.organization)
            .where(Participant.event_id == event.id,
                   or_(and_(Participant.status == RegistrationStatus.CONFIRMED, Participant.erased_at.is_(None)),
                       Participant.id.in_(on_stage)))
            .order_by(Participant.last_name, Participant.first_name, Participant.id)
        )
        # «Name — Organization»: the searchable picker (static/js/people-picker.js) shows the two on two lines.
        choices = [(pid, f"{' '.join(filter(None, (last, first, middle)))} — {organization}")
                   for pid, last, first, middle, organization in people]
        self.moderator_ids.choices = self.speaker_ids.choices = choices
        # A copy takes the people the form offers: those of the copied session who cannot be on it (cancelled or
        # erased since) are named to the organizer, rather than refused when the copy is saved.
        offered, statuses = {value for value, _label in choices}, RegistrationStatus.labels()
        gone = {person.participant_id: person.participant for person in (copy_of.people if copy_of else [])
                if person.participant_id and person.participant_id not in offered}
        self.left_out = [f"{participant.full_name} ({statuses[participant.status]})"
                         for participant in gone.values() if not participant.erased_at]
        erased = sum(1 for participant in gone.values() if participant.erased_at)
        if erased:
            self.left_out.append(ngettext("%(num)d erased registration", "%(num)d erased registrations", erased))
        external = [person for person in (session or copy_of).people if person.participant_id is None] \
            if session or copy_of else []
        self.keep_external_ids.choices = [
            (person.id, ", ".join(filter(None, (person.external_name, person.external_position,
                                                person.external_organization)))) for person in external]

    def validate_end_time(self, field):
        if self.start_time.data and field.data and field.data <= self.start_time.data:
            raise ValidationError(_l("The session must end after it starts."))

    def fill_from(self, session) -> None:
        zone = self.event.timezone
        start, end = to_zone(session.starts_at, zone), to_zone(session.ends_at, zone)
        self.title.data, self.kind.data, self.description.data = session.title, session.kind, session.description
        self.title_en.data, self.description_en.data = session.title_en, session.description_en
        self.room_id.data, self.capacity.data = session.room_id, session.capacity
        self.is_public.data = session.is_public
        self.day.data, self.start_time.data, self.end_time.data = start.date(), start.time(), end.time()
        offered = {value for value, _label in self.speaker_ids.choices}  # (a copy: see left_out)
        for field, role in ((self.moderator_ids, "moderator"), (self.speaker_ids, "speaker")):
            field.data = [person.participant_id for person in session.people_in(role)
                          if person.participant_id in offered]
        self.keep_external_ids.data = [value for value, _ in self.keep_external_ids.choices]

    def session_data(self, keep_external: bool = True) -> SessionData:
        zone = self.event.timezone
        external = [row.form.speaker() for row in self.external if row.form.speaker()]
        return SessionData(
            title=self.title.data, kind=self.kind.data, description=self.description.data or "",
            title_en=self.title_en.data or "", description_en=self.description_en.data or "",
            room_id=self.room_id.data,
            starts_at=local_to_utc(datetime.combine(self.day.data, self.start_time.data), zone),
            ends_at=local_to_utc(datetime.combine(self.day.data, self.end_time.data), zone),
            capacity=self.capacity.data, is_public=self.is_public.data,
            speaker_ids=self.speaker_ids.data or [], moderator_ids=self.moderator_ids.data or [],
            external_speakers=external,
            keep_external_ids=(self.keep_external_ids.data or []) if keep_external else [],
        )


class MoveForm(FlaskForm):
    """A session dragged in the day grid: the room and the time its top was dropped at; it keeps its length."""

    room_id = IntegerField(validators=[InputRequired()])
    day = DateField(validators=[DataRequired(), plausible_year])
    start_time = TimeField(validators=[DataRequired()])

    def moved(self, event, data: SessionData) -> SessionData:
        starts_at = local_to_utc(datetime.combine(self.day.data, self.start_time.data), event.timezone)
        ends_at = starts_at + (data.ends_at - data.starts_at)
        # A drag keeps the session within the grid's day: late in the evening it could carry the end past midnight
        # by accident, and the session's form, where its times are put right, knows no such session.
        if to_zone(ends_at - timedelta(seconds=1), event.timezone).date() != self.day.data:
            raise AgendaError("end_time", str(_l("In the grid a session moves within its day: this one would end "
                                                 "after midnight.")))
        return replace(data, room_id=self.room_id.data, starts_at=starts_at, ends_at=ends_at)
