from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.agenda.models import AgendaSession
from conference.directories.models import LocalizedName
from conference.events.models import Event
from conference.extensions import db
from conference.i18n import InEnglishToo
from conference.timeutil import UTCDateTime, utcnow

BODY_KINDS = ("government", "ministry", "agency", "duma_committee", "federation_council", "region", "association",
              "other")
PROJECT_KINDS = ("national", "federal")
STATUSES = ("draft", "adopted", "withdrawn")


class Body(LocalizedName, db.Model):
    """A body recommendations are addressed to: a ministry, a State Duma committee, an association… One list,
    reused from event to event."""

    __tablename__ = "body"
    __table_args__ = (CheckConstraint(f"kind IN {BODY_KINDS}", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name_ru: Mapped[str] = mapped_column(String(300), unique=True)
    name_en: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(30), default="ministry")


class Project(LocalizedName, db.Model):
    """A national project, or a federal project within one («Промышленный экспорт» in «Международная кооперация
    и экспорт»)."""

    __tablename__ = "national_project"
    __table_args__ = (CheckConstraint(f"kind IN {PROJECT_KINDS}", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name_ru: Mapped[str] = mapped_column(String(300), unique=True)
    name_en: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(20), default="national")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("national_project.id", ondelete="SET NULL"))

    parent: Mapped["Project | None"] = relationship(remote_side=[id])


recommendation_session = Table(
    "recommendation_session", db.metadata,
    Column("recommendation_id", ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True),
    Column("session_id", ForeignKey("agenda_session.id", ondelete="CASCADE"), primary_key=True),
)
recommendation_project = Table(
    "recommendation_project", db.metadata,
    Column("recommendation_id", ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True),
    Column("project_id", ForeignKey("national_project.id", ondelete="CASCADE"), primary_key=True),
)


class Recommendation(InEnglishToo, db.Model):
    """One numbered recommendation of an event's resolution. `position` orders them (1, 2, 3 …)."""

    __tablename__ = "recommendation"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        CheckConstraint("status <> 'adopted' OR adopted_on IS NOT NULL", name="adopted_has_date"),
        CheckConstraint("position > 0", name="position_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)  # paragraphs separated by blank lines
    text_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    adopted_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    addressees: Mapped[list["Addressee"]] = relationship(
        back_populates="recommendation", cascade="all, delete-orphan", order_by="Addressee.id")
    sessions: Mapped[list[AgendaSession]] = relationship(secondary=recommendation_session,
                                                         order_by=AgendaSession.starts_at)
    projects: Mapped[list[Project]] = relationship(secondary=recommendation_project, order_by=Project.name_ru)

    @property
    def paragraphs(self) -> list[str]:
        """The text in the page's (or the report's, the letter's) language, paragraph by paragraph."""
        text = self.localized("text")
        return [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]


class Addressee(db.Model):
    """A recommendation sent to one body, and what came of it."""

    __tablename__ = "recommendation_addressee"
    __table_args__ = (UniqueConstraint("recommendation_id", "body_id", name="uq_recommendation_addressee"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id", ondelete="CASCADE"))
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id", ondelete="RESTRICT"), index=True)
    sent_on: Mapped[date | None]
    answered_on: Mapped[date | None]
    note: Mapped[str] = mapped_column(Text, default="")

    recommendation: Mapped[Recommendation] = relationship(back_populates="addressees")
    body: Mapped[Body] = relationship()
