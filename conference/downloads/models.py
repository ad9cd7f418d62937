import secrets
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.events.models import Event
from conference.extensions import db
from conference.timeutil import UTCDateTime, utcnow
from conference.vocabularies import Vocabulary


class DownloadStatus(Vocabulary):
    """queued: waiting for a worker; working: being made (done of total); ready: the file is there; failed: see
    error; expired: the file was deleted after PREPARED_FILE_HOURS (it can be prepared again from the same params).
    No labels: each page words a file's status its own way (downloads/show.html, the badge batches of
    registration/manage_list.html)."""

    QUEUED = "queued"
    WORKING = "working"
    READY = "ready"
    FAILED = "failed"
    EXPIRED = "expired"


class Download(db.Model):
    __tablename__ = "download"
    __table_args__ = (CheckConstraint(f"status IN {DownloadStatus.values()}", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # what makes it: see services.download_kind
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    filename: Mapped[str] = mapped_column(String(200))  # as the browser saves it
    file_key: Mapped[str] = mapped_column(String(40), default=lambda: secrets.token_hex(16))  # its name on disk
    status: Mapped[str] = mapped_column(String(10), default=DownloadStatus.QUEUED)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Badges: when an organizer marked the batch printed (the file in hand, not merely downloaded).
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
