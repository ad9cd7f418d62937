"""What registration does: register, self-service, moderation, filtering and exports."""

import hmac
from dataclasses import dataclass
from datetime import datetime

from blinker import Namespace
from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, column, func, or_, select, table, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from conference import tokens
from conference.directories.models import FederalSubject
from conference.events.models import Event
from conference.events.services import current_consent
from conference.extensions import db
from conference.mail.services import Draft, letter_kind, queue_letter
from conference.spreadsheets import csv_bytes, xlsx_bytes
from conference.timeutil import to_zone, utcnow
from conference.transactions import lock_row, savepoint

from . import history  # noqa: F401 (its listener records every change of a registration)
from .labels import CATEGORY_LABELS, STATUS_LABELS
from .models import (
    ACTIVE_STATUSES,
    PARTICIPANT_FIELDS,
    SEARCH_INDEX,
    Participant,
    RegistrationChange,
    RegistrationStatus,
    new_link_key,
    search_words,
)

# Sent with a list of registrations that stop taking part (cancelled or declined): the agenda frees their seats.
participants_withdrawn = Namespace().signal("participants-withdrawn")
# Sent with a list of registrations just confirmed (or made confirmed): the badges capability issues their badges
# in the same transaction, so that a confirmed participant always has one.
participants_confirmed = Namespace().signal("participants-confirmed")
# Asked, when the letter that confirms a registration is written (by the outbox's sender, after the action), for
# files to attach (the badges capability answers with the badge); each receiver returns a (filename, mimetype,
# bytes) triple or None.
confirmation_attachments = Namespace().signal("confirmation-attachments")
WITHDRAWN = (RegistrationStatus.CANCELLED, RegistrationStatus.REJECTED)

SELF_SERVICE = "self-service"


class DuplicateRegistration(Exception):
    """This email is already registered for the event."""


class RegistrationUnavailable(Exception):
    def __init__(self, state: str):
        super().__init__(state)
        self.state = state


# ---- the registration window -------------------------------------------------------------------------------

def active_count(event: Event) -> int:
    return db.session.scalar(
        select(func.count()).where(Participant.event_id == event.id, Participant.status.in_(ACTIVE_STATUSES))
    )


def registration_state(event: Event, now: datetime | None = None) -> str:
    """open, not_open_yet, closed or full. Without a closing time of its own, registration closes when the event
    is over; an organizer who wants it open longer (late sign-ups for the report) sets one."""
    now = now or utcnow()
    if event.registration_opens_at and now < event.registration_opens_at:
        return "not_open_yet"
    if now >= (event.registration_closes_at or event.ended_at):
        return "closed"
    if event.capacity is not None and active_count(event) >= event.capacity:
        return "full"
    return "open"


# ---- registering and self-service ------------------------------------------------------------------------

def find_by_email(event: Event, email: str) -> Participant | None:
    return db.session.scalar(
        select(Participant).where(Participant.event_id == event.id, Participant.email == email.strip().lower())
    )


def register(event: Event, data: dict, language: str) -> Participant:
    """Saves a new registration (or revives a cancelled one) and queues the letter with the private link. The
    event's capacity is counted under its lock: two people cannot both take the last place."""
    lock_row(Event, event.id)
    state = registration_state(event)
    if state != "open":
        raise RegistrationUnavailable(state)
    data = dict(data, email=data["email"].strip().lower())
    participant = find_by_email(event, data["email"])
    if participant is not None and participant.status != RegistrationStatus.CANCELLED:
        raise DuplicateRegistration(data["email"])
    consent = current_consent(event)  # (before the new row is added: its query would flush that row half-made)
    try:
        with savepoint():  # a refusal leaves nothing changed, a revived registration included
            if participant is None:
                participant = Participant(event_id=event.id)
                db.session.add(participant)
            else:  # a cancelled registration comes back as a new one: fresh links, the ordinary category, today
                participant.link_key = new_link_key()
                if participant.category_set_by != "agenda":  # still on a session's stage: still a speaker
                    participant.category, participant.category_set_by = "participant", "registration"
                participant.created_at = utcnow()
            _apply(participant, data)
            participant.language = language
            participant.status = RegistrationStatus.PENDING if event.moderation else RegistrationStatus.CONFIRMED
            participant.status_changed_at = utcnow()
            participant.consent_version, participant.consent_text_id = consent.version, consent.id
            participant.consent_given_at = utcnow()
    except IntegrityError as error:  # the same email, sent twice at the same moment
        raise DuplicateRegistration(data["email"]) from error
    if participant.status == RegistrationStatus.CONFIRMED:
        participants_confirmed.send([participant])
    notify(participant, "registered")
    db.session.flush()
    return participant


def _apply(participant: Participant, data: dict, fields: tuple[str, ...] = PARTICIPANT_FIELDS) -> None:
    for name in fields:
        if name in data:
            setattr(participant, name, data[name])


def update_details(participant: Participant, data: dict, by_organizer: bool = False) -> None:
    """Edits by the participant or an organizer (who may also set the category); the email stays unique. A new
    email gets a new private link, sent to it: links sent to the old address stop working, and the old address is
    told so."""
    moved_from = None
    if "email" in data:
        data = dict(data, email=data["email"].strip().lower())
        other = find_by_email(participant.event, data["email"])
        if other is not None and other.id != participant.id:
            raise DuplicateRegistration(data["email"])
    try:
        with savepoint():
            if "email" in data and data["email"] != participant.email:
                participant.link_key = new_link_key()
                moved_from = participant.email
            if by_organizer and data.get("category", participant.category) != participant.category:
                participant.category_set_by = "organizer"  # the agenda leaves it alone from now on
            _apply(participant, data, PARTICIPANT_FIELDS + ("category",) if by_organizer else PARTICIPANT_FIELDS)
    except IntegrityError as error:
        raise DuplicateRegistration(data.get("email", "")) from error
    if moved_from is not None:
        notify(participant, "email_changed")
        # The old address hears of it (without the new link or address): a change nobody asked for shows.
        queue_letter("registration", moved_from, participant.language, event_id=participant.event_id,
                     participant_id=participant.id, participant=participant.id, reason="email_changed_away")


def cancel(participant: Participant) -> None:
    if participant.status == RegistrationStatus.CANCELLED:
        return
    participant.status = RegistrationStatus.CANCELLED
    participant.status_changed_at = utcnow()
    participants_withdrawn.send([participant])
    notify(participant, "cancelled")
    db.session.flush()


def withdraw(participants: list[Participant]) -> None:
    """Cancels these registrations without a letter each (erasure writes its own): their seats are freed and the
    waiting lists move, as for any cancellation."""
    _change_status([participant for participant in participants if participant.status in ACTIVE_STATUSES],
                   RegistrationStatus.CANCELLED)
    db.session.flush()


def replace_link(participant: Participant) -> None:
    """A leaked private link replaced by its owner: every link made so far stops working at once, the new one is
    sent to the registration's address."""
    participant.link_key = new_link_key()
    notify(participant, "new_link")
    db.session.flush()


def self_service_token(participant: Participant) -> str:
    return tokens.sign(SELF_SERVICE, {"p": participant.id, "k": participant.link_key})


def participant_from_token(token: str) -> Participant | None:
    """The participant a private link belongs to; raises tokens.InvalidToken for a tampered or old link."""
    max_age = current_app.config["SELF_SERVICE_LINK_DAYS"] * 86400
    payload = tokens.unsign(SELF_SERVICE, token, max_age)
    if not isinstance(payload, dict):
        raise tokens.InvalidToken(expired=False)
    participant_id, key = payload.get("p"), payload.get("k")
    participant = db.session.get(Participant, participant_id) if isinstance(participant_id, int) else None
    if participant is None or not isinstance(key, str) or not hmac.compare_digest(key, participant.link_key):
        return None  # unknown, or a link revoked by a newer key
    return participant


def self_service_url(participant: Participant) -> str:
    return url_for("registration.self_service", token=self_service_token(participant), _external=True)


def resend_link(event: Event, email: str) -> bool:
    participant = find_by_email(event, email)
    if participant is None:
        return False
    notify(participant, "link")
    return True


def history_of(participant: Participant) -> list[RegistrationChange]:
    """Who changed the registration, what and when (registration.history writes it), the latest first."""
    return list(db.session.scalars(select(RegistrationChange).where(
        RegistrationChange.participant_id == participant.id).options(joinedload(RegistrationChange.user))
        .order_by(RegistrationChange.changed_at.desc(), RegistrationChange.id.desc())))


# ---- moderation ------------------------------------------------------------------------------------------

# What approving and declining may change: a registration the participant cancelled stays cancelled.
MODERATED = (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED, RegistrationStatus.REJECTED)


def set_status(participant: Participant, status: str) -> bool:
    """Sets any status (the organizer's participant page); the participant hears about a decision, and about a
    cancellation, by email (a return to «pending» is the organizers' own business)."""
    if participant.status == status:
        return False
    _change_status([participant], status)
    if status in (RegistrationStatus.CONFIRMED, RegistrationStatus.REJECTED, RegistrationStatus.CANCELLED):
        notify(participant, status)
    db.session.flush()
    return True


def bulk_set_status(event: Event, participant_ids: list[int], status: str) -> int:
    participants = db.session.scalars(select(Participant).where(
        Participant.event_id == event.id, Participant.id.in_(participant_ids), Participant.status.in_(MODERATED))
    ).all()
    changed = [participant for participant in participants if participant.status != status]
    _change_status(changed, status)
    for participant in changed:
        notify(participant, status)
    db.session.flush()
    return len(changed)


def _change_status(participants: list[Participant], status: str) -> None:
    for participant in participants:
        participant.status = status
        participant.status_changed_at = utcnow()
    if status in WITHDRAWN and participants:
        participants_withdrawn.send(participants)
    if status == RegistrationStatus.CONFIRMED and participants:
        participants_confirmed.send(participants)


# ---- email -----------------------------------------------------------------------------------------------

def notify(participant: Participant, reason: str) -> None:
    """Queues the letter to the participant, in their language, with the private link; sent once the action
    commits."""
    queue_letter("registration", participant.email, participant.language, event_id=participant.event_id,
                 participant_id=participant.id, participant=participant.id, reason=reason)


@letter_kind("registration")
def registration_letter(participant: int, reason: str) -> Draft | None:
    """The letters about a registration. The one that confirms it carries the badge, made when it is sent."""
    holder = db.session.get(Participant, participant)
    if holder is None or (reason in RegistrationStatus.values() and holder.status != reason):
        return None  # gone, or decided otherwise since: a «confirmed» after a decline would mislead
    attachments = ()
    if reason in ("registered", "confirmed") and holder.status == RegistrationStatus.CONFIRMED:
        replies = confirmation_attachments.send(holder)
        attachments = tuple(attachment for _, attachment in replies if attachment)
    event = holder.event
    link = None if reason == "email_changed_away" else self_service_url(holder)
    return Draft(subject=str(NOTICE_SUBJECTS[reason]) % {"title": event.display_title(holder.language)},
                 template="registration/email", attachments=attachments, custom_key=reason,
                 context={"participant": holder, "event": event, "reason": reason, "link": link})


NOTICE_SUBJECTS = {
    "registered": _l("Registration received: %(title)s"),
    "confirmed": _l("Registration confirmed: %(title)s"),
    "rejected": _l("Registration declined: %(title)s"),
    "cancelled": _l("Registration cancelled: %(title)s"),
    "link": _l("Your private link: %(title)s"),
    "new_link": _l("Your new private link: %(title)s"),
    "email_changed": _l("Your new private link: %(title)s"),
    "email_changed_away": _l("The email of your registration was changed: %(title)s"),
}


# ---- the organizer's list --------------------------------------------------------------------------------

SORTS = {
    "name": (Participant.last_name, Participant.first_name, Participant.id),
    "organization": (Participant.organization, Participant.id),
    "created": (Participant.created_at, Participant.id),
    "status": (Participant.status, Participant.last_name, Participant.id),
    "relevance": (Participant.last_name, Participant.first_name, Participant.id),  # see filtered_query
}


@dataclass
class ParticipantFilter:
    status: str = ""
    category: str = ""
    district_id: int | None = None
    subject_id: int | None = None
    organization_type_id: int | None = None
    text: str = ""
    session_id: int | None = None  # signed up for this session
    arrived: str = ""  # "yes" or "no": checked in anywhere or, with a session, at its door
    sort: str = "name"
    descending: bool = False


def _conditions(event: Event, criteria: ParticipantFilter) -> list:
    conditions = [Participant.event_id == event.id]
    if criteria.status:
        conditions.append(Participant.status == criteria.status)
    if criteria.category:
        conditions.append(Participant.category == criteria.category)
    if criteria.subject_id:
        conditions.append(Participant.subject_id == criteria.subject_id)
    if criteria.district_id:
        in_district = select(FederalSubject.id).where(FederalSubject.district_id == criteria.district_id)
        conditions.append(Participant.subject_id.in_(in_district))
    if criteria.organization_type_id:
        conditions.append(Participant.organization_type_id == criteria.organization_type_id)
    for spellings in search_words(criteria.text)[:5]:
        conditions.append(or_(*(_contains(word) for word in spellings)))
    if criteria.arrived in ("yes", "no"):
        # At the chosen session's door; with none chosen, anywhere (an off-site session's door counts as coming).
        came = Participant.id.in_(select(_check_ins.c.participant_id).where(
            _check_ins.c.session_id == criteria.session_id if criteria.session_id else true()))
        conditions.append(came if criteria.arrived == "yes" else ~came)
    if criteria.session_id and criteria.arrived != "yes":  # (whoever came to its door counts, signed up or not)
        conditions.append(Participant.id.in_(select(_signups.c.participant_id).where(
            _signups.c.session_id == criteria.session_id, _signups.c.status == "registered")))
    return conditions


# The agenda's sign-ups and the check-ins, named by their tables alone: those capabilities build on this one, and
# the list filters by them without importing them.
_signups = table("session_signup", column("session_id"), column("participant_id"), column("status"))
_sessions = table("agenda_session", column("id"), column("event_id"), column("title"), column("title_en"),
                  column("starts_at"))
_check_ins = table("check_in", column("participant_id"), column("checkpoint"), column("session_id"))


_search_table = table(SEARCH_INDEX, column("rowid"), column(SEARCH_INDEX))


def _contains(word: str):
    """Substring match on name, email and organization, through the search index where one can serve."""
    if db.session.get_bind().dialect.name == "sqlite" and len(word) >= 3:  # trigrams need three characters
        phrase = '"' + word.replace('"', '""') + '"'
        matching = select(_search_table.c.rowid).where(_search_table.c[SEARCH_INDEX].op("MATCH")(phrase))
        return Participant.id.in_(matching)
    # PostgreSQL's pg_trgm index serves this LIKE directly; on SQLite it is the fallback for 1-2 characters.
    return Participant.search_text.like(f"%{_like_literal(word)}%", escape="\\")


def _like_literal(word: str) -> str:
    """The word for a LIKE pattern, its wildcards taken literally (escaped with a backslash)."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filtered_query(event: Event, criteria: ParticipantFilter) -> Select:
    columns = SORTS.get(criteria.sort, SORTS["name"])
    order = [column.desc() if criteria.descending else column for column in columns]
    words = [spellings[0] for spellings in search_words(criteria.text)]
    if criteria.sort == "relevance" and words:
        # Those whose last name starts with one of the words come first: at the door «Петров» (or «Иван Петров»)
        # means the Петровs, not the Петровичи of their patronymics.
        surname = or_(*(Participant.search_text.like(f"{_like_literal(word)}%", escape="\\") for word in words[:5]))
        order.insert(0, case((surname, 0), else_=1))
    return select(Participant).where(*_conditions(event, criteria)).order_by(*order)


def session_choices(event_id: int, language: str) -> list[tuple[int, str]]:
    """The event's sessions, by time, for the list's filter by session."""
    rows = db.session.execute(select(_sessions.c.id, _sessions.c.title, _sessions.c.title_en)
                              .where(_sessions.c.event_id == event_id).order_by(_sessions.c.starts_at, _sessions.c.id))
    return [(session_id, (title_en if language == "en" and (title_en or "").strip() else title))
            for session_id, title, title_en in rows]


def count_matching(event: Event, criteria: ParticipantFilter) -> int:
    """A bare count(*) over the filters: no joins, no columns, so the database can answer from its indexes."""
    return db.session.scalar(select(func.count()).select_from(Participant).where(*_conditions(event, criteria)))


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def numbers(self, around: int = 2) -> list[int | None]:
        """Page numbers to offer: the first, the last and a few around the current one; None marks a gap."""
        wanted = {1, self.pages, *range(self.page - around, self.page + around + 1)}
        shown: list[int | None] = []
        for number in sorted(n for n in wanted if 1 <= n <= self.pages):
            if shown and number - shown[-1] > 1:
                shown.append(None)
            shown.append(number)
        return shown


def page_of_participants(event: Event, criteria: ParticipantFilter, page: int, per_page: int) -> Page:
    total = count_matching(event, criteria)
    page = min(max(page, 1), max(1, -(-total // per_page)))
    # The page's ids first, from the index alone; the rows and their references only for those 50. Joining
    # first would join every row skipped on the way to page 150 as well.
    ids = list(db.session.scalars(filtered_query(event, criteria).with_only_columns(Participant.id)
                                  .limit(per_page).offset((page - 1) * per_page)))
    loaded = {participant.id: participant for participant in db.session.scalars(
        with_references(select(Participant).where(Participant.id.in_(ids))))}
    return Page(items=[loaded[participant_id] for participant_id in ids], total=total, page=page,
                per_page=per_page)


def with_references(query: Select) -> Select:
    return query.options(
        joinedload(Participant.subject).joinedload(FederalSubject.district),
        joinedload(Participant.country),
        joinedload(Participant.organization_type),
    )


def status_counts(event: Event) -> dict[str, int]:
    rows = db.session.execute(
        select(Participant.status, func.count()).where(Participant.event_id == event.id).group_by(Participant.status)
    )
    return {status: count for status, count in rows}


# ---- exports ---------------------------------------------------------------------------------------------

def export_table(event: Event, criteria: ParticipantFilter) -> tuple[list[str], list[list]]:
    """Header and rows as they are, typed (the registration time is the event's wall-clock time); each format
    writes types and neutralizes formulas in its own way."""
    header = [
        _("Last name"), _("First name"), _("Patronymic"), _("Email"), _("Phone"), _("Organization"),
        _("Organization type"), _("Position"), _("Federal district"), _("Region or country"), _("City"),
        _("Category"), _("Status"), _("Registered at"),
    ]
    rows = []
    for participant in db.session.scalars(with_references(filtered_query(event, criteria))):
        district = participant.subject.district.name if participant.subject else ""
        rows.append([
            participant.last_name, participant.first_name, participant.patronymic, participant.email,
            participant.phone, participant.organization, participant.organization_type.name, participant.position,
            district, participant.place, participant.city, str(CATEGORY_LABELS[participant.category]),
            str(STATUS_LABELS[participant.status]),
            to_zone(participant.created_at, event.timezone).replace(tzinfo=None),
        ])
    return header, rows


def export_csv(event: Event, criteria: ParticipantFilter) -> bytes:
    return csv_bytes(*export_table(event, criteria))


def export_xlsx(event: Event, criteria: ParticipantFilter) -> bytes:
    return xlsx_bytes([(_("Participants"), *export_table(event, criteria))])
