import re
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.accounts.models import User
from conference.directories.models import Country, FederalSubject, OrganizationType
from conference.events.models import ConsentText, Event
from conference.extensions import db
from conference.timeutil import UTCDateTime, utcnow
from conference.vocabularies import Vocabulary


def new_link_key() -> str:
    return secrets.token_urlsafe(16)


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_PHONE_FRAGMENT = re.compile(r"[+(]?\d[\d()\-.]*")


def phone_digits(text: str) -> str:
    """A phone number as it is searched: its digits alone («+7 916 123-45-67» is 79161234567), a Russian number
    dialled with 8 as with +7 («8 916 123-45-67» is the same number)."""
    digits = "".join(char for char in text if char.isdigit())
    return "7" + digits[1:] if len(digits) == 11 and digits.startswith("8") else digits


def search_words(text: str) -> list[tuple[str, ...]]:
    """The words of a search, each with what else it may be written as in search_text (any one matches): a run of
    number pieces that may be a phone number («8 (916) 123-45-67», «916 1234567») is one word, as typed or as its
    digits; «4.0» stays a word of its own."""
    words, run = [], []
    for word in [*searchable(text).split(), ""]:
        if _PHONE_FRAGMENT.fullmatch(word):
            run.append(word)
            continue
        if run:
            digits = phone_digits("".join(run))
            words.extend([(digits, " ".join(run))] if len(digits) >= 5 else [(piece,) for piece in run])
            run = []
        if word:
            words.append((word,))
    return words


def searchable(text: str) -> str:
    """Lower case, ё read as е: people type «Семенов» for «Семёнов». Control characters read as spaces: a NUL ends
    SQLite's search phrase early («unterminated string»)."""
    return _CONTROL_CHARACTERS.sub(" ", text).lower().replace("ё", "е")


class RegistrationStatus(Vocabulary):
    PENDING = "pending", _l("Awaiting approval")
    CONFIRMED = "confirmed", _l("Confirmed")
    REJECTED = "rejected", _l("Declined")
    CANCELLED = "cancelled", _l("Cancelled")


STATUSES = RegistrationStatus.values()
ACTIVE_STATUSES = (RegistrationStatus.PENDING.value, RegistrationStatus.CONFIRMED.value)  # these hold a seat
# The substring index over search_text, built by migration 0002 outside the ORM: an FTS5 trigram table of this
# name (with triggers) on SQLite, a pg_trgm GIN index named participant_search_trgm on PostgreSQL.
SEARCH_INDEX = "participant_search"
# What a participant (or an organizer for them) fills in: the one list the form, its prefilling and the services
# go by.
PARTICIPANT_FIELDS = (
    "last_name", "first_name", "patronymic", "email", "phone", "organization", "organization_type_id",
    "position", "subject_id", "country_id", "city",
)
CATEGORIES = ("participant", "speaker", "moderator", "organizer", "press", "vip", "staff")
# Who gave the category: the registration («participant»), the agenda (a speaker or moderator, taken back when
# they leave the stage: agenda.services.settle_categories) or an organizer, whose choice the agenda never changes.
CATEGORY_SET_BY = ("registration", "agenda", "organizer")


class Participant(db.Model):
    __tablename__ = "participant"
    __table_args__ = (
        UniqueConstraint("event_id", "email", name="uq_participant_event_email"),
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        CheckConstraint(f"category IN {CATEGORIES}", name="category"),
        CheckConstraint(f"category_set_by IN {CATEGORY_SET_BY}", name="category_set_by"),
        # A participant comes from a Russian region or from another country, never both or neither.
        CheckConstraint("(subject_id IS NULL) <> (country_id IS NULL)", name="region_or_country"),
        # Covers the organizer's usual filters (status, region) so counts need not read the rows themselves.
        Index("ix_participant_event_status_subject", "event_id", "status", "subject_id"),
        Index("ix_participant_event_name", "event_id", "last_name", "first_name"),
        # Every breakdown of the report and the dashboard, and the registrations per day, summed in passes that read
        # no row (reports.services, reports.dashboard).
        Index("ix_participant_event_groups", "event_id", "subject_id", "country_id", "organization_type_id",
              "category", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    patronymic: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(32), default="")
    organization: Mapped[str] = mapped_column(String(300))
    organization_type_id: Mapped[int] = mapped_column(ForeignKey("organization_type.id"), index=True)
    position: Mapped[str] = mapped_column(String(200))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("federal_subject.id"), index=True)
    country_id: Mapped[int | None] = mapped_column(ForeignKey("country.id"))
    city: Mapped[str] = mapped_column(String(100), default="")
    category: Mapped[str] = mapped_column(String(20), default="participant")
    category_set_by: Mapped[str] = mapped_column(String(12), default="registration", server_default="registration")
    status: Mapped[str] = mapped_column(String(20), default=RegistrationStatus.PENDING)
    language: Mapped[str] = mapped_column(String(5), default="ru")
    # The version's name, and the text itself as published (kept since migration 0021: a registration of an
    # older version than the event's then had none kept, and points at nothing).
    consent_version: Mapped[str] = mapped_column(String(40))
    consent_text_id: Mapped[int | None] = mapped_column(ForeignKey("consent_text.id"))
    consent_given_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Lower-cased name, email and organization: SQLite's LIKE folds only ASCII case, so Cyrillic search needs this.
    search_text: Mapped[str] = mapped_column(String(1000), default="")
    # Part of every private link: a new key (after an email change, say) makes the old links stop working.
    link_key: Mapped[str] = mapped_column(String(32), default=new_link_key)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the personal fields were erased (withdrawn consent, or the event's retention period over): the row
    # stays for the statistics, nobody can be told from it (conference.privacy).
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the participant unsubscribed from the event's news (reminders, group letters marked as news).
    news_opt_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    consent_text: Mapped[ConsentText | None] = relationship()
    organization_type: Mapped[OrganizationType] = relationship()
    subject: Mapped[FederalSubject | None] = relationship()
    country: Mapped[Country | None] = relationship()

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.last_name, self.first_name, self.patronymic) if part)

    @property
    def place(self) -> str:
        """Region for Russian participants, country for foreign guests."""
        return self.subject.name if self.subject else (self.country.name if self.country else "")

    def refresh_search_text(self) -> None:
        self.search_text = searchable(" ".join((self.last_name, self.first_name, self.patronymic, self.email,
                                                self.organization, phone_digits(self.phone or ""))))


@event.listens_for(Participant, "before_insert")
@event.listens_for(Participant, "before_update")
def _keep_search_text_current(mapper, connection, participant: Participant) -> None:
    if participant.erased_at is None:  # an erased row's search text is the neutral word alone (privacy.services)
        participant.refresh_search_text()


class ChangeActor(Vocabulary):
    PARTICIPANT = "participant", _l("the participant")
    STAFF = "staff", _l("staff")
    SYSTEM = "system", _l("the system")


class RegistrationChange(db.Model):
    """Who changed a registration, what and when, for the organizer's page of the participant (written by
    registration.history on every flush that changes one). It names the fields that changed and keeps the values
    of the status and the category alone: the history outlives an erasure and must identify nobody."""

    __tablename__ = "registration_change"
    __table_args__ = (
        CheckConstraint(f"actor IN {ChangeActor.values()}", name="actor"),
        Index("ix_registration_change_participant", "participant_id", "changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    registered: Mapped[bool] = mapped_column(default=False)  # a new registration, or a cancelled one made anew
    # field → [before, after] for the status and the category; field → null for the others (changed, values unsaid)
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    participant: Mapped[Participant] = relationship()
    user: Mapped[User | None] = relationship()
