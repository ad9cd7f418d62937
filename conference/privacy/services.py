"""What the privacy capability does: tells a participant everything held about them, erases registrations (the
statistics kept, the person dropped), and anonymises the events whose retention period is over."""

import logging
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, String, cast, literal, select, update

from conference.agenda.models import AgendaSession, SessionPerson, SessionSignup
from conference.badges.services import revoke_for_erasure
from conference.checkin.models import CheckIn
from conference.events.models import Event
from conference.extensions import db
from conference.i18n import current_language
from conference.mail.models import Letter
from conference.mail.services import Draft, forget_participants, letter_kind, queue_letter
from conference.registration.models import Participant
from conference.registration.services import withdraw
from conference.timeutil import utcnow

log = logging.getLogger(__name__)

# What an erased name reads as; every other personal field becomes empty.
ERASED = "удалено"
# Why a registration was erased (logged): the participant withdrew consent, the event's retention period passed,
# or an organizer anonymised the event early.
REASONS = ("withdrawn", "retention", "organizer")
# Ids per UPDATE: well under the bound parameters SQLite (32,766) and PostgreSQL (65,535) take in one statement.
CHUNK = 5000


def anonymise(participants: list[Participant], reason: str) -> int:
    """Erases these registrations in the current transaction (the caller commits): final, and in bulk UPDATEs.

    A registration of an event still to come is cancelled first, through the ordinary withdrawal (its seats freed,
    the waiting lists moved). Of an event that is over, the status stays what it was: it is history, and the
    report counts it. Kept, identifying nobody: region or country, organization type, category, status and its
    dates, language, consent version and time, sign-ups, check-ins. Erased: names, email (a unique placeholder:
    one registration per address and event), phone, organization, position, city, the search text, the badge's
    kept render; the badge is revoked; letters still queued are dropped and every letter's address forgotten."""
    participants = [participant for participant in participants if participant.erased_at is None]
    withdraw([participant for participant in participants if not participant.event.is_over])
    ids = [participant.id for participant in participants]
    erased = sum(_erase(ids[start:start + CHUNK]) for start in range(0, len(ids), CHUNK))
    for participant in participants:  # what the session holds of them is stale now
        db.session.expire(participant)
    _log(erased, reason)
    return erased


def anonymise_event(event: Event, reason: str) -> int:
    """Every registration of the event, as anonymise() does, in a few statements that name no row: loading 20,000
    rows (or binding 20,000 ids) costs several times the UPDATEs themselves (bench/anonymise.py)."""
    remaining = select(Participant.id).where(Participant.event_id == event.id, Participant.erased_at.is_(None))
    if not event.is_over:
        withdraw(list(db.session.scalars(select(Participant).where(Participant.id.in_(remaining)))))
    erased = _erase(remaining)
    db.session.expire_all()  # (rows of the event the session may hold are stale now)
    _log(erased, reason)
    return erased


def _erase(chosen: list[int] | Select) -> int:
    """The bulk UPDATEs, for a list of ids or a query of them. Badges and letters first: a query of registrations
    not yet erased no longer finds them once they are."""
    revoke_for_erasure(chosen)
    forget_participants(chosen)
    now = utcnow()
    return db.session.execute(
        update(Participant).where(Participant.id.in_(chosen)).values(
            last_name=ERASED, first_name="", patronymic="", phone="", organization="", position="", city="",
            email=literal("erased-", String) + cast(Participant.id, String) + literal("@invalid", String),
            search_text=ERASED, erased_at=now, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount


def _log(erased: int, reason: str) -> None:
    assert reason in REASONS, reason
    if erased:
        log.info("anonymised %d registrations (%s)", erased, reason)


def withdraw_consent(participant: Participant, stay_named: bool = False) -> None:
    """The participant's own «withdraw consent and erase»: a letter confirms it, queued to the address before the
    address is erased (its params carry all it needs, so it leaves after the commit all the same).

    A speaker or moderator who asks to `stay_named` keeps their name, position and organization in the public
    program, as the program's own entry (an external guest's), no longer tied to the erased registration;
    otherwise the program shows their role alone («спикер»: agenda.models.UNNAMED)."""
    event = participant.event
    queue_letter("erasure", participant.email, participant.language, event_id=event.id, event=event.id)
    if stay_named:
        for person in on_stage(participant):
            person.participant_id = None
            person.external_name = participant.full_name[:200]  # (the program's column; three names may be longer)
            person.external_position, person.external_organization = participant.position, participant.organization
        db.session.flush()
    anonymise([participant], "withdrawn")


def on_stage(participant: Participant) -> list[SessionPerson]:
    """Where the public program names the participant: as a speaker or moderator of these sessions."""
    return list(db.session.scalars(
        select(SessionPerson).join(AgendaSession, AgendaSession.id == SessionPerson.session_id)
        .where(SessionPerson.participant_id == participant.id).order_by(AgendaSession.starts_at)))


@letter_kind("erasure")
def erasure_letter(event: int) -> Draft | None:
    held = db.session.get(Event, event)
    if held is None:
        return None
    # (Written in the letter's own language: the outbox sets it.)
    return Draft(subject=str(_l("Your personal data has been erased: %(title)s"))
                 % {"title": held.display_title(current_language())},
                 template="privacy/erased_email", context={"event": held})


# ---- retention -------------------------------------------------------------------------------------------

def anonymise_expired(now: datetime | None = None) -> int:
    """Every registration of every event whose retention period is over (the daily job)."""
    now = now or utcnow()
    erased = 0
    # Only events that still hold someone not yet erased: those erased on an earlier night are not gone over again.
    still_held = select(Participant.id).where(Participant.event_id == Event.id, Participant.erased_at.is_(None))
    for event in db.session.scalars(select(Event).where(still_held.exists()).order_by(Event.id)).all():
        if event.retained_until <= now:
            erased += anonymise_event(event, "retention")
    return erased


# ---- what is held about a participant (subject access) ------------------------------------------------------

def held_data(participant: Participant) -> dict:
    """Everything held about a participant, for their «My data» page and its JSON download (one source for both).
    Times are aware UTC datetimes; the page shows them in the event's zone, the JSON in ISO 8601."""
    event = participant.event
    language = participant.language
    sessions = db.session.execute(
        select(AgendaSession, SessionSignup).join(SessionSignup, SessionSignup.session_id == AgendaSession.id)
        .where(SessionSignup.participant_id == participant.id).order_by(AgendaSession.starts_at)).all()
    check_ins = db.session.execute(
        select(CheckIn, AgendaSession).outerjoin(AgendaSession, AgendaSession.id == CheckIn.session_id)
        .where(CheckIn.participant_id == participant.id).order_by(CheckIn.checked_in_at)).all()
    letters = db.session.scalars(select(Letter).where(Letter.participant_id == participant.id)
                                 .order_by(Letter.id)).all()
    consent = participant.consent_text  # (None for a registration older than the texts kept: migration 0021)
    return {
        "event": {"title": event.display_title(language), "starts_on": event.starts_on.isoformat(),
                  "ends_on": event.ends_on.isoformat(), "personal_data_kept_until": event.retained_until},
        "registration": {
            "last_name": participant.last_name, "first_name": participant.first_name,
            "patronymic": participant.patronymic, "email": participant.email, "phone": participant.phone,
            "organization": participant.organization, "organization_type": participant.organization_type.name,
            "position": participant.position,
            "federal_subject": participant.subject.name if participant.subject else None,
            "country": participant.country.name if participant.country else None,
            "city": participant.city, "category": participant.category, "status": participant.status,
            "language": participant.language, "registered_at": participant.created_at,
            "status_changed_at": participant.status_changed_at,
        },
        "consent": {"version": participant.consent_version, "given_at": participant.consent_given_at,
                    # the text as published, in the language they registered in: the one they read
                    "text": consent.localized("text", language) if consent else None,
                    "published_at": consent.published_at if consent else None},
        "sessions": [{"title": session.localized("title", language), "starts_at": session.starts_at,
                      "status": signup.status, "signed_up_at": signup.created_at}
                     for session, signup in sessions],
        "in_the_program": [{"title": person.session.localized("title", language),
                            "starts_at": person.session.starts_at, "role": person.role}
                           for person in on_stage(participant)],
        "check_ins": [{"at": check_in.checked_in_at,
                       "where": session.localized("title", language) if session else check_in.checkpoint}
                      for check_in, session in check_ins],
        "letters": [{"kind": letter.kind, "subject": letter.subject, "queued_at": letter.created_at,
                     "sent_at": letter.sent_at, "status": letter.status} for letter in letters],
    }


def as_json(value):
    """held_data's values as JSON takes them: times in ISO 8601 (UTC)."""
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value
