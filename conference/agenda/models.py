from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, ForeignKeyConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.events.models import Event
from conference.extensions import db
from conference.i18n import InEnglishToo
from conference.registration.models import Participant
from conference.timeutil import UTCDateTime, utcnow
from conference.vocabularies import Vocabulary

SESSION_KINDS = (
    "plenary", "panel", "seminar", "expert_council", "project_session", "round_table", "awards", "break",
    "networking",
)
OPEN_TO_ALL = ("break", "networking")  # everybody goes: nobody signs up for a coffee break or the buffet
PERSON_ROLES = ("speaker", "moderator")
# What the program shows for a participant on the stage whose data was erased without their asking to stay named
# (privacy.services.withdraw_consent): the role alone.
UNNAMED = {"speaker": _l("unnamed speaker"), "moderator": _l("unnamed moderator")}


class SignupStatus(Vocabulary):
    """A seat in the session, or a place in its waiting list."""

    REGISTERED = "registered", _l("Signed up")
    WAITING = "waiting", _l("On the waiting list")


SIGNUP_STATUSES = SignupStatus.values()


class Room(InEnglishToo, db.Model):
    """A hall at the venue, or an off-site venue with its own address."""

    __tablename__ = "room"
    __table_args__ = (
        UniqueConstraint("event_id", "name", name="uq_room_event_name"),
        UniqueConstraint("id", "event_id", name="uq_room_id_event"),  # target of the sessions' same-event key
        CheckConstraint("capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int]
    floor: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(String(300), default="")  # set for an off-site venue
    name_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    address_en: Mapped[str] = mapped_column(String(300), default="", server_default="")
    sort_order: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship()


class AgendaSession(InEnglishToo, db.Model):
    """One item of the program. (Not called Session: that name belongs to db.session and flask.session.)"""

    __tablename__ = "agenda_session"
    __table_args__ = (
        # The room must belong to the same event: enforced by the database, not only by the form.
        ForeignKeyConstraint(["room_id", "event_id"], ["room.id", "room.event_id"],
                             name="fk_agenda_session_room_same_event"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint(f"kind IN {SESSION_KINDS}", name="kind"),
        Index("ix_agenda_session_event_start", "event_id", "starts_at"),
        Index("ix_agenda_session_room_start", "room_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    room_id: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text, default="")
    title_en: Mapped[str] = mapped_column(String(300), default="", server_default="")
    description_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int | None]  # None: the room's capacity
    is_public: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    # Joined on room_id alone (the composite key only guards the event): services set room_id directly.
    room: Mapped[Room] = relationship(foreign_keys=[room_id], primaryjoin="AgendaSession.room_id == Room.id",
                                      viewonly=True)
    people: Mapped[list["SessionPerson"]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SessionPerson.sort_order"
    )

    @property
    def seats(self) -> int:
        return self.capacity or self.room.capacity

    @property
    def takes_signups(self) -> bool:
        return self.kind not in OPEN_TO_ALL

    def people_in(self, role: str) -> list["SessionPerson"]:
        return [person for person in self.people if person.role == role]


class SessionPerson(InEnglishToo, db.Model):
    """A speaker or moderator: a registered participant, or an external guest named on the session form."""

    __tablename__ = "session_person"
    __table_args__ = (
        CheckConstraint(f"role IN {PERSON_ROLES}", name="role"),
        CheckConstraint("participant_id IS NOT NULL OR external_name <> ''", name="who"),
        UniqueConstraint("session_id", "participant_id", "role", name="uq_session_person"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("agenda_session.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    external_name: Mapped[str] = mapped_column(String(200), default="")
    external_position: Mapped[str] = mapped_column(String(200), default="")
    external_organization: Mapped[str] = mapped_column(String(300), default="")
    external_position_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    external_organization_en: Mapped[str] = mapped_column(String(300), default="", server_default="")
    sort_order: Mapped[int] = mapped_column(default=0)

    session: Mapped[AgendaSession] = relationship(back_populates="people")
    participant: Mapped[Participant | None] = relationship()

    @property
    def name(self) -> str:
        if self.participant is None:
            return self.external_name
        return str(UNNAMED[self.role]) if self.participant.erased_at else self.participant.full_name

    @property
    def position(self) -> str:
        """(A participant's own words, in the language they registered in; an external speaker's in the page's.)"""
        return self.participant.position if self.participant else self.localized("external_position")

    @property
    def organization(self) -> str:
        return self.participant.organization if self.participant else self.localized("external_organization")


class SessionSignup(db.Model):
    """A participant's place in a session, or their place in its waiting list."""

    __tablename__ = "session_signup"
    __table_args__ = (
        UniqueConstraint("session_id", "participant_id", name="uq_session_signup"),
        CheckConstraint(f"status IN {SIGNUP_STATUSES}", name="status"),
        Index("ix_session_signup_session_status", "session_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("agenda_session.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=SignupStatus.REGISTERED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[AgendaSession] = relationship()
    participant: Mapped[Participant] = relationship()
