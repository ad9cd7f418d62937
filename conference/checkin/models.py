from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.accounts.models import User
from conference.agenda.models import AgendaSession
from conference.events.models import Event
from conference.extensions import db
from conference.registration.models import Participant
from conference.timeutil import UTCDateTime, utcnow
from conference.vocabularies import Vocabulary

ENTRANCE = "entrance"  # the venue entrance; a session's door is "session-<id>"
METHODS = ("camera", "scanner", "manual", "api")
class ScanOutcome(Vocabulary):
    """What a scan can come to. The first two admit the person; the rest are refusals. The label is what the
    scanner shows."""

    CHECKED_IN = "checked_in", _l("Checked in")
    ALREADY_CHECKED_IN = "already_checked_in", _l("Already checked in")
    UNKNOWN_BADGE = "unknown_badge", _l("Unknown badge. Find the person by name.")
    REVOKED_BADGE = "revoked_badge", _l(
        "This badge was replaced by a new one: ask for the new badge or find the person by name.")
    REGISTRATION_CANCELLED = "registration_cancelled", _l("Registration cancelled")
    REGISTRATION_REJECTED = "registration_rejected", _l("Registration declined")
    REGISTRATION_PENDING = "registration_pending", _l("Registration not approved yet")
    OTHER_EVENT = "other_event", _l("Badge of another event")
    # A scanner without network admitted a badge that another had admitted already: both let the person in. The
    # earlier check-in is kept; this scan records the double admission for the organizers to see.
    OFFLINE_CONFLICT = "offline_conflict", _l("Admitted twice while offline: another scanner had admitted this badge")


OUTCOMES = ScanOutcome.values()


class CheckinDevice(db.Model):
    """A phone or scanner that calls the API with its own token, created and revoked by organizers. Only a hash
    of the token is kept: the token is shown once, when the device is added."""

    __tablename__ = "checkin_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A phone paired by a QR code (services.start_pairing): the one-time code's hash, until it is used or expires.
    pairing_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    pairing_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()


class CheckIn(db.Model):
    """One person admitted at one checkpoint: at most one row per participant and checkpoint, which the database
    enforces, so that two scanners reading the same badge at the same instant make one arrival. Undoing a
    check-in deletes its row (the scan that made it keeps the story)."""

    __tablename__ = "check_in"
    __table_args__ = (
        UniqueConstraint("participant_id", "checkpoint", name="uq_check_in_participant_checkpoint"),
        # The entrance has no session; a session's door names its session.
        CheckConstraint(f"(session_id IS NULL) = (checkpoint = '{ENTRANCE}')", name="checkpoint_session"),
        Index("ix_check_in_event_checkpoint_time", "event_id", "checkpoint", "checked_in_at"),
        # An undone check-in's id is never given to the next one (SQLite would reuse the highest id): a retried
        # DELETE of it must find nothing rather than someone else's arrival.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    checkpoint: Mapped[str] = mapped_column(String(30))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_session.id", ondelete="CASCADE"), index=True)
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when the badge was scanned
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("checkin_device.id", ondelete="SET NULL"))

    participant: Mapped[Participant] = relationship()
    session: Mapped[AgendaSession | None] = relationship()
    staff: Mapped[User | None] = relationship()
    device: Mapped[CheckinDevice | None] = relationship()


class Scan(db.Model):
    """The audit trail: every scan, admitted or refused, with who, which device, when it was scanned and when the
    server got it. The client's nonce is unique per event: a repeated request (a retry after a lost answer)
    gets the first answer back, stored here, and changes nothing."""

    __tablename__ = "scan"
    __table_args__ = (
        UniqueConstraint("event_id", "nonce", name="uq_scan_event_nonce"),
        CheckConstraint(f"outcome IN {OUTCOMES}", name="outcome"),
        CheckConstraint(f"method IN {METHODS}", name="method"),
        Index("ix_scan_event_received", "event_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    nonce: Mapped[str] = mapped_column(String(64))
    checkpoint: Mapped[str] = mapped_column(String(30))
    scanned_value: Mapped[str] = mapped_column(String(64))  # what the scanner read, cut to a sane length
    method: Mapped[str] = mapped_column(String(10))
    outcome: Mapped[str] = mapped_column(String(30))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="SET NULL"))
    check_in_id: Mapped[int | None] = mapped_column(ForeignKey("check_in.id", ondelete="SET NULL"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("checkin_device.id", ondelete="SET NULL"))
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    undone_by_device_id: Mapped[int | None] = mapped_column(ForeignKey("checkin_device.id", ondelete="SET NULL"))
    answer: Mapped[str] = mapped_column(Text)  # the JSON answered (without the person), for a repeated nonce

    participant: Mapped[Participant | None] = relationship()
