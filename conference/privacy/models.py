from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.events.models import Event
from conference.extensions import db
from conference.timeutil import UTCDateTime, utcnow

# What a staff member did that showed them participants' personal data (scans have their own audit trail, Scan).
# The report names nobody, so downloading it is not among them.
ACCESS_KINDS = {
    "participant": _l("Opened a participant's page"),
    "export": _l("Exported the participant list"),
    "badge": _l("Downloaded a participant's badge"),
    "badges": _l("Downloaded a batch of badges"),
    "certificate": _l("Downloaded a participant's certificate"),
    "certificates": _l("Downloaded a batch of certificates"),
    "admission_list": _l("Downloaded a scanner's admission list (for check-in without network)"),
    "letter": _l("Saw a participant's letter of a mailing (its preview, or a test letter)"),
}


class DataAccess(db.Model):
    """Who saw whom: a staff member's look at participants' personal data (privacy.access_log), kept for the
    administrators. It names people by their registration's id alone: the log itself holds no personal data of
    theirs, and outlives their erasure."""

    __tablename__ = "data_access"
    __table_args__ = (
        CheckConstraint(f"kind IN {tuple(ACCESS_KINDS)}", name="kind"),
        Index("ix_data_access_event_at", "event_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The account, and its address as it was: the record stays when the account is deleted.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    user_email: Mapped[str] = mapped_column(String(254))
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    # The one participant seen (a page, a badge); none for a list or a batch.
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="SET NULL"))
    people: Mapped[int] = mapped_column(default=1)
    # What exactly: the file's format, the list's filters, the badge's layout.
    detail: Mapped[str] = mapped_column(String(300), default="")

    event: Mapped[Event] = relationship()
