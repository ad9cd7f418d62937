"""The admission list: what a scanner keeps on its device to answer scans while the venue's network is down.

For one event and checkpoint it holds each badge's token hash (never the token: a lost phone gives nobody a badge),
the holder's name, category, organization, region and status, and the check-ins made there so far. The scanner
downloads it whole once, then the changes since its last copy every few seconds (`since`/`after`, which each answer
gives for the next). A scan answered offline is sent once the network is back, through the check-in service like
any other (services.check_in with admitted_offline): two scanners that both let one badge in are told apart there.

Arrays rather than objects keep 20,000 participants near a megabyte before gzip (see bench/offline.py)."""

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from conference.accounts.models import User
from conference.agenda.models import SessionSignup, SignupStatus
from conference.badges.models import Badge
from conference.directories.models import Country, FederalSubject
from conference.events.models import Event
from conference.extensions import db
from conference.registration.models import Participant
from conference.timeutil import utcnow

from .models import CheckIn, CheckinDevice, Scan
from .services import Checkpoint

HASH_HEX = 32  # the first 128 bits of SHA-256: tokens hold 133 random bits, so the hash cannot be turned back
# A change is stamped when its action begins and seen once it commits: each copy overlaps the one before by this
# much, so that an action committed a moment after the copy was made is in the next one (changes are idempotent).
OVERLAP = timedelta(seconds=10)
# Changes asked for since longer ago than this are a copy of the list in all but name: the access log records them.
CHANGES_LOGGED_AFTER = timedelta(hours=1)
# How long after its event a copy may be kept on a device: then the scanner page deletes it.
KEPT_AFTER_EVENT = timedelta(days=1)


def token_hash(token: str) -> str:
    """What the list holds of a badge's token; the scanner page computes the same from what it scans."""
    return hashlib.sha256(token.encode()).hexdigest()[:HASH_HEX]


def admission_list(event: Event, checkpoint: Checkpoint, since: datetime | None = None, after: int = 0) -> dict:
    """The whole list (`since` None), or what changed since a copy made at `since` whose check-ins went up to id
    `after`: registrations changed, badges issued or revoked, check-ins made or undone."""
    now = utcnow()
    people = _people(event, since)
    badges = db.session.execute(
        select(Badge.token, Badge.participant_id, Badge.revoked_at).join(Participant)
        .where(Participant.event_id == event.id, Participant.erased_at.is_(None),
               *([or_(Badge.issued_at >= since, Badge.revoked_at >= since)] if since else []))).all()
    here = (CheckIn.event_id == event.id, CheckIn.checkpoint == checkpoint.key)
    # New check-ins: those after the copy's last id, and those whose scans came in since (PostgreSQL's ids are handed
    # out before commit: a lower one may commit after a higher one was sent).
    recent = CheckIn.id.in_(select(Scan.check_in_id).where(
        Scan.event_id == event.id, Scan.received_at >= since, Scan.check_in_id.is_not(None))) if since else None
    check_ins = db.session.execute(
        select(CheckIn.id, CheckIn.participant_id, CheckIn.checked_in_at, User.full_name, User.email,
               CheckinDevice.name)
        .outerjoin(User, User.id == CheckIn.staff_id).outerjoin(CheckinDevice, CheckinDevice.id == CheckIn.device_id)
        .where(*here, or_(CheckIn.id > after, recent) if recent is not None else CheckIn.id > after)
        .order_by(CheckIn.id)).all()
    # Undone here since: those who have no check-in here now (one undone, then made again, stays).
    undone = [] if since is None else list(db.session.scalars(
        select(Scan.participant_id).distinct().where(
            Scan.event_id == event.id, Scan.checkpoint == checkpoint.key, Scan.undone_at >= since,
            Scan.participant_id.is_not(None),
            ~select(CheckIn.id).where(*here, CheckIn.participant_id == Scan.participant_id).exists())))
    last = max([after, *(row.id for row in check_ins)])
    answer = {
        "event": event.slug, "checkpoint": checkpoint.key, "full": since is None, "made_at": now.isoformat(),
        "next": {"since": (now - OVERLAP).isoformat(), "after": last},
        "expires_at": (datetime.combine(event.ends_on, datetime.min.time(), now.tzinfo) + timedelta(days=1)
                       + KEPT_AFTER_EVENT).isoformat(),
        # [id, name, category, organization, region (ru), region (en), status]; an erased registration: [id]
        "people": people,
        # [token hash, participant id, revoked (0/1)]
        "badges": [[token_hash(token), participant_id, int(revoked_at is not None)]
                   for token, participant_id, revoked_at in badges],
        # [check-in id, participant id, when (UTC), by whom]; then the participants whose check-in here was undone
        "check_ins": [[row.id, row.participant_id, row.checked_in_at.isoformat(), row.full_name or row.email or
                       row.name or ""] for row in check_ins],
        "undone": undone,
    }
    if checkpoint.session is not None:  # who may come in: the note «not signed up for this session»
        answer["signed_up"] = list(db.session.scalars(select(SessionSignup.participant_id).where(
            SessionSignup.session_id == checkpoint.session.id, SessionSignup.status == SignupStatus.REGISTERED)))
    return answer


def _people(event: Event, since: datetime | None) -> list[list]:
    rows = db.session.execute(
        select(Participant.id, Participant.last_name, Participant.first_name, Participant.patronymic,
               Participant.category, Participant.organization, Participant.status, Participant.erased_at,
               FederalSubject.name_ru, FederalSubject.name_en, Country.name_ru, Country.name_en)
        .outerjoin(FederalSubject, FederalSubject.id == Participant.subject_id)
        .outerjoin(Country, Country.id == Participant.country_id)
        .where(Participant.event_id == event.id, *([Participant.updated_at >= since] if since else []))
        .order_by(Participant.id)).all()
    people = []
    for row in rows:
        if row.erased_at is not None:  # gone from the list (a copy that holds them drops them)
            if since is not None:
                people.append([row.id])
            continue
        name = " ".join(part for part in (row[1], row[2], row[3]) if part)
        people.append([row.id, name, row.category, row.organization, row[8] or row[10] or "",
                       row[9] or row[11] or "", row.status])
    return people
