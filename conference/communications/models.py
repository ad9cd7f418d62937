from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
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
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the organizer confirmed sending: then its letters are queued (by a job) and it is no longer edited.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipients: Mapped[int] = mapped_column(default=0)  # how many it was sent to
    queued: Mapped[int] = mapped_column(default=0)  # how many letters the job has queued so far

    event: Mapped[Event] = relationship()
