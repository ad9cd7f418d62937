"""What check-in does. One service for the scanner page, the API and (later) offline sync: a scan comes in, an
answer goes out, and both are recorded.

A scan is the busiest write of the conference (hundreds of badges in minutes, several scanners at once), so the
path of one scan is a handful of SQL statements rather than ORM objects: one read of the badge with its
participant, one insert of the arrival that the database refuses when it already exists, one insert of the audit
row that the database refuses when the nonce was seen. Exactly-once holds on SQLite and PostgreSQL alike,
because the unique constraints decide, not a read before the write."""

import fcntl
import hashlib
import json
import logging
import os
import secrets
import threading
from collections import namedtuple
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache, wraps
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, func, null, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload
from sqlalchemy.pool import SingletonThreadPool, StaticPool

from conference.accounts.models import User
from conference.agenda.models import AgendaSession, SessionSignup, SignupStatus
from conference.badges.models import Badge
from conference.directories.models import Country, FederalSubject
from conference.events.models import Event
from conference.extensions import db
from conference.registration.models import Participant, RegistrationStatus
from conference.timeutil import interval_number, utcnow

from .models import ENTRANCE, CheckIn, CheckinDevice, Scan, ScanOutcome

log = logging.getLogger(__name__)
UNDO_MINUTES = 5
# A scanner's own clock is believed within these bounds (an offline phone may send a scan hours later);
# outside them the time the server received the scan is recorded instead.
CLOCK_PAST = timedelta(days=7)
CLOCK_FUTURE = timedelta(minutes=5)
ADMITTED = (ScanOutcome.CHECKED_IN, ScanOutcome.ALREADY_CHECKED_IN, ScanOutcome.OFFLINE_CONFLICT)
REFUSED_STATUSES = {RegistrationStatus.CANCELLED: ScanOutcome.REGISTRATION_CANCELLED,
                    RegistrationStatus.REJECTED: ScanOutcome.REGISTRATION_REJECTED,
                    RegistrationStatus.PENDING: ScanOutcome.REGISTRATION_PENDING}
NOT_CHECKPOINTS = ("break",)  # nobody scans badges at a coffee break


class CheckinError(ValueError):
    """A scan that cannot be answered: `reason` says why (invalid_nonce, nonce_reused, conflict)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _reconnecting(function):
    """A call on the scan path runs once more, on a new connection, when the kept one turns out dead: its server
    closed it (PostgreSQL restarted, failed over, or ended an idle connection), as SQLAlchemy's pool would have
    found by pinging it before handing it out. Running again is safe: nothing is committed on a dead connection,
    and a scan whose commit did reach the server is known again by its nonce."""

    @wraps(function)
    def call(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except Exception as error:
            held = getattr(_held, "connection", None)
            if held is None or not isinstance(error, held.engine.dialect.loaded_dbapi.Error) \
                    or not held.engine.dialect.is_disconnect(error, held.connection, None):
                raise
            log.warning("scan connection lost (%s); scanning again on a new one", error)
            _forget(held)
            return function(*args, **kwargs)

    return call


# ---- the event and the device of an API call ---------------------------------------------------------------

@dataclass(frozen=True)
class EventRef:
    """What a scan needs of its event, read in one small query (an API call does not need the whole row)."""

    id: int
    slug: str
    timezone: str


@_reconnecting
def event_ref(slug: str) -> EventRef | None:
    with _scan_statements() as (cursor, sql):
        row = sql.event.run(cursor, {"slug": slug})
    return EventRef(*row) if row else None


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
    # Only the canonical spelling: «session-07» or other digits than ASCII would be a second key for the same
    # door, and the unique (participant, checkpoint) key would no longer stop a second check-in.
    if prefix != "session" or not (number.isascii() and number.isdigit()) or number != str(int(number)) \
            or len(number) > 12:
        return None
    session = db.session.get(AgendaSession, int(number))
    if session is None or session.event_id != event.id or session.kind in NOT_CHECKPOINTS:
        return None
    return Checkpoint(f"session-{session.id}", session)


# ---- one scan ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scanner:
    """Who scans: a staff member signed in on the page, or a device with its API token (or both); the names
    are what an "already checked in" answer tells later scanners."""

    staff_id: int | None = None
    device_id: int | None = None
    method: str = "api"
    staff_name: str = ""
    device_name: str = ""


def normalize_token(value: str) -> str:
    """What a scanner typed, as a token: spaces and line ends dropped. Tokens are digits, which every keyboard
    layout types the same, so nothing else needs mapping back."""
    return "".join((value or "").split())[:64]


def _scan_time(scanned_at: datetime | None, received_at: datetime) -> datetime:
    if scanned_at is None:
        return received_at
    if scanned_at.tzinfo is None:
        scanned_at = scanned_at.replace(tzinfo=UTC)
    if received_at - CLOCK_PAST <= scanned_at <= received_at + CLOCK_FUTURE:
        return scanned_at
    return received_at


class DriverStatement:
    """A statement compiled once for the database in use and run on the driver's own cursor. On the path of a
    scan SQLAlchemy's work around each execution costs several times what SQLite takes to run the statement
    (about 60 µs against 15), so the scan path pays it once. SQLAlchemy still writes the SQL (in the dialect of
    the database) and converts the values (the column types' own bind and result processors)."""

    def __init__(self, statement, dialect, columns: tuple[str, ...] | None = None):
        compiled = statement.compile(dialect=dialect, column_keys=list(columns) if columns else None)
        self.sql = compiled.string
        self.positions = list(compiled.positiontup) if compiled.positional else None
        self.bind_processors = {name: processor for name, bind in compiled.binds.items()
                                if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None}
        selected = list(statement.exported_columns)  # a SELECT's columns, or what an INSERT returns
        self.row = namedtuple("Row", [column.key for column in selected])
        self.result_processors = [column.type.dialect_impl(dialect).result_processor(dialect, None)
                                  for column in selected]

    def run(self, cursor, values: dict):
        """Executes; returns the first row (processed), or None."""
        for name, processor in self.bind_processors.items():
            if name in values:
                values[name] = processor(values[name])
        cursor.execute(self.sql, [values[name] for name in self.positions] if self.positions is not None else values)
        row = cursor.fetchone()
        if row is None:
            return None
        return self.row(*(processor(value) if processor else value
                          for processor, value in zip(self.result_processors, row, strict=True)))


@cache
def _statements(dialect) -> SimpleNamespace:
    """The statements of one scan, compiled once per database dialect. The inserts are INSERT … ON CONFLICT
    DO NOTHING, which SQLite and PostgreSQL spell alike."""
    insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    badge, person = Badge.__table__, Participant.__table__
    subject, country = FederalSubject.__table__, Country.__table__
    check_in, scan, user, device = CheckIn.__table__, Scan.__table__, User.__table__, CheckinDevice.__table__
    holder = select(
        person.c.id, person.c.event_id, person.c.status, person.c.last_name, person.c.first_name,
        person.c.patronymic, person.c.category, person.c.organization, person.c.position,
        subject.c.name_ru.label("subject_ru"), subject.c.name_en.label("subject_en"),
        country.c.name_ru.label("country_ru"), country.c.name_en.label("country_en"))
    places = holder.outerjoin_from(person, subject, subject.c.id == person.c.subject_id) \
        .outerjoin(country, country.c.id == person.c.country_id)
    check_in_columns = ("event_id", "participant_id", "checkpoint", "session_id", "checked_in_at", "staff_id",
                        "device_id")
    scan_columns = ("event_id", "nonce", "checkpoint", "scanned_value", "method", "outcome", "participant_id",
                    "check_in_id", "staff_id", "device_id", "scanned_at", "received_at", "answer")
    statements = {
        "event": select(Event.__table__.c.id, Event.__table__.c.slug, Event.__table__.c.timezone)
        .where(Event.__table__.c.slug == bindparam("slug")),
        "device": select(device.c.id, device.c.name, device.c.event_id, Event.__table__.c.slug,
                         Event.__table__.c.timezone)
        .join_from(device, Event.__table__, Event.__table__.c.id == device.c.event_id)
        .where(device.c.token_hash == bindparam("token_hash"), device.c.revoked_at.is_(None)),
        "badge_holder": places.add_columns(badge.c.revoked_at).join(badge, badge.c.participant_id == person.c.id)
        .where(badge.c.token == bindparam("token")),
        "holder": places.add_columns(null().label("revoked_at")).where(
            person.c.id == bindparam("participant_id"), person.c.event_id == bindparam("event_id")),
        "first_check_in": select(check_in.c.id, check_in.c.checked_in_at, check_in.c.checkpoint, user.c.full_name,
                                 user.c.email, device.c.name.label("device"))
        .outerjoin_from(check_in, user, user.c.id == check_in.c.staff_id)
        .outerjoin(device, device.c.id == check_in.c.device_id)
        .where(check_in.c.participant_id == bindparam("participant_id"),
               check_in.c.checkpoint == bindparam("checkpoint")),
        "signed_up": select(SessionSignup.__table__.c.status).where(
            SessionSignup.__table__.c.participant_id == bindparam("participant_id"),
            SessionSignup.__table__.c.session_id == bindparam("session_id")),
        "stored_answer": select(scan.c.answer, scan.c.scanned_value, scan.c.checkpoint, scan.c.participant_id).where(
            scan.c.event_id == bindparam("event_id"), scan.c.nonce == bindparam("nonce")),
    }
    compiled = {name: DriverStatement(statement, dialect) for name, statement in statements.items()}
    compiled["insert_check_in"] = DriverStatement(
        insert(check_in).on_conflict_do_nothing(index_elements=["participant_id", "checkpoint"])
        .returning(check_in.c.id), dialect, check_in_columns)
    compiled["move_check_in"] = DriverStatement(
        update(check_in).where(check_in.c.id == bindparam("check_in_id"))
        .values(checked_in_at=bindparam("checked_in_at"), staff_id=bindparam("staff_id"),
                device_id=bindparam("device_id")).returning(check_in.c.id), dialect)
    compiled["insert_scan"] = DriverStatement(
        insert(scan).on_conflict_do_nothing(index_elements=["event_id", "nonce"]).returning(scan.c.id), dialect,
        scan_columns)
    return SimpleNamespace(**compiled)


@contextmanager
def _scan_statements(held: "_HeldConnection | None" = None):
    """A cursor of the scan path's connection and the scan statements. The cursor is closed whatever happens; a
    failed statement leaves the transaction to the teardown, which rolls it back."""
    held = held or _held_connection()
    cursor = held.connection.cursor()
    try:
        yield cursor, held.statements
    finally:
        cursor.close()


@dataclass
class _HeldConnection:
    engine: object
    pid: int
    pooled: object  # SQLAlchemy's wrapper, detached from the pool (unless shared): closing it closes the connection
    connection: object  # the driver's own connection, which the scan path uses
    statements: SimpleNamespace
    copies_own_log: bool = False  # SQLite: copies its log into the database after answering (see below)
    commits_unchecked: int = 0  # its commits since it last did


_held = threading.local()
_inherited = []  # connections a forked process found held by its parent: never used, never closed here


def one_shared_connection(engine) -> bool:
    """An in-memory SQLite database: one connection everybody shares (tests), no file, no log to copy."""
    return isinstance(engine.pool, (StaticPool, SingletonThreadPool))


def _held_connection() -> _HeldConnection:
    """This thread's connection for scans, opened on its first scan and kept (see scan_connection)."""
    engine = db.engine
    held = getattr(_held, "connection", None)
    if held is not None and held.engine is engine and held.pid == os.getpid():
        return held
    if held is not None:
        if held.pid != os.getpid():
            _inherited.append(held)  # closing it here would close the parent's connection to PostgreSQL
        else:
            _forget(held)  # another app's (a test's)
    pooled = engine.raw_connection()
    # An in-memory SQLite database is one connection that everybody shares (the pool hands out the same one):
    # taken away from the pool, the app's other queries would open a new, empty database.
    shared = one_shared_connection(engine)
    if not shared:
        pooled.detach()  # ours for the thread's lifetime: the pool neither resets nor counts it
    connection = pooled.dbapi_connection
    if engine.dialect.name == "sqlite" and not shared:
        # SQLite throws away a connection's page cache whenever another process has written, which on the morning
        # of the conference is before nearly every scan; the app's other connections keep 64 MB (and a memory
        # map of the file) for long lists, and dropping that costs a scan about 0.1 ms. A scan reads a few pages.
        connection.execute("PRAGMA cache_size=-2000")
        connection.execute("PRAGMA mmap_size=0")
        # SQLite copies its write-ahead log back into the database (a checkpoint, with an fsync) inside the commit
        # that makes the log pass 1,000 pages, and that scan waits for it: at 200 scans a second one in a hundred
        # took 15 ms more. Done after the answer in the same worker, it still cost the next scans 3 ms at p99. So a
        # scan's connection never does it: the job consumer does (checkin/tasks.py), and a worker without one only
        # after many scans, once its answer has gone out (copy_log_after_answer).
        connection.execute("PRAGMA wal_autocheckpoint=0")
    elif engine.dialect.name == "postgresql":
        # A scan's commit does not wait for PostgreSQL's disk flush (about 1.5 ms of its 5): what a crash of the
        # database server may lose is the last half second of scans, never its consistency; as on SQLite, where
        # the app's synchronous=NORMAL loses the same on a power cut. The rest of the app waits for the flush.
        connection.execute("SET synchronous_commit = off")
        connection.commit()
    held = _held.connection = _HeldConnection(engine, os.getpid(), pooled, connection, _statements(engine.dialect),
                                              copies_own_log=engine.dialect.name == "sqlite" and not shared)
    return held


# With no consumer running, a worker's scans copy the log after this many of its commits: with 4 workers the log
# then stays under about 20,000 pages (80 MB). With the consumer copying it (checkin/tasks.py) it finds little.
COMMITS_PER_LOG_COPY = 500


def log_copy_due() -> bool:
    """Whether this thread's scans have written enough to the log to copy it after the answer."""
    held = getattr(_held, "connection", None)
    return held is not None and held.copies_own_log and held.commits_unchecked >= COMMITS_PER_LOG_COPY


def copy_log_into_database(connection) -> None:
    """Copies the log into the database without waiting for, or blocking, readers and writers (PASSIVE)."""
    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


def copy_log_after_answer() -> None:
    """A worker's own copy of the log, once the answer has gone out (Response.call_on_close), so no scanner waits
    for it."""
    held = getattr(_held, "connection", None)
    if held is None or held.pid != os.getpid() or not held.copies_own_log:
        return
    held.commits_unchecked = 0
    try:
        copy_log_into_database(held.connection)
    except held.engine.dialect.loaded_dbapi.Error:  # busy or gone: the next one copies what this one left
        log.warning("copying the log after a scan failed", exc_info=True)


def scan_connection():
    """The driver's connection a scan uses: one per thread (a gunicorn worker's one), kept from request to request
    past SQLAlchemy's pool, whose checking out and in would cost about 0.1 ms on a path of 0.5. Its transactions
    are its own: a scan commits or rolls back on it, and end_scan_transaction rolls back whatever a request left
    open. So a scan must not follow unsaved changes of the ORM session in the same app context: it would not see
    them, and on SQLite it would wait for their write lock."""
    return _held_connection().connection


def _forget(held: _HeldConnection) -> None:
    """Closes a kept connection, which may be dead already (its server restarted, its test database dropped)."""
    if getattr(_held, "connection", None) is held:
        _held.connection = None
    with suppress(Exception):
        held.pooled.close()


def end_scan_transaction(_error=None) -> None:
    """At the end of every app context (registered in create_app): whatever the scan connection left open is
    rolled back (a read on PostgreSQL opens a transaction), so that no request inherits another's. (The app
    never nests app contexts; an inner one's end would roll back the outer one's scan.)"""
    held = getattr(_held, "connection", None)
    if held is None or held.pid != os.getpid():
        return
    try:
        held.connection.rollback()  # without a round trip when nothing is open (sqlite3 and psycopg alike)
    except held.engine.dialect.loaded_dbapi.Error:
        log.warning("scan connection lost; the next scan opens a new one", exc_info=True)
        _forget(held)


@_reconnecting
def check_in(event: Event, checkpoint: Checkpoint, scanner: Scanner, nonce: str, *, token: str | None = None,
             participant_id: int | None = None, scanned_at: datetime | None = None,
             admitted_offline: bool = False, refused_offline: str | None = None) -> dict:
    """Admit the holder of a badge (`token`) or, checking in by hand, a participant found by name. Returns the
    answer (see `answer` below), the same answer again for a nonce already seen with the same scan. `event` is
    an Event or an EventRef: only its id is used.

    `admitted_offline`: a scanner without network let the holder in on its own list (conference/checkin/offline.py)
    and sends the scan now. Should another scanner have admitted the badge here too, both let the person in: the
    earlier check-in is kept (this one's time, scanner and device, if it was the earlier) and the scan is recorded
    as a conflict (ScanOutcome.OFFLINE_CONFLICT), never folded into an «already checked in». `refused_offline`:
    such a scanner turned the holder away (with that result): the scan records what the door did, and admits
    nobody after the fact."""
    nonce = (nonce or "").strip()
    if not nonce or len(nonce) > 64:
        raise CheckinError("invalid_nonce")
    received_at = utcnow()
    scanned_at = _scan_time(scanned_at, received_at)
    value = normalize_token(token) if token is not None else f"#{participant_id}"
    held = _held_connection()
    with _scan_statements(held) as (cursor, sql):
        # Everything is read and decided before the first write, so that SQLite's write lock is held only for
        # the two inserts and the commit.
        if token is not None:
            row = sql.badge_holder.run(cursor, {"token": value})
        else:
            row = sql.holder.run(cursor, {"participant_id": participant_id, "event_id": event.id})
        result, participant = _decide(event, row)
        if refused_offline is not None and result == ScanOutcome.CHECKED_IN:
            result = refused_offline  # (a badge issued after the scanner's last copy, say)
        signed_up = None
        if checkpoint.session is not None and participant is not None and result == ScanOutcome.CHECKED_IN:
            status = sql.signed_up.run(cursor, {"participant_id": participant["id"],
                                                "session_id": checkpoint.session.id})
            signed_up = status is not None and status.status == SignupStatus.REGISTERED
        with _one_writer_at_a_time(held):
            details = _admit(cursor, sql, event, checkpoint, scanner, participant["id"], scanned_at) \
                if result == ScanOutcome.CHECKED_IN else None
            if details is not None and details.pop("first", False):
                result = ScanOutcome.ALREADY_CHECKED_IN  # another scanner admitted this badge here first
                if admitted_offline:
                    result = ScanOutcome.OFFLINE_CONFLICT
                    details = _keep_earlier(cursor, sql, details, scanner, scanned_at)
            reply = answer(result, checkpoint, participant, details)
            if signed_up is not None:
                reply["signed_up"] = signed_up
            recorded = sql.insert_scan.run(cursor, {
                "event_id": event.id, "nonce": nonce, "checkpoint": checkpoint.key, "scanned_value": value,
                "method": scanner.method, "outcome": result,
                "participant_id": participant["id"] if participant else None,
                "check_in_id": details["id"] if result == ScanOutcome.CHECKED_IN else None,
                "staff_id": scanner.staff_id,
                "device_id": scanner.device_id, "scanned_at": scanned_at, "received_at": received_at,
                "answer": stored_answer(reply)})
            if recorded is None:  # the nonce was seen: forget this scan (and its check-in)
                held.connection.rollback()
            else:
                held.connection.commit()
                held.commits_unchecked += 1
    if recorded is None:  # answer as the first time
        return repeated_answer(event, nonce, checkpoint.key, value)
    return reply


_writers_here = threading.Lock()
_lock_file = None  # (process, engine, open lock file) of the SQLite writers' queue


@contextmanager
def _one_writer_at_a_time(held: _HeldConnection):
    """A scan's writes, from its first insert to its commit. A failure on the way rolls the transaction back at
    once, so that it never holds the database for the writers queued behind it.

    On SQLite, scans write one after another, queued by the operating system. SQLite itself lets one connection
    write at a time and makes the others poll: a writer that finds the database locked sleeps 1 ms, then 2, 5,
    10 … before it tries again, so with several scanners a scan could wait many times longer than the lock is
    held (about 0.2 ms). A lock on a file beside the database (flock), taken by each process's writers in turn,
    wakes the next writer the moment it is released. SQLite's own lock still decides what is written;
    PostgreSQL locks rows and needs none of this."""
    queued = held.engine.dialect.name == "sqlite"
    if queued:
        _writers_here.acquire()
    try:
        lock = _sqlite_lock_file(held) if queued else None
        if lock is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        except BaseException:
            with suppress(held.engine.dialect.loaded_dbapi.Error):  # a dead connection: its own error says more
                held.connection.rollback()
            raise
        finally:
            if lock is not None:
                fcntl.flock(lock, fcntl.LOCK_UN)
    finally:
        if queued:
            _writers_here.release()


def _sqlite_lock_file(held: _HeldConnection):
    """This process's lock file for the database (called with _writers_here held), or None for an in-memory
    database. Per process, since a descriptor inherited through fork would be one and the same lock in every
    worker; the file's path comes from SQLite itself, whatever the spelling of the URL."""
    global _lock_file
    key = (os.getpid(), held.engine)
    if _lock_file is None or _lock_file[:2] != key:
        if _lock_file is not None and _lock_file[0] == os.getpid() and _lock_file[2] is not None:
            _lock_file[2].close()
        database = next(row[2] for row in held.connection.execute("PRAGMA database_list") if row[1] == "main")
        _lock_file = (*key, open(f"{database}.scan-lock", "a") if database else None)  # noqa: SIM115
    return _lock_file[2]


def _admit(cursor, sql, event, checkpoint: Checkpoint, scanner: Scanner, participant_id: int,
           scanned_at: datetime) -> dict:
    """Inserts the check-in unless the database already holds one for this person and checkpoint. Returns the
    new check-in's details, or the first one's marked with "first"."""
    for _attempt in range(2):  # the first one may be undone between our insert and our read: then insert again
        inserted = sql.insert_check_in.run(cursor, {
            "event_id": event.id, "participant_id": participant_id, "checkpoint": checkpoint.key,
            "session_id": checkpoint.session_id, "checked_in_at": scanned_at, "staff_id": scanner.staff_id,
            "device_id": scanner.device_id})
        if inserted is not None:
            return {"id": inserted.id, "at": scanned_at.isoformat(), "checkpoint": checkpoint.key,
                    "staff": scanner.staff_name, "device": scanner.device_name}
        first = sql.first_check_in.run(cursor, {"participant_id": participant_id, "checkpoint": checkpoint.key})
        if first is not None:
            return {"id": first.id, "at": first.checked_in_at.isoformat(), "checkpoint": first.checkpoint,
                    "staff": first.full_name or first.email or "", "device": first.device or "", "first": True}
    raise CheckinError("conflict")


def _keep_earlier(cursor, sql, first: dict, scanner: Scanner, scanned_at: datetime) -> dict:
    """Of two admissions of one badge at one checkpoint, the check-in keeps the earlier: this scan's, if the other
    scanner's was later. Returns the other admission, which the conflict's answer names."""
    if scanned_at < datetime.fromisoformat(first["at"]):
        sql.move_check_in.run(cursor, {"check_in_id": first["id"], "checked_in_at": scanned_at,
                                       "staff_id": scanner.staff_id, "device_id": scanner.device_id})
    return first


def stored_answer(reply: dict) -> str:
    """The answer as the audit trail keeps it: without the person's details, which stay in one place (the
    participant's row) and are looked up again when the answer is repeated."""
    return json.dumps({key: value for key, value in reply.items() if key != "participant"}, ensure_ascii=False)


def repeated_answer(event: Event, nonce: str, checkpoint: str, value: str) -> dict:
    """The stored answer to a nonce already seen, when it was the same scan (same code, same checkpoint). A
    nonce reused for another scan is a client's mistake: answering it with somebody else's green would let a
    person in on another's badge, so it is refused."""
    with _scan_statements() as (cursor, sql):
        stored = sql.stored_answer.run(cursor, {"event_id": event.id, "nonce": nonce})
        if (stored.scanned_value, stored.checkpoint) != (value, checkpoint):
            raise CheckinError("nonce_reused")
        holder = sql.holder.run(cursor, {"participant_id": stored.participant_id, "event_id": event.id}) \
            if stored.participant_id is not None else None
    reply = json.loads(stored.answer)
    reply["participant"] = _decide(event, holder)[1] if holder is not None else None
    reply["repeated"] = True
    return reply


def _decide(event: Event, row) -> tuple[str, dict | None]:
    if row is None:
        return ScanOutcome.UNKNOWN_BADGE, None
    if row.event_id != event.id:  # nothing about another event's participant is told
        return ScanOutcome.OTHER_EVENT, None
    participant = participant_summary(row, row.subject_ru or row.country_ru or "",
                                      row.subject_en or row.country_en or "")
    if row.revoked_at is not None:
        return ScanOutcome.REVOKED_BADGE, participant
    if row.status in REFUSED_STATUSES:
        return REFUSED_STATUSES[row.status], participant
    return ScanOutcome.CHECKED_IN, participant


def participant_summary(person, place_ru: str, place_en: str) -> dict:
    """What a scan's answer tells about the badge's holder (a Participant or a row with the same names)."""
    return {
        "id": person.id, "last_name": person.last_name, "first_name": person.first_name,
        "patronymic": person.patronymic, "category": person.category, "organization": person.organization,
        "position": person.position, "place_ru": place_ru, "place_en": place_en, "status": person.status,
    }


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
    scan = db.session.scalar(select(Scan).where(Scan.check_in_id == check_in.id,
                                                Scan.outcome == ScanOutcome.CHECKED_IN))
    made_at = scan.received_at if scan else check_in.checked_in_at
    if utcnow() - made_at > timedelta(minutes=UNDO_MINUTES):
        return "too_late"
    if scan is not None:
        scan.undone_at = utcnow()
        scan.undone_by_id = scanner.staff_id
        scan.undone_by_device_id = scanner.device_id
    db.session.execute(delete(CheckIn).where(CheckIn.id == check_in.id))
    db.session.flush()
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
    db.session.flush()
    return device, token


PAIRING_MINUTES = 10


def start_pairing(device: CheckinDevice) -> str:
    """A one-time code that makes a phone this device (pair), valid for PAIRING_MINUTES: the organizer shows it as a
    QR code, the phone opens its link. Only its hash is kept; a new code replaces the one before."""
    code = secrets.token_urlsafe(24)
    device.pairing_hash, device.pairing_expires_at = _token_hash(code), utcnow() + timedelta(minutes=PAIRING_MINUTES)
    db.session.flush()
    return code


def pair(code: str) -> tuple[CheckinDevice, str] | None:
    """The device a pairing code was made for, with a new token for the phone that brings it (the code works once);
    None for a code unknown, used, expired, or of a revoked device."""
    if not code or len(code) > 100:
        return None
    code_hash = _token_hash(code)
    device = db.session.scalar(select(CheckinDevice).where(CheckinDevice.pairing_hash == code_hash))
    if device is None or device.revoked_at is not None or device.pairing_expires_at < utcnow():
        return None
    token = DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(32)
    # Taken on the condition that the code is still there: of two phones bringing it at once, one gets the device.
    taken = db.session.execute(
        update(CheckinDevice).where(CheckinDevice.id == device.id, CheckinDevice.pairing_hash == code_hash)
        .values(token_hash=_token_hash(token), pairing_hash=None, pairing_expires_at=None)
        .execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        return None
    db.session.refresh(device)
    return device, token


def revoke_device(device: CheckinDevice) -> None:
    if device.revoked_at is None:
        device.revoked_at, device.pairing_hash = utcnow(), None
        db.session.flush()


@dataclass(frozen=True)
class DeviceRef:
    id: int
    name: str
    event: EventRef


@_reconnecting
def device_for_token(token: str) -> DeviceRef | None:
    """The device a bearer token belongs to, if it is one of ours and not revoked, with its event (one query,
    which is all a device's scan needs to know who calls and where)."""
    if not token.startswith(DEVICE_TOKEN_PREFIX) or len(token) > 100:
        return None
    with _scan_statements() as (cursor, sql):
        row = sql.device.run(cursor, {"token_hash": _token_hash(token)})
    return DeviceRef(row.id, row.name, EventRef(row.event_id, row.slug, row.timezone)) if row else None


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
                                   .options(joinedload(Scan.participant))
                                   .order_by(Scan.received_at.desc(), Scan.id.desc()).limit(limit)))


def arrivals_of(participant: Participant) -> list[CheckIn]:
    """Where and when the participant was admitted, and by whom (a staff member or a device)."""
    return list(db.session.scalars(select(CheckIn).where(CheckIn.participant_id == participant.id)
                                   .options(joinedload(CheckIn.session), joinedload(CheckIn.staff),
                                            joinedload(CheckIn.device)).order_by(CheckIn.checked_in_at)))


def check_ins_at(event: Event, checkpoint: str, participant_ids: list[int]) -> dict[int, CheckIn]:
    """The check-ins of these participants at one checkpoint, by participant id."""
    return {row.participant_id: row for row in db.session.scalars(select(CheckIn).where(
        CheckIn.event_id == event.id, CheckIn.checkpoint == checkpoint,
        CheckIn.participant_id.in_(participant_ids)))}


# ---- live arrivals ----------------------------------------------------------------------------------------

def expected_at(event: Event, checkpoint: Checkpoint) -> int:
    """Who is expected: confirmed participants at the entrance, registered sign-ups at a session's door."""
    if checkpoint.session is None:
        return db.session.scalar(select(func.count()).select_from(Participant).where(
            Participant.event_id == event.id, Participant.status == RegistrationStatus.CONFIRMED)) or 0
    return db.session.scalar(select(func.count()).select_from(SessionSignup).join(Participant).where(
        SessionSignup.session_id == checkpoint.session.id, SessionSignup.status == SignupStatus.REGISTERED,
        Participant.status == RegistrationStatus.CONFIRMED)) or 0


ARRIVAL_MINUTES = 15
# At most so many hours marked on a day's axis (every hour, else every 2, 3, … hours): a chart as wide as the page
# or the dashboard holds that many «HH:MM» labels well apart, however many days and hours it shows.
ARRIVAL_LABELS = 12


@dataclass(frozen=True)
class ArrivalDay:
    """A day of arrivals at the entrance, in the event's time zone, as its chart draws it: a count per
    ARRIVAL_MINUTES (`slots`: UTC start, count) from the whole hour before the day's first arrival to the whole hour
    after its last, empty intervals included, and the axis's labels (`labels`: the index of the interval boundary,
    0 to len(slots), and its time «HH:MM»)."""

    day: date
    slots: list[tuple[datetime, int]]
    labels: list[tuple[int, str]]


def arrival_days(event: Event) -> list[ArrivalDay]:
    """The entrance's arrivals day by day: the one place that cuts them into intervals, for the live dashboard
    (and its refresh) and the report. Days apart, because the intervals of two days on one axis read as one morning;
    empty intervals kept, because leaving them out makes 10:30 → 13:00 look continuous."""
    step = ARRIVAL_MINUTES * 60
    number = interval_number(CheckIn.checked_in_at, step).label("number")
    counts = dict(db.session.execute(select(number, func.count()).where(
        CheckIn.event_id == event.id, CheckIn.checkpoint == ENTRANCE).group_by(number)).all())
    zone = ZoneInfo(event.timezone)

    def local(second: int) -> datetime:
        return datetime.fromtimestamp(second, zone)

    spans: dict[date, list[int]] = {}  # the first and the last interval's start (seconds since 1970) of each day
    for start in sorted(number * step for number in counts):
        spans.setdefault(local(start).date(), [start, start])[1] = start
    days = []
    for day, (first, last) in spans.items():
        # Out to whole hours, so that each day's axis begins and ends with a labelled hour. (Time zones are whole
        # quarter hours away from UTC, so the event's hours fall on interval boundaries.)
        begin = first - local(first).minute * 60
        end = last + step + (60 - local(last + step).minute) % 60 * 60
        days.append((day, range(begin, end, step)))
    longest = max((len(seconds) for _day, seconds in days), default=0) * ARRIVAL_MINUTES / 60
    every = next(hours for hours in (1, 2, 3, 4, 6, 12, 24) if longest / hours <= ARRIVAL_LABELS)
    return [ArrivalDay(
        day=day,
        slots=[(datetime.fromtimestamp(start, UTC), counts.get(start // step, 0)) for start in seconds],
        labels=[(index, local(start).strftime("%H:%M")) for index, start in enumerate([*seconds, seconds.stop])
                if local(start).minute == 0 and local(start).hour % every == 0])
        for day, seconds in days]


def arrivals(event: Event) -> dict:
    """Checked in against expected for every checkpoint, the entrance's arrivals over time, refused scans, double
    admissions while offline."""
    counts = dict(db.session.execute(select(CheckIn.checkpoint, func.count()).where(
        CheckIn.event_id == event.id).group_by(CheckIn.checkpoint)).all())
    points = [{"key": point.key, "session": point.session, "checked_in": counts.get(point.key, 0),
               "expected": expected_at(event, point)} for point in checkpoints(event)]
    refused = db.session.scalar(select(func.count()).select_from(Scan).where(
        Scan.event_id == event.id, Scan.outcome.not_in(ADMITTED))) or 0
    return {"checkpoints": points, "days": arrival_days(event), "refused": refused, "conflicts": conflicts(event)}


def conflicts(event: Event) -> dict[str, int]:
    """Double admissions of scanners without network (ScanOutcome.OFFLINE_CONFLICT), by checkpoint key."""
    return dict(db.session.execute(select(Scan.checkpoint, func.count()).where(
        Scan.event_id == event.id, Scan.outcome == ScanOutcome.OFFLINE_CONFLICT).group_by(Scan.checkpoint)).all())

