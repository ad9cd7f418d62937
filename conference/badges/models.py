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
    # badges draws none. Badges issued before it was kept (and those migration 0015 issued) have theirs drawn
    # whenever they are rendered, never written by a read.
    qr_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    print_count: Mapped[int] = mapped_column(default=0)

    participant: Mapped[Participant] = relationship()


class BadgeRender(db.Model):
    """A participant's badge as last rendered alone on A6 (for the letter confirming the registration, the
    holder's download, the desk), kept so that the night's bulk print places these pages rather than rendering
    every badge again. `digest` is a hash of everything the page shows and of what draws it (see
    services.render_digest): a render whose digest no longer matches (a name edited, a badge reissued, the
    stylesheet changed) is not used, and is replaced when the badge is next rendered alone. One per participant,
    deleted with them: it holds their name."""

    __tablename__ = "badge_render"

    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    rendered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
