from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.events.models import Event
from conference.extensions import db
from conference.i18n import InEnglishToo
from conference.timeutil import UTCDateTime, utcnow


class Mailing(InEnglishToo, db.Model):
    """A letter an organizer writes to a group of participants: those the participant list showed with its filters,
    or those selected in it. Each recipient gets it in their own language (`localized`), as a letter of the outbox
    (kind «mailing», Letter.mailing_id); until it is sent it is a draft, its recipients counted anew each time."""

    __tablename__ = "mailing"
    __table_args__ = (CheckConstraint("purpose IN ('group', 'reminder')", name="purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    subject_en: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text, default="")
    # The participant list's filters (a ParticipantFilter's fields), or the participants chosen: a selection in
    # the list, and once sent the recipients as counted then.
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    participant_ids: Mapped[list | None] = mapped_column(JSON)
    attach_badge: Mapped[bool] = mapped_column(default=False)
    attach_calendar: Mapped[bool] = mapped_column(default=False)  # the sessions the recipient holds a seat at
    attach_certificate: Mapped[bool] = mapped_column(default=False)  # to those who came (the thank-you letter)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the organizer confirmed sending: then its letters are queued (by a job) and it is no longer edited.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipients: Mapped[int] = mapped_column(default=0)  # how many it was sent to
    # Set when the job has queued a letter for every recipient (or found one gone since): until then the periodic
    # run takes it up again (services.unfinished).
    all_queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # News (a reminder, or a group letter so marked): not for those who unsubscribed from news, and each letter
    # says how to. A letter about the participant's own registration always goes out.
    is_news: Mapped[bool] = mapped_column(default=False)
    purpose: Mapped[str] = mapped_column(String(20), default="group")  # "group" (an organizer's) or "reminder"

    event: Mapped[Event] = relationship()


# The system's letters whose text an event's organizers may write themselves (communications.letter_texts).
LETTER_TEXT_KEYS = ("registered", "confirmed", "rejected", "cancelled", "session_moved", "seat_promoted")


class LetterText(db.Model):
    """An event's own text for one of the system's letters, in one language: used instead of the default one."""

    __tablename__ = "letter_text"
    __table_args__ = (
        UniqueConstraint("event_id", "key", "language", name="uq_letter_text_event_key_language"),
        CheckConstraint(f"key IN {LETTER_TEXT_KEYS}", name="key"),
        CheckConstraint("language IN ('ru', 'en')", name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
