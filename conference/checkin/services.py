"""What check-in does. One service for the scanner page, the API and (later) offline sync: a scan comes in, an
answer goes out, and both are recorded.

A scan is the busiest write of the conference (hundreds of badges in minutes, several scanners at once), so the
path of one scan is a handful of SQL statements rather than ORM objects: one read of the badge with its
participant, one insert of the arrival that the database refuses when it already exists, one insert of the audit
row that the database refuses when the nonce was seen. Exactly-once holds on SQLite and PostgreSQL alike,
because the unique constraints decide, not a read before the write."""

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from conference.accounts.models import User
from conference.agenda.models import AgendaSession, SessionSignup
from conference.badges.models import Badge
from conference.directories.models import Country, FederalSubject
from conference.events.models import Event
from conference.extensions import db
from conference.registration.models import Participant
from conference.timeutil import utcnow

from .models import ENTRANCE, CheckIn, CheckinDevice, Scan

UNDO_MINUTES = 5
# A scanner's own clock is believed within these bounds (an offline phone may send a scan hours later);
# outside them the time the server received the scan is recorded instead.
CLOCK_PAST = timedelta(days=7)
CLOCK_FUTURE = timedelta(minutes=5)
ADMITTED = ("checked_in", "already_checked_in")
REFUSED_STATUSES = {"cancelled": "registration_cancelled", "rejected": "registration_rejected",
                    "pending": "registration_pending"}
NOT_CHECKPOINTS = ("break",)  # nobody scans badges at a coffee break


class CheckinError(ValueError):
    """A request that cannot be a scan at all (no such checkpoint, no nonce): `reason` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# ---- checkpoints ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Checkpoint:
    key: str  # "entrance" or "session-<id>"
    session: AgendaSession | None = None

    @property
    def session_id(self) -> int | None:
        return self.session.id if self.session else None


def checkpoints(event: Event) -> list[Checkpoint]:
    """The entrance, then every session's door in program order."""
    sessions = db.session.scalars(select(AgendaSession).where(
        AgendaSession.event_id == event.id, AgendaSession.kind.not_in(NOT_CHECKPOINTS))
        .order_by(AgendaSession.starts_at, AgendaSession.id))
    return [Checkpoint(ENTRANCE)] + [Checkpoint(f"session-{session.id}", session) for session in sessions]


def find_checkpoint(event: Event, key: str) -> Checkpoint | None:
    if key == ENTRANCE:
        return Checkpoint(ENTRANCE)
    prefix, _, number = (key or "").partition("-")
    if prefix != "session" or not number.isdigit() or len(number) > 12:
        return None
    session = db.session.get(AgendaSession, int(number))
    if session is None or session.event_id != event.id or session.kind in NOT_CHECKPOINTS:
        return None
    return Checkpoint(key, session)


# ---- one scan ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scanner:
    """Who scans: a staff member signed in on the page, or a device with its API token (or both)."""

    staff_id: int | None = None
    device_id: int | None = None
    method: str = "api"


def normalize_token(value: str) -> str:
    """What a scanner typed, as a token: spaces and line ends dropped. Tokens are digits, which every keyboard
    layout types the same, so nothing else needs mapping back."""
    return "".join((value or "").split())[:64]


def _insert(table):
    """INSERT … ON CONFLICT DO NOTHING, in the dialect of the database in use."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _scan_time(scanned_at: datetime | None, received_at: datetime) -> datetime:
    if scanned_at is None:
        return received_at
    if scanned_at.tzinfo is None:
        scanned_at = scanned_at.replace(tzinfo=UTC)
    if received_at - CLOCK_PAST <= scanned_at <= received_at + CLOCK_FUTURE:
        return scanned_at
    return received_at


def check_in(event: Event, checkpoint: Checkpoint, scanner: Scanner, nonce: str, *, token: str | None = None,
             participant_id: int | None = None, scanned_at: datetime | None = None) -> dict:
    """Admit the holder of a badge (`token`) or, checking in by hand, a participant found by name. Returns the
    answer (see `answer` below), the same answer again for a nonce already seen."""
    nonce = (nonce or "").strip()
    if not nonce or len(nonce) > 64:
        raise CheckinError("invalid_nonce")
    received_at = utcnow()
    scanned_at = _scan_time(scanned_at, received_at)
    value = normalize_token(token) if token is not None else f"#{participant_id}"

    row = _holder(event, token=normalize_token(token) if token is not None else None, participant_id=participant_id)
    result, participant = _decide(event, row)
    first = None
    if result == "checked_in":
        check_in_id = db.session.execute(
            _insert(CheckIn).values(
                event_id=event.id, participant_id=participant["id"], checkpoint=checkpoint.key,
                session_id=checkpoint.session_id, checked_in_at=scanned_at, staff_id=scanner.staff_id,
                device_id=scanner.device_id)
            .on_conflict_do_nothing(index_elements=["participant_id", "checkpoint"])
            .returning(CheckIn.id)).scalar()
        if check_in_id is None:  # another scanner admitted this badge here first
            result = "already_checked_in"
        first = _check_in_details(participant["id"], checkpoint.key)
    reply = answer(result, checkpoint, participant, first)
    if checkpoint.session is not None and participant and result in ADMITTED:
        reply["signed_up"] = _signed_up(participant["id"], checkpoint.session.id)

    scan_id = db.session.execute(
        _insert(Scan).values(
            event_id=event.id, nonce=nonce, checkpoint=checkpoint.key, scanned_value=value, method=scanner.method,
            outcome=result, participant_id=participant["id"] if participant else None,
            check_in_id=first["id"] if result == "checked_in" else None, staff_id=scanner.staff_id,
            device_id=scanner.device_id, scanned_at=scanned_at, received_at=received_at,
            answer=json.dumps(reply, ensure_ascii=False))
        .on_conflict_do_nothing(index_elements=["event_id", "nonce"])
        .returning(Scan.id)).scalar()
    if scan_id is None:  # a retry of a scan already answered: forget this one (and its check-in), repeat that
        db.session.rollback()
        return repeated_answer(event, nonce)
    db.session.commit()
    return reply


def repeated_answer(event: Event, nonce: str) -> dict:
    stored = db.session.scalar(select(Scan.answer).where(Scan.event_id == event.id, Scan.nonce == nonce))
    reply = json.loads(stored)
    reply["repeated"] = True
    return reply


def _holder(event: Event, token: str | None, participant_id: int | None):
    """The badge (if scanned) and its holder, with the place names, in one query."""
    columns = (
        Participant.id, Participant.event_id, Participant.status, Participant.last_name, Participant.first_name,
        Participant.patronymic, Participant.category, Participant.organization, Participant.position,
        FederalSubject.name_ru.label("subject_ru"), FederalSubject.name_en.label("subject_en"),
        Country.name_ru.label("country_ru"), Country.name_en.label("country_en"),
    )
    if token is not None:
        query = select(Badge.revoked_at, *columns).join(Participant, Participant.id == Badge.participant_id) \
            .where(Badge.token == token)
    else:
        query = select(*columns).where(Participant.id == participant_id, Participant.event_id == event.id)
    query = query.outerjoin(FederalSubject, FederalSubject.id == Participant.subject_id) \
        .outerjoin(Country, Country.id == Participant.country_id)
    return db.session.execute(query).first()


def _decide(event: Event, row) -> tuple[str, dict | None]:
    if row is None:
        return "unknown_badge", None
    if row.event_id != event.id:  # nothing about another event's participant is told
        return "other_event", None
    participant = participant_summary(row, row.subject_ru or row.country_ru or "",
                                      row.subject_en or row.country_en or "")
    if getattr(row, "revoked_at", None) is not None:
        return "revoked_badge", participant
    if row.status in REFUSED_STATUSES:
        return REFUSED_STATUSES[row.status], participant
    return "checked_in", participant


def participant_summary(person, place_ru: str, place_en: str) -> dict:
    """What a scan's answer tells about the badge's holder (a Participant or a row with the same names)."""
    return {
        "id": person.id, "last_name": person.last_name, "first_name": person.first_name,
        "patronymic": person.patronymic, "category": person.category, "organization": person.organization,
        "position": person.position, "place_ru": place_ru, "place_en": place_en, "status": person.status,
    }


def _check_in_details(participant_id: int, checkpoint: str) -> dict:
    row = db.session.execute(
        select(CheckIn.id, CheckIn.checked_in_at, CheckIn.checkpoint, User.full_name, User.email,
               CheckinDevice.name.label("device"))
        .outerjoin(User, User.id == CheckIn.staff_id).outerjoin(CheckinDevice, CheckinDevice.id == CheckIn.device_id)
        .where(CheckIn.participant_id == participant_id, CheckIn.checkpoint == checkpoint)).one()
    return {"id": row.id, "at": row.checked_in_at.isoformat(), "checkpoint": row.checkpoint,
            "staff": row.full_name or row.email or "", "device": row.device or ""}


def _signed_up(participant_id: int, session_id: int) -> bool:
    return db.session.scalar(select(SessionSignup.status).where(
        SessionSignup.participant_id == participant_id, SessionSignup.session_id == session_id)) == "registered"


def answer(result: str, checkpoint: Checkpoint, participant: dict | None, check_in: dict | None) -> dict:
    """The answer to a scan, as stored for a repeated nonce and sent (with messages added) to the scanner.
    For "already_checked_in", `check_in` is the first one: when, where and by whom."""
    reply = {"result": result, "checkpoint": checkpoint.key, "participant": participant}
    if check_in is not None:
        reply["check_in"] = check_in
    return reply


# ---- undo -------------------------------------------------------------------------------------------------

def undo(event: Event, check_in_id: int, scanner: Scanner, may_undo_any: bool) -> str:
    """Takes back a check-in made by mistake, within UNDO_MINUTES of the scan that made it. The staff member or
    device that made it may, and organizers may (`may_undo_any`). Returns "undone", "not_found", "forbidden"
    or "too_late"."""
    check_in = db.session.get(CheckIn, check_in_id)
    if check_in is None or check_in.event_id != event.id:
        return "not_found"
    own = (scanner.staff_id is not None and check_in.staff_id == scanner.staff_id) or \
        (scanner.device_id is not None and check_in.device_id == scanner.device_id)
    if not (own or may_undo_any):
        return "forbidden"
    scan = db.session.scalar(select(Scan).where(Scan.check_in_id == check_in.id, Scan.outcome == "checked_in"))
    made_at = scan.received_at if scan else check_in.checked_in_at
    if utcnow() - made_at > timedelta(minutes=UNDO_MINUTES):
        return "too_late"
    if scan is not None:
        scan.undone_at = utcnow()
        scan.undone_by_id = scanner.staff_id
    db.session.execute(delete(CheckIn).where(CheckIn.id == check_in.id))
    db.session.commit()
    return "undone"


# ---- devices ----------------------------------------------------------------------------------------------

DEVICE_TOKEN_PREFIX = "ckd_"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_device(event: Event, name: str, user: User | None) -> tuple[CheckinDevice, str]:
    """A new device and its token, which is shown once: only its hash is kept."""
    token = DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(32)
    device = CheckinDevice(event_id=event.id, name=name.strip()[:100], token_hash=_token_hash(token),
                           created_by_id=user.id if user else None)
    db.session.add(device)
    db.session.commit()
    return device, token


def revoke_device(device: CheckinDevice) -> None:
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        db.session.commit()


def device_for_token(token: str) -> CheckinDevice | None:
    """The device a bearer token belongs to, if it is one of ours and not revoked."""
    if not token.startswith(DEVICE_TOKEN_PREFIX) or len(token) > 100:
        return None
    device = db.session.scalar(select(CheckinDevice).where(CheckinDevice.token_hash == _token_hash(token)))
    return device if device is not None and device.revoked_at is None else None


def devices_of(event: Event) -> list[tuple[CheckinDevice, datetime | None, int]]:
    """Every device of the event with its last scan and number of scans."""
    last = select(Scan.device_id, func.max(Scan.received_at).label("last"), func.count().label("scans")) \
        .where(Scan.event_id == event.id).group_by(Scan.device_id).subquery()
    rows = db.session.execute(
        select(CheckinDevice, last.c.last, last.c.scans).outerjoin(last, last.c.device_id == CheckinDevice.id)
        .where(CheckinDevice.event_id == event.id).order_by(CheckinDevice.created_at.desc()))
    return [(device, when, scans or 0) for device, when, scans in rows]


# ---- finding people by hand and recent scans ---------------------------------------------------------------

def recent_scans(event: Event, user: User, limit: int = 10) -> list[Scan]:
    return list(db.session.scalars(select(Scan).where(Scan.event_id == event.id, Scan.staff_id == user.id)
                                   .order_by(Scan.received_at.desc(), Scan.id.desc()).limit(limit)))


def checked_in_ids(event: Event, checkpoint: str, participant_ids: list[int]) -> dict[int, CheckIn]:
    return {row.participant_id: row for row in db.session.scalars(select(CheckIn).where(
        CheckIn.event_id == event.id, CheckIn.checkpoint == checkpoint,
        CheckIn.participant_id.in_(participant_ids)))}


# ---- live arrivals ----------------------------------------------------------------------------------------

def expected_at(event: Event, checkpoint: Checkpoint) -> int:
    """Who is expected: confirmed participants at the entrance, registered sign-ups at a session's door."""
    if checkpoint.session is None:
        return db.session.scalar(select(func.count()).select_from(Participant).where(
            Participant.event_id == event.id, Participant.status == "confirmed")) or 0
    return db.session.scalar(select(func.count()).select_from(SessionSignup).join(Participant).where(
        SessionSignup.session_id == checkpoint.session.id, SessionSignup.status == "registered",
        Participant.status == "confirmed")) or 0


def arrivals(event: Event, bucket_minutes: int = 15) -> dict:
    """Checked in against expected for every checkpoint, and the entrance's arrivals per `bucket_minutes`
    (UTC bucket starts, as ISO strings)."""
    counts = dict(db.session.execute(select(CheckIn.checkpoint, func.count()).where(
        CheckIn.event_id == event.id).group_by(CheckIn.checkpoint)).all())
    points = [{"key": point.key, "session": point.session, "checked_in": counts.get(point.key, 0),
               "expected": expected_at(event, point)} for point in checkpoints(event)]
    times = db.session.scalars(select(CheckIn.checked_in_at).where(
        CheckIn.event_id == event.id, CheckIn.checkpoint == ENTRANCE).order_by(CheckIn.checked_in_at))
    buckets: dict[datetime, int] = {}
    step = bucket_minutes * 60
    for moment in times:
        start = datetime.fromtimestamp(int(moment.timestamp()) // step * step, UTC)
        buckets[start] = buckets.get(start, 0) + 1
    refused = db.session.scalar(select(func.count()).select_from(Scan).where(
        Scan.event_id == event.id, Scan.outcome.not_in(ADMITTED))) or 0
    return {"checkpoints": points, "buckets": sorted(buckets.items()), "refused": refused}

