"""What the agenda does: rooms and sessions without clashes, the program, calendars, sign-ups and waiting lists."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

from flask import url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from icalendar import Calendar
from icalendar import Event as CalendarEvent
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, selectinload

from conference.events.models import Event
from conference.events.services import time_zone_changing
from conference.extensions import db
from conference.i18n import current_language
from conference.mail.services import Draft, letter_kind, queue_letter, rendered
from conference.registration.labels import CATEGORY_LABELS
from conference.registration.models import ACTIVE_STATUSES, Participant, RegistrationStatus
from conference.registration.services import participants_withdrawn, self_service_url
from conference.timeutil import local_to_utc, to_zone, utcnow
from conference.transactions import lock_row, savepoint

from .models import AgendaSession, Room, SessionPerson, SessionSignup, SignupStatus


class AgendaError(ValueError):
    """A refusal that belongs beside one form field."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open intervals: a session ending at 11:00 and one starting at 11:00 do not overlap."""
    return a_start < b_end and b_start < a_end


def time_span(session: AgendaSession) -> str:
    zone = session.event.timezone
    return f"{to_zone(session.starts_at, zone):%d.%m %H:%M}–{to_zone(session.ends_at, zone):%H:%M}"


# ---- rooms -----------------------------------------------------------------------------------------------

def rooms(event: Event) -> list[Room]:
    return list(db.session.scalars(select(Room).where(Room.event_id == event.id).order_by(Room.sort_order, Room.name)))


def next_room_order(event: Event) -> int:
    """Where a new room goes in the list: after the last one (0 would put it before rooms ordered 1, 2, …)."""
    return (db.session.scalar(select(func.max(Room.sort_order)).where(Room.event_id == event.id)) or 0) + 1


def room_of(event: Event, room_id: int | None) -> Room | None:
    room = db.session.get(Room, room_id) if room_id else None
    return room if room is not None and room.event_id == event.id else None


def save_room(event: Event, room: Room, data: dict) -> Room:
    try:
        with savepoint():  # a refused name leaves the room as it was
            for name, value in data.items():
                setattr(room, name, value)
            room.event_id = event.id
            db.session.add(room)
    except IntegrityError as error:
        raise AgendaError("name", str(_l("This event already has a room with this name."))) from error
    for session in db.session.scalars(select(AgendaSession).where(AgendaSession.room_id == room.id)):
        promote_waiting(session)  # a bigger room seats those waiting for its sessions, first come first served
    return room


def delete_room(room: Room) -> None:
    used = db.session.scalar(select(func.count()).where(AgendaSession.room_id == room.id))
    if used:
        raise AgendaError("name", str(_l("Sessions take place in this room: move or delete them first.")))
    db.session.delete(room)


# ---- sessions --------------------------------------------------------------------------------------------

class ExternalSpeaker(NamedTuple):
    """A speaker who is not a participant, as the session form adds them."""

    name: str
    position: str = ""
    organization: str = ""
    position_en: str = ""
    organization_en: str = ""


@dataclass
class SessionData:
    """A session as the organizer's form describes it; times already in UTC."""

    title: str
    kind: str
    room_id: int
    starts_at: datetime
    ends_at: datetime
    description: str = ""
    title_en: str = ""
    description_en: str = ""
    capacity: int | None = None
    is_public: bool = True
    speaker_ids: list[int] = field(default_factory=list)
    moderator_ids: list[int] = field(default_factory=list)
    external_speakers: list["ExternalSpeaker"] = field(default_factory=list)
    keep_external_ids: list[int] | None = None  # None: keep every external speaker the session has


def sessions_of(event: Event, public_only: bool = False) -> list[AgendaSession]:
    query = (
        select(AgendaSession)
        .where(AgendaSession.event_id == event.id)
        .options(joinedload(AgendaSession.room),
                 selectinload(AgendaSession.people).joinedload(SessionPerson.participant))
        .order_by(AgendaSession.starts_at, AgendaSession.room_id)
    )
    if public_only:
        query = query.where(AgendaSession.is_public)
    return list(db.session.scalars(query).unique())


def session_of(event: Event, session_id: int) -> AgendaSession | None:
    session = db.session.get(AgendaSession, session_id)
    return session if session is not None and session.event_id == event.id else None


def room_clash(event: Event, room_id: int, starts_at: datetime, ends_at: datetime,
               ignore_id: int | None = None) -> AgendaSession | None:
    query = select(AgendaSession).where(
        AgendaSession.event_id == event.id, AgendaSession.room_id == room_id,
        AgendaSession.starts_at < ends_at, AgendaSession.ends_at > starts_at,
    )
    if ignore_id is not None:
        query = query.where(AgendaSession.id != ignore_id)
    return db.session.scalars(query.order_by(AgendaSession.starts_at)).first()


@dataclass
class SessionSaved:
    warnings: list[str]  # what the organizer should look at (see warnings_for)
    told: int = 0  # people signed up to whom a letter was queued: the session moved


def checked_room(event: Event, session: AgendaSession, data: SessionData) -> Room:
    """The session's room, once the session as `data` describes it is found possible; an AgendaError if not."""
    room = room_of(event, data.room_id)
    if room is None:
        raise AgendaError("room_id", str(_l("Choose a room of this event.")))
    if data.ends_at <= data.starts_at:
        raise AgendaError("end_time", str(_l("The session must end after it starts.")))
    _check_people(event, session, data)
    other = room_clash(event, room.id, data.starts_at, data.ends_at, ignore_id=session.id)
    if other is not None:
        raise AgendaError("room_id", str(_l(
            "%(room)s is taken at this time by «%(title)s» (%(span)s). Choose another room or time.",
            room=room.localized("name"), title=other.localized("title"), span=time_span(other))))
    return room


def _check_people(event: Event, session: AgendaSession, data: SessionData) -> None:
    """Speakers and moderators are the event's confirmed participants. Someone already on the session keeps their
    place whatever their status since (the session stays editable); anyone new must be confirmed."""
    people_ids = set(data.speaker_ids) | set(data.moderator_ids)
    found = {participant.id: participant for participant in db.session.scalars(
        select(Participant).where(Participant.event_id == event.id, Participant.id.in_(people_ids)))}
    if people_ids - found.keys():
        raise AgendaError("speaker_ids", str(_l("Speakers and moderators must be participants of this event.")))
    already = {person.participant_id for person in session.people if person.participant_id is not None}
    unconfirmed = [participant_id for participant_id in [*data.moderator_ids, *data.speaker_ids]
                   if found[participant_id].status != RegistrationStatus.CONFIRMED and participant_id not in already]
    if unconfirmed:
        statuses = RegistrationStatus.labels()
        names = ", ".join(dict.fromkeys(f"{found[participant_id].full_name} ({statuses[found[participant_id].status]})"
                                        for participant_id in unconfirmed))
        raise AgendaError("moderator_ids" if unconfirmed[0] in data.moderator_ids else "speaker_ids", str(_l(
            "Only confirmed participants can be speakers or moderators; not confirmed: %(names)s. Confirm the "
            "registration first.", names=names)))


def as_data(session: AgendaSession) -> SessionData:
    """The session as it is, in the shape the edit form gives (to save it changed in one respect: moved, say)."""
    return SessionData(
        title=session.title, kind=session.kind, room_id=session.room_id, starts_at=session.starts_at,
        ends_at=session.ends_at, description=session.description, title_en=session.title_en,
        description_en=session.description_en, capacity=session.capacity, is_public=session.is_public,
        speaker_ids=[person.participant_id for person in session.people_in("speaker") if person.participant_id],
        moderator_ids=[person.participant_id for person in session.people_in("moderator") if person.participant_id],
        keep_external_ids=None)


def moves(session: AgendaSession, data: SessionData) -> bool:
    """Whether saving `data` gives a session that exists another time or room."""
    return session.id is not None and (session.starts_at, session.ends_at, session.room_id) != \
        (data.starts_at, data.ends_at, data.room_id)


def save_session(event: Event, session: AgendaSession, data: SessionData, tell: bool = True) -> SessionSaved:
    """Saves the session, or refuses it with an AgendaError (nothing half-saved). When a session that people
    signed up for moves (another time or room), each of them is emailed where and when it is now, unless the
    organizer chose not to `tell` them (see the view's confirmation)."""
    room = checked_room(event, session, data)
    people_ids = set(data.speaker_ids) | set(data.moderator_ids)
    # (the room it leaves, named in each letter's language)
    was = (time_span(session), {language: session.room.localized("name", language) for language in ("ru", "en")}) \
        if session.id is not None else None
    moved = moves(session, data)
    for name in ("title", "kind", "description", "title_en", "description_en", "starts_at", "ends_at", "capacity",
                 "is_public"):
        setattr(session, name, getattr(data, name))
    session.event_id, session.room_id = event.id, room.id
    were_on_stage = {person.participant_id for person in session.people if person.participant_id is not None}
    _set_people(session, data)
    if session.id is None:
        db.session.add(session)
    recategorized = settle_categories(were_on_stage | people_ids)
    db.session.flush()
    db.session.refresh(session)
    saved = SessionSaved([problem.message for problem in warnings_for(session)] + reprint_warnings(recategorized))
    promote_waiting(session)  # more seats (a bigger room or capacity) go to those waiting, before anyone new
    if moved and tell:
        saved.told = _tell_signups_it_moved(session, *was)
    return saved


def people_signed_up(session: AgendaSession) -> list[Participant]:
    """Those a change of the session concerns: everyone signed up, seated or waiting, still registered."""
    if session.id is None:
        return []
    return list(db.session.scalars(select(Participant).join(SessionSignup).where(
        SessionSignup.session_id == session.id, Participant.status.in_(ACTIVE_STATUSES))
        .order_by(Participant.last_name, Participant.id)))


def _tell_signups_it_moved(session: AgendaSession, was_span: str, was_rooms: dict[str, str]) -> int:
    """Queues a letter to everyone signed up (seated or waiting) with the session's new time and room; returns
    how many."""
    people = people_signed_up(session)
    for participant in people:
        queue_letter("session_moved", participant.email, participant.language, event_id=session.event_id,
                     participant_id=participant.id, participant=participant.id, session=session.id,
                     was_span=was_span, was_room=was_rooms.get(participant.language, was_rooms["ru"]))
    return len(people)


@letter_kind("session_moved")
def session_moved_letter(participant: int, session: int, was_span: str, was_room: str) -> Draft | None:
    holder, moved = db.session.get(Participant, participant), db.session.get(AgendaSession, session)
    if holder is None or moved is None:
        return None  # the session has been deleted since: its own letter says so
    return _moved_draft(holder, moved, was_span, was_room, self_service_url(holder))


def _moved_draft(holder: Participant, moved: AgendaSession, was_span: str, was_room: str, link: str) -> Draft:
    return Draft(str(_l("Session moved: %(title)s", title=moved.localized("title"))), "agenda/email_session_moved", {
        "participant": holder, "event": moved.event, "session": moved, "span": time_span(moved),
        "was_span": was_span, "was_room": was_room, "link": link}, custom_key="session_moved")


def moved_letter_preview(event: Event, session: AgendaSession, data: SessionData, to: Participant) -> tuple[str, str]:
    """The letter `to` would get if the session moved as `data` says: (subject, text), in the page's language,
    with nothing saved. (The private link is shown as a placeholder: it is the participant's, not the
    organizer's.)"""
    after = AgendaSession(title=data.title, title_en=data.title_en, starts_at=data.starts_at, ends_at=data.ends_at,
                          room_id=data.room_id)
    after.event, after.room = event, room_of(event, data.room_id)  # (a transient copy: never added to the session)
    try:
        draft = _moved_draft(to, after, time_span(session), session.room.localized("name"),
                             str(_l("‹the participant's private link›")))
        subject, text, _ = rendered(draft, event.id, current_language())
        return subject, text
    finally:
        if after in db.session:  # (were a relationship ever to cascade it in, it must not be saved with the page)
            db.session.expunge(after)


def _set_people(session: AgendaSession, data: SessionData) -> None:
    kept_external = [
        person for person in session.people
        if person.participant_id is None and (data.keep_external_ids is None or person.id in data.keep_external_ids)
    ]
    people = list(kept_external)
    # A participant who stays in the same role keeps their row: a new one beside it would be inserted before the
    # old one is deleted, and break the one-row-per-person-and-role rule.
    staying = {(person.participant_id, person.role): person for person in session.people
               if person.participant_id is not None}
    for role, ids in (("moderator", data.moderator_ids), ("speaker", data.speaker_ids)):
        for participant_id in dict.fromkeys(ids):  # the order the organizer chose, without repeats
            people.append(staying.get((participant_id, role))
                          or SessionPerson(role=role, participant_id=participant_id))
    for speaker in data.external_speakers:
        people.append(SessionPerson(role="speaker", external_name=speaker.name, external_position=speaker.position,
                                    external_organization=speaker.organization,
                                    external_position_en=speaker.position_en,
                                    external_organization_en=speaker.organization_en))
    for order, person in enumerate(people):
        person.sort_order = order
    session.people = people


def settle_categories(participant_ids: set[int]) -> list[Participant]:
    """Badges follow the stage: a participant put on a session gets the speaker's or moderator's category; one
    the agenda made so takes the other role's when they change roles, and goes back to «Участник» when they
    leave the stage, so that a person picked by mistake does not keep «Спикер». A category an organizer set
    (VIP, press, speaker by hand, even «Участник») is theirs: the agenda never changes it. Returns those whose
    category changed. (Two organizers taking one person off two sessions at the same moment may each still see
    the other's row: the person then keeps the category until a session of theirs is saved again.)"""
    changed = []
    for participant_id in sorted(participant_ids):
        participant = db.session.get(Participant, participant_id)
        # The agenda takes back only what it gave: never an organizer's choice, nor a category it did not give.
        if participant is None or participant.category_set_by == "organizer" or (
                participant.category_set_by == "registration" and participant.category != "participant"):
            continue
        roles = set(db.session.scalars(
            select(SessionPerson.role).where(SessionPerson.participant_id == participant_id)))
        if not roles:
            category, set_by = "participant", "registration"
        elif participant.category in roles:  # a speaker who also moderates elsewhere stays a speaker
            category, set_by = participant.category, "agenda"
        else:
            category, set_by = ("moderator" if "moderator" in roles else "speaker"), "agenda"
        participant.category_set_by = set_by
        if category != participant.category:
            participant.category = category
            changed.append(participant)
    return changed


def reprint_warnings(recategorized: list[Participant]) -> list[str]:
    return [str(_l("%(name)s: the badge now says «%(category)s»; reprint it if it was printed.",
                   name=participant.full_name, category=CATEGORY_LABELS[participant.category]))
            for participant in recategorized]


def delete_session(session: AgendaSession, tell: bool = True) -> tuple[int, list[str]]:
    """Deletes the session and tells everyone signed up for it (unless the organizer chose not to `tell`).
    Returns how many were told, and whose badge category changed (see settle_categories) as warnings for the
    organizer."""
    signups = db.session.scalars(
        select(SessionSignup).where(SessionSignup.session_id == session.id)
        .options(joinedload(SessionSignup.participant))
    ).all()
    people = [signup.participant for signup in signups]
    titles = {language: session.localized("title", language) for language in ("ru", "en")}  # for the letters
    span, event = time_span(session), session.event
    on_stage = {person.participant_id for person in session.people if person.participant_id is not None}
    db.session.delete(session)
    db.session.flush()
    warnings = reprint_warnings(settle_categories(on_stage))
    if not tell:
        return 0, warnings
    for participant in people:
        queue_letter("session_cancelled", participant.email, participant.language, event_id=event.id,
                     participant_id=participant.id, participant=participant.id,
                     title=titles.get(participant.language, titles["ru"]), span=span)
    db.session.flush()
    return len(people), warnings


@letter_kind("session_cancelled")
def session_cancelled_letter(participant: int, title: str, span: str) -> Draft | None:
    holder = db.session.get(Participant, participant)
    if holder is None:
        return None
    return Draft(str(_l("Session cancelled: %(title)s", title=title)), "agenda/email_session_cancelled", {
        "participant": holder, "event": holder.event, "title": title, "span": span,
        "link": self_service_url(holder)})


def signup_count(session: AgendaSession) -> int:
    return db.session.scalar(select(func.count()).where(SessionSignup.session_id == session.id))


# ---- problems: refused clashes and the warnings beside them ----------------------------------------------

@dataclass
class Problem:
    kind: str  # room_clash (an error), person_clash, outside_dates, over_capacity, overbooked (warnings)
    session: AgendaSession
    message: str
    other: AgendaSession | None = None
    person: str = ""  # a person_clash's speaker or moderator


def warnings_for(session: AgendaSession, others: list[AgendaSession] | None = None,
                 seated: dict[int, int] | None = None) -> list[Problem]:
    """`others` (the event's sessions) and `seated` (taken_seats of them) when the caller has them already."""
    event = session.event
    problems = []
    first_day, last_day = event.starts_on, event.ends_on
    local_start, local_end = to_zone(session.starts_at, event.timezone), to_zone(session.ends_at, event.timezone)
    if local_start.date() < first_day or local_end.date() > last_day:
        problems.append(Problem("outside_dates", session, str(_l(
            "«%(title)s» is outside the event's dates.", title=session.localized("title")))))
    if session.capacity and session.capacity > session.room.capacity:
        problems.append(Problem("over_capacity", session, str(_l(
            "«%(title)s» expects %(capacity)d people, but %(room)s seats %(seats)d.", title=session.localized("title"),
            capacity=session.capacity, room=session.room.localized("name"), seats=session.room.capacity))))
    taken = (taken_seats([session.id]) if seated is None else seated).get(session.id, 0)
    if taken > session.seats:
        problems.append(Problem("overbooked", session, str(_l(
            "«%(title)s» has %(taken)d people seated and %(seats)d seats: nobody loses a seat, and nobody else gets "
            "one until seats free up.", title=session.localized("title"), taken=taken, seats=session.seats))))
    others = sessions_of(event) if others is None else others
    mine = {person.participant_id: person for person in session.people if person.participant_id}
    for other in others:
        if other.id == session.id or not overlaps(session.starts_at, session.ends_at, other.starts_at, other.ends_at):
            continue
        for person in other.people:
            if person.participant_id in mine:
                problems.append(Problem("person_clash", session, str(_l(
                    "%(name)s is in «%(title)s» and «%(other)s» at the same time (%(span)s).",
                    name=person.name, title=session.localized("title"), other=other.localized("title"),
                    span=time_span(other))), other, person.name))
    return problems


def all_problems(event: Event) -> list[Problem]:
    sessions = sessions_of(event)
    problems = []
    by_room = defaultdict(list)
    for session in sessions:
        by_room[session.room_id].append(session)
    for in_room in by_room.values():
        for earlier, later in zip(in_room, in_room[1:], strict=False):
            if overlaps(earlier.starts_at, earlier.ends_at, later.starts_at, later.ends_at):
                problems.append(Problem("room_clash", later, str(_l(
                    "«%(title)s» and «%(other)s» overlap in %(room)s.", title=later.localized("title"),
                    other=earlier.localized("title"), room=later.room.localized("name"))), earlier))
    seated = taken_seats([session.id for session in sessions])
    for session in sessions:
        for problem in warnings_for(session, sessions, seated):
            # A clash between two people's sessions is listed once, from the earlier session's side.
            if problem.kind == "person_clash" and (problem.other.starts_at, problem.other.id) < (
                    session.starts_at, session.id):
                continue
            problems.append(problem)
    return problems


def double_bookings(problems: list[Problem]) -> dict[int, list[str]]:
    """Of all_problems' findings, who is elsewhere at the same time, by session (both sessions of each clash)."""
    people: dict[int, list[str]] = defaultdict(list)
    for problem in problems:
        if problem.kind == "person_clash":
            for session in (problem.session, problem.other):
                if problem.person not in people[session.id]:
                    people[session.id].append(problem.person)
    return dict(people)


# ---- the program -----------------------------------------------------------------------------------------

def program_days(event: Event, sessions: list[AgendaSession]) -> list[tuple[date, list[AgendaSession]]]:
    days: dict[date, list[AgendaSession]] = defaultdict(list)
    for session in sessions:
        days[to_zone(session.starts_at, event.timezone).date()].append(session)
    return sorted(days.items())


def filter_sessions(sessions: list[AgendaSession], kind: str = "", room_id: int | None = None) -> list[AgendaSession]:
    return [session for session in sessions
            if (not kind or session.kind == kind) and (not room_id or session.room_id == room_id)]


def program_json(event: Event, sessions: list[AgendaSession]) -> dict:
    """The public program for other sites and apps: times in ISO 8601 with the event's UTC offset."""
    def person(entry: SessionPerson) -> dict:
        return {"name": entry.name, "position": entry.position, "organization": entry.organization}

    return {
        "event": {"slug": event.slug, "title": event.title, "title_en": event.title_en,
                  "starts_on": event.starts_on.isoformat(), "ends_on": event.ends_on.isoformat(),
                  "city": event.city, "city_en": event.city_en, "venue": event.venue, "venue_en": event.venue_en,
                  "timezone": event.timezone},
        "rooms": [{"id": room.id, "name": room.name, "name_en": room.name_en, "capacity": room.capacity,
                   "floor": room.floor, "address": room.address, "address_en": room.address_en}
                  for room in rooms(event)],
        "sessions": [{
            "id": session.id, "title": session.title, "title_en": session.title_en, "kind": session.kind,
            "description": session.description, "description_en": session.description_en,
            "room_id": session.room_id, "room": session.room.name, "room_en": session.room.name_en,
            "starts_at": to_zone(session.starts_at, event.timezone).isoformat(),
            "ends_at": to_zone(session.ends_at, event.timezone).isoformat(),
            "capacity": session.seats,
            "moderators": [person(entry) for entry in session.people_in("moderator")],
            "speakers": [person(entry) for entry in session.people_in("speaker")],
            "calendar": url_for("agenda.session_calendar", slug=event.slug, session_id=session.id, _external=True),
        } for session in sessions],
    }


GRID_MARGIN_MINUTES = 60  # free rows before the day's first session and after its last, to drag a session to


def day_grid(event: Event, sessions: list[AgendaSession], day: date, step_minutes: int = 15) -> dict:
    """The organizer's day as a table: one column per room, one row per step; a session spans its rows. The rows
    run from an hour before the first session to an hour after the last (within the day), so that a session can
    be dragged earlier or later than the others; a time further out is set in the session's form."""
    day_sessions = [s for s in sessions if to_zone(s.starts_at, event.timezone).date() == day]
    columns = rooms(event)
    if not day_sessions:
        return {"rooms": columns, "rows": []}

    last_of_day = 24 * 60 // step_minutes - 1

    def slot(moment: datetime) -> int:
        local = to_zone(moment, event.timezone)
        if local.date() > day:  # a session that runs past midnight (a night hackathon): to the day's last row
            return last_of_day
        return (local.hour * 60 + local.minute) // step_minutes

    margin = GRID_MARGIN_MINUTES // step_minutes
    first = max(0, min(slot(s.starts_at) for s in day_sessions) - margin)
    last = min(last_of_day, max(slot(s.ends_at - timedelta(seconds=1)) for s in day_sessions) + margin)
    index = {room.id: position for position, room in enumerate(columns)}
    cells = [[None] * len(columns) for _ in range(first, last + 1)]
    for session in day_sessions:
        top = slot(session.starts_at) - first
        height = max(1, slot(session.ends_at - timedelta(seconds=1)) - first - top + 1)
        column = index[session.room_id]
        if cells[top][column] is not None:
            continue  # rounded to the step, two touching sessions may share a row: the first keeps it
        cells[top][column] = {"session": session, "rowspan": height}
        for row in range(top + 1, min(top + height, len(cells))):
            cells[row][column] = "covered"
    rows = []
    for offset, row in enumerate(cells):
        minutes = (first + offset) * step_minutes
        rows.append({"time": f"{minutes // 60:02d}:{minutes % 60:02d}", "cells": row})
    return {"rooms": columns, "rows": rows}


# ---- calendars (RFC 5545) --------------------------------------------------------------------------------

def _one_line(text: str) -> str:
    """A single-line calendar field (a title, a place): line breaks typed into it read as spaces."""
    return " ".join(text.splitlines())


def personal_calendar(participant: Participant, language: str) -> bytes:
    """The sessions the participant holds a seat at, as a calendar (their page's download, a letter's attachment)."""
    chosen = {session_id for session_id, signup in signups_of(participant).items()
              if signup.status == SignupStatus.REGISTERED}
    sessions = [session for session in sessions_of(participant.event) if session.id in chosen]
    with force_locale(language):
        name = str(_l("%(title)s: my sessions", title=participant.event.display_title(language)))
    return calendar(participant.event, sessions, name, language)


def calendar(event: Event, sessions: list[AgendaSession], name: str, language: str,
             stamp: datetime | None = None) -> bytes:
    """`stamp`: when what the calendar says last changed (its DTSTAMP, RFC 5545), by default now."""
    cal = Calendar()
    cal.add("prodid", "-//conference//program//RU")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _one_line(name))
    cal.add("x-wr-timezone", event.timezone)
    stamp = stamp or utcnow()
    for session in sessions:
        entry = CalendarEvent()
        entry.add("uid", f"session-{session.id}@{event.slug}.conference")
        entry.add("dtstamp", stamp)
        entry.add("dtstart", to_zone(session.starts_at, event.timezone))
        entry.add("dtend", to_zone(session.ends_at, event.timezone))
        entry.add("summary", _one_line(session.localized("title", language)))
        room, address = session.room.localized("name", language), session.room.localized("address", language)
        location = room + (f", {address}" if address else "")
        if event.venue and not address:
            location += f", {event.localized('venue', language)}"
        entry.add("location", _one_line(location))
        people = [f"{person.name} ({person.organization})" if person.organization else person.name
                  for person in session.people]
        entry.add("description", "\n".join(filter(None, [session.localized("description", language),
                                                          "; ".join(people)])))
        cal.add_component(entry)
    cal.add_missing_timezones()
    return cal.to_ical()


# ---- sign-ups and the waiting list -----------------------------------------------------------------------

class SignupError(ValueError):
    pass


def signups_of(participant: Participant) -> dict[int, SessionSignup]:
    rows = db.session.scalars(select(SessionSignup).where(SessionSignup.participant_id == participant.id))
    return {signup.session_id: signup for signup in rows}


def sessions_chosen(participant: Participant) -> list[tuple[SessionSignup, int | None]]:
    """The participant's seats and waiting places, session by session in the program's order, each waiting place
    with its number in the queue (promote_waiting's order: the earliest first), counted in the same query."""
    earlier = aliased(SessionSignup)
    ahead = select(func.count()).where(
        earlier.session_id == SessionSignup.session_id, earlier.status == SignupStatus.WAITING,
        (earlier.created_at < SessionSignup.created_at)
        | ((earlier.created_at == SessionSignup.created_at) & (earlier.id < SessionSignup.id))).scalar_subquery()
    rows = db.session.execute(select(SessionSignup, ahead).join(AgendaSession).where(
        SessionSignup.participant_id == participant.id).options(joinedload(SessionSignup.session))
        .order_by(AgendaSession.starts_at, AgendaSession.id))
    return [(signup, 1 + ahead_of if signup.status == SignupStatus.WAITING else None) for signup, ahead_of in rows]


def taken_seats(session_ids: list[int]) -> dict[int, int]:
    query = (select(SessionSignup.session_id, func.count())
             .where(SessionSignup.session_id.in_(session_ids), SessionSignup.status == SignupStatus.REGISTERED)
             .group_by(SessionSignup.session_id))
    return {session_id: count for session_id, count in db.session.execute(query)}


def sign_up(participant: Participant, session: AgendaSession, wait: bool = False) -> SessionSignup:
    """A seat, or with `wait` a place in the waiting list of a full session; refuses with a SignupError."""
    if session.event_id != participant.event_id or not session.is_public:
        raise SignupError(str(_l("This session is not part of your event's program.")))
    if not session.takes_signups:
        raise SignupError(str(_l("«%(title)s» is open to everybody: no sign-up is needed.",
                                 title=session.localized("title"))))
    if participant.status not in ACTIVE_STATUSES:
        raise SignupError(str(_l("Only participants with an active registration can sign up for sessions.")))
    mine = signups_of(participant)
    if session.id in mine:
        return mine[session.id]
    if session.starts_at <= utcnow():
        raise SignupError(str(_l("«%(title)s» has already begun: sign-ups are closed.",
                                 title=session.localized("title"))))
    for signup in mine.values():
        other = signup.session
        if not overlaps(session.starts_at, session.ends_at, other.starts_at, other.ends_at):
            continue
        # A place in a waiting list holds the time too: promoted, the participant would be in two rooms at once.
        if signup.status == SignupStatus.WAITING:
            raise SignupError(str(_l(
                "«%(title)s» overlaps with «%(other)s» (%(span)s), whose waiting list you are on. "
                "Leave that waiting list first.", title=session.localized("title"), other=other.localized("title"),
                span=time_span(other))))
        raise SignupError(str(_l(
            "«%(title)s» overlaps with «%(other)s» (%(span)s), which you have already chosen. "
            "Cancel that one first.", title=session.localized("title"), other=other.localized("title"),
            span=time_span(other))))
    lock_row(AgendaSession, session.id)  # the seats are counted and taken under the session's lock
    full = taken_seats([session.id]).get(session.id, 0) >= session.seats
    if full and not wait:
        raise SignupError(str(_l("«%(title)s» is full. You can join its waiting list.",
                                 title=session.localized("title"))))
    signup = SessionSignup(session_id=session.id, participant_id=participant.id,
                           status=SignupStatus.WAITING if full else SignupStatus.REGISTERED)
    try:
        with savepoint():
            db.session.add(signup)
    except IntegrityError:  # the same click twice at once: the first one counts
        return signups_of(participant)[session.id]
    return signup


def cancel_signup(participant: Participant, session: AgendaSession) -> bool:
    signup = signups_of(participant).get(session.id)
    if signup is None:
        return False
    freed = signup.status == SignupStatus.REGISTERED
    db.session.delete(signup)
    db.session.flush()
    if freed:
        promote_waiting(session)
    return True


def promote_waiting(session: AgendaSession) -> list[Participant]:
    """Fills free seats from the waiting list, first come first served, under the session's lock, and queues a
    letter to each person promoted. A session that has begun keeps its lists as they were (as sign_up takes
    nobody new): a letter «a seat is yours» for a session under way would come too late."""
    if session.starts_at <= utcnow():
        return []
    lock_row(AgendaSession, session.id)
    free = session.seats - taken_seats([session.id]).get(session.id, 0)
    if free <= 0:
        return []
    waiting = db.session.scalars(
        select(SessionSignup)
        .where(SessionSignup.session_id == session.id, SessionSignup.status == SignupStatus.WAITING)
        .order_by(SessionSignup.created_at, SessionSignup.id).limit(free)
    ).all()
    for signup in waiting:
        signup.status = SignupStatus.REGISTERED
    promoted = [signup.participant for signup in waiting]
    for participant in promoted:
        queue_letter("seat_promoted", participant.email, participant.language, event_id=session.event_id,
                     participant_id=participant.id, participant=participant.id, session=session.id)
    db.session.flush()
    return promoted


@letter_kind("seat_promoted")
def seat_promoted_letter(participant: int, session: int) -> Draft | None:
    holder, seated = db.session.get(Participant, participant), db.session.get(AgendaSession, session)
    if holder is None or seated is None or signups_of(holder).get(seated.id) is None \
            or signups_of(holder)[seated.id].status != SignupStatus.REGISTERED:
        return None  # left the session since: no seat to announce
    return Draft(str(_l("A seat is yours: %(title)s", title=seated.localized("title"))), "agenda/email_promoted", {
        "participant": holder, "event": seated.event, "session": seated, "span": time_span(seated),
        "link": self_service_url(holder)}, custom_key="seat_promoted")


@time_zone_changing.connect
def keep_times_of_day(event: Event, new_zone: str) -> None:
    """An event's time zone put right keeps its sessions at the times of day they were planned for (10:00 stays
    10:00 in the new zone); the caller commits."""
    for session in db.session.scalars(select(AgendaSession).where(AgendaSession.event_id == event.id)):
        for name in ("starts_at", "ends_at"):
            wall_clock = to_zone(getattr(session, name), event.timezone).replace(tzinfo=None)
            setattr(session, name, local_to_utc(wall_clock, new_zone))


@participants_withdrawn.connect
def release_seats(participants: list[Participant]) -> None:
    """Cancelled or declined participants give their seats to the waiting lists (their sign-ups read at once:
    a bulk decline of 500 is one query, not 500)."""
    signups = list(db.session.scalars(select(SessionSignup).where(
        SessionSignup.participant_id.in_([participant.id for participant in participants]))))
    # In the order of their ids: two actions freeing seats of the same sessions lock them in the same order, and so
    # never wait for each other in a circle (a deadlock, on PostgreSQL).
    sessions = sorted({signup.session for signup in signups if signup.status == SignupStatus.REGISTERED},
                      key=lambda session: session.id)
    for signup in signups:
        db.session.delete(signup)
    db.session.flush()
    for session in sessions:
        promote_waiting(session)
