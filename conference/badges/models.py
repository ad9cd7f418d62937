from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.extensions import db
from conference.registration.models import Participant
from conference.timeutil import UTCDateTime, utcnow


class Badge(db.Model):
    """A participant's badge. Its token is all the QR code carries: 40 random digits (133 bits), no personal data,
    nothing sequential. Digits survive a USB scanner typing under a Russian keyboard layout unchanged. A lost
    badge is revoked and a new one issued; the revoked row stays so that a scan can say «revoked», not «unknown»."""

    __tablename__ = "badge"
    __table_args__ = (
        # One badge in force per participant; any number of revoked ones.
        Index("uq_badge_active_participant", "participant_id", unique=True,
              sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    # The token's QR code as a PNG (about 150 bytes), drawn once when the badge is issued, so that printing 500
    # badges draws none. Badges issued before it was kept get theirs the first time they are printed.
    qr_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    print_count: Mapped[int] = mapped_column(default=0)

    participant: Mapped[Participant] = relationship()
