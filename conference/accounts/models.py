import hashlib
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from conference.extensions import db
from conference.timeutil import UTCDateTime, utcnow

ROLES = ("admin", "organizer", "checkin")
# The start of an invited account's password hash until its owner sets a password through the invitation's link:
# no hash werkzeug makes starts so, and werkzeug takes it for no hash at all (nothing logs in with it).
NO_PASSWORD_YET = "!invited:"


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint(f"role IN {ROLES}", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of every log-in session (get_id); a new one on logging out ends every copy of those sessions, a cookie
    # copied off the machine included.
    session_key: Mapped[str] = mapped_column(String(32), default="", server_default="")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def set_no_password(self) -> None:
        """A password nobody knows, to be set through an invitation's link; each call makes a new password mark,
        so that the links sent before stop working."""
        self.password_hash = NO_PASSWORD_YET + secrets.token_urlsafe(32)

    @property
    def awaits_password(self) -> bool:
        """Invited, and no password set yet."""
        return self.password_hash.startswith(NO_PASSWORD_YET)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts through this
        return self.is_enabled

    def get_id(self) -> str:
        """What a log-in session remembers: the id, a mark of the password and the session key (see load_user)."""
        return f"{self.id}:{self.password_mark}:{self.session_key}"

    def end_sessions(self) -> None:
        """Every log-in session opened so far no longer matches (logging out)."""
        self.session_key = secrets.token_hex(16)

    @property
    def password_mark(self) -> str:
        """Changes with every new password (its hash has a new salt each time), and tells nothing about it: a
        session opened before the password changed no longer matches."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]


class EventMember(db.Model):
    """An organizer or check-in volunteer who works on an event: they see it and act on it, and on no other.
    Admins need no row (they manage the whole installation). The member's role is the account's own (one role per
    person, the one the staff page edits): a role per event would be a second place for role checks, and nobody
    needs to be an organizer at one event and a volunteer at another."""

    __tablename__ = "event_member"

    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
