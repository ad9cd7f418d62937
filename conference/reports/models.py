from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.accounts.models import User
from conference.events.models import Event
from conference.extensions import db
from conference.timeutil import UTCDateTime, utcnow

PRESS_LANGUAGES = ("ru", "en")


class PressRelease(db.Model):
    """The press release after the event, in one language, as the organizers last saved it. `drafted` is the text
    drafted from the data when they last (re)drafted it: a new draft that differs from it means the data changed
    since. `version` counts saves, so that one organizer's save never silently overwrites another's."""

    __tablename__ = "press_release"
    __table_args__ = (
        UniqueConstraint("event_id", "language", name="uq_press_release_event_language"),
        CheckConstraint(f"language IN {PRESS_LANGUAGES}", name="language"),
        CheckConstraint("version > 0", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(Text)
    drafted: Mapped[str] = mapped_column(Text)
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1)

    event: Mapped[Event] = relationship()
    saved_by: Mapped[User | None] = relationship()
