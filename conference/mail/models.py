from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.extensions import db
from conference.timeutil import UTCDateTime, utcnow
from conference.vocabularies import Vocabulary


class LetterStatus(Vocabulary):
    """queued: waiting for its (next) attempt; sending: taken by a worker; sent: the server accepted it; failed:
    given up (refused for good, too many attempts, or interrupted after it was handed over: it may have arrived),
    until an organizer sends it again; dropped: its subject is gone (the registration deleted) before it could be
    written."""

    QUEUED = "queued", _l("queued")
    SENDING = "sending", _l("sending")
    SENT = "sent", _l("sent")
    FAILED = "failed", _l("failed")
    DROPPED = "dropped", _l("not sent: the registration no longer exists")


class Letter(db.Model):
    """One letter to one person. What it says is written when it is sent, from its kind and params (ids and the
    few words that no row keeps, such as a cancelled session's title), in its language; attachments (the badge)
    are made then too, from what they refer to, never stored with the letter."""

    __tablename__ = "letter"
    __table_args__ = (
        CheckConstraint(f"status IN {LetterStatus.values()}", name="status"),
        Index("ix_letter_due", "status", "next_attempt_at"),
        # One letter of a group letter per participant, however often its queuing job is run again.
        UniqueConstraint("mailing_id", "participant_id", name="uq_letter_mailing_participant"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="SET NULL"), index=True)
    # The organizer's letter to a group this one is part of (conference.communications), if it is.
    mailing_id: Mapped[int | None] = mapped_column(ForeignKey("mailing.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(5))
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    subject: Mapped[str] = mapped_column(String(300), default="")  # once written
    status: Mapped[str] = mapped_column(String(10), default=LetterStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # taken by a worker
    handed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # given to the mail server: may have arrived
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_answer: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tries: Mapped[list["LetterAttempt"]] = relationship(
        back_populates="letter", order_by="LetterAttempt.id", cascade="all, delete-orphan", passive_deletes=True)


class LetterAttempt(db.Model):
    """One try at sending a letter and how it ended, with the mail server's answer."""

    __tablename__ = "letter_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(String(12))  # sent, retry, failed, interrupted, dropped
    answer: Mapped[str] = mapped_column(Text, default="")

    letter: Mapped[Letter] = relationship(back_populates="tries")
