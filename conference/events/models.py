from calendar import monthrange
from datetime import date, datetime, time, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from conference.extensions import db
from conference.i18n import InEnglishToo
from conference.timeutil import UTCDateTime, local_to_utc, utcnow


class Event(InEnglishToo, db.Model):
    """An edition of the conference. Its title, description, city, venue and consent text may be given in English
    too (`localized`)."""

    __tablename__ = "event"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates_ordered"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint(
            "registration_closes_at IS NULL OR registration_opens_at IS NULL "
            "OR registration_closes_at > registration_opens_at",
            name="registration_window_ordered",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    venue: Mapped[str] = mapped_column(String(300), default="")
    venue_en: Mapped[str] = mapped_column(String(300), default="", server_default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    city_en: Mapped[str] = mapped_column(String(100), default="", server_default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Moscow")
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    capacity: Mapped[int | None]
    moderation: Mapped[bool] = mapped_column(default=False)
    consent_text: Mapped[str] = mapped_column(Text, default="")
    # What a participant registering in English reads; the Russian text is the one in force, of the same version.
    consent_text_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    consent_version: Mapped[str] = mapped_column(String(40), default="1")
    # (The texts above are the ones shown now, as the organizers edit them; ConsentText keeps each version as it
    # was published, and a registration points at the one it agreed to.)
    # How long the participants' personal data is kept after the event ends; then it is anonymised
    # (conference.privacy.tasks), the statistics kept.
    retention_months: Mapped[int] = mapped_column(default=12, server_default="12")
    # A reminder to the confirmed participants so many days before the event starts (none when empty), sent once
    # (conference.communications.reminders).
    reminder_days: Mapped[int | None]
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def display_title(self, language: str) -> str:
        return self.localized("title", language)

    @property
    def ended_at(self) -> datetime:
        """The moment the event is over: midnight after its last day, where it takes place (UTC)."""
        return local_to_utc(datetime.combine(self.ends_on + timedelta(days=1), time()), self.timezone)

    @property
    def retained_until(self) -> datetime:
        """When the participants' personal data is anonymised: retention_months after the event ends."""
        ended = self.ended_at
        months = ended.month - 1 + self.retention_months
        year, month = ended.year + months // 12, months % 12 + 1
        return ended.replace(year=year, month=month, day=min(ended.day, monthrange(year, month)[1]))

    @property
    def is_over(self) -> bool:
        return utcnow() >= self.ended_at


class ConsentText(InEnglishToo, db.Model):
    """A version of an event's consent text, ru and en, as it was published (events.services.publish_consent).
    Once a participant has agreed to it, it never changes: a changed text is a new version. What a participant
    registering in English read: `localized("text", "en")`."""

    __tablename__ = "consent_text"
    __table_args__ = (UniqueConstraint("event_id", "version", name="uq_consent_text_event_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

