"""What recommendations do: kept in order, adopted or withdrawn, addressed to bodies and followed up."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from conference.agenda.models import AgendaSession
from conference.events.models import Event
from conference.extensions import db
from conference.ids import MAX_ID

from .models import Addressee, Body, Project, Recommendation

# The bodies and projects every Russian industrial forum addresses; organizers add their own on the edit pages.
DEFAULT_BODIES = (
    ("Правительство Российской Федерации", "Government of the Russian Federation", "government"),
    ("Министерство промышленности и торговли Российской Федерации",
     "Ministry of Industry and Trade of the Russian Federation", "ministry"),
    ("Министерство экономического развития Российской Федерации",
     "Ministry of Economic Development of the Russian Federation", "ministry"),
    ("Министерство финансов Российской Федерации", "Ministry of Finance of the Russian Federation", "ministry"),
    ("Министерство науки и высшего образования Российской Федерации",
     "Ministry of Science and Higher Education of the Russian Federation", "ministry"),
    ("Комитет Государственной Думы по экономической политике, промышленности, инновационному развитию и "
     "предпринимательству", "State Duma Committee on Economic Policy, Industry, Innovative Development and "
     "Entrepreneurship", "duma_committee"),
    ("Ассоциация развития кластеров и технопарков России", "Association of Clusters and Technoparks of Russia",
     "association"),
    ("Фонд развития промышленности", "Industrial Development Fund", "agency"),
    ("Российский экспортный центр", "Russian Export Center", "agency"),
    ("Корпорация МСП", "SME Corporation", "agency"),
)
DEFAULT_PROJECTS = (
    # name, English name, kind, the national project a federal one belongs to
    ("Международная кооперация и экспорт", "International Cooperation and Export", "national", None),
    ("Промышленный экспорт", "Industrial Export", "federal", "Международная кооперация и экспорт"),
    ("Малое и среднее предпринимательство и поддержка индивидуальной предпринимательской инициативы",
     "Small and Medium-Sized Enterprises and Support for Individual Entrepreneurial Initiative", "national", None),
    ("Производительность труда и поддержка занятости", "Labour Productivity and Employment Support", "national",
     None),
    ("Цифровая экономика Российской Федерации", "Digital Economy of the Russian Federation", "national", None),
    ("Наука", "Science", "national", None),
)


class RecommendationError(ValueError):
    """A rule broken: `field` names the form field, the message is a code the form turns into words."""

    def __init__(self, field_name: str, message: str, **details: str):
        super().__init__(message)
        self.field = field_name
        self.details = details  # named values the form's words mention


def load_defaults() -> int:
    """Adds the default bodies and projects that are missing; never changes a row an organizer edited."""
    added = 0
    known = set(db.session.scalars(select(Body.name_ru)))
    for name_ru, name_en, kind in DEFAULT_BODIES:
        if name_ru not in known:
            db.session.add(Body(name_ru=name_ru, name_en=name_en, kind=kind))
            added += 1
    projects = {project.name_ru: project for project in db.session.scalars(select(Project))}
    for name_ru, name_en, kind, parent in DEFAULT_PROJECTS:
        if name_ru not in projects:
            projects[name_ru] = Project(name_ru=name_ru, name_en=name_en, kind=kind,
                                        parent=projects.get(parent) if parent else None)
            db.session.add(projects[name_ru])
            added += 1
    db.session.flush()
    return added


def bodies() -> list[Body]:
    return list(db.session.scalars(select(Body).order_by(Body.name_ru)))


def projects() -> list[Project]:
    """National projects, each followed by its federal projects (a federal project always sits in a national one,
    see save_project), the way the government's passports list them."""
    rows = list(db.session.scalars(select(Project).order_by(Project.name_ru)))
    children: dict[int, list[Project]] = {}
    for project in rows:
        if project.parent_id is not None:
            children.setdefault(project.parent_id, []).append(project)
    ordered = []
    for project in rows:
        if project.parent_id is None:
            ordered += [project, *children.get(project.id, [])]
    return ordered + [project for project in rows if project not in ordered]  # rows saved before the rule


def save_body(body: Body, name_ru: str, name_en: str, kind: str) -> Body:
    name_ru = " ".join(name_ru.split())
    other = db.session.scalar(select(Body).where(Body.name_ru == name_ru))
    if other is not None and other is not body:
        raise RecommendationError("name_ru", "exists")
    body.name_ru, body.name_en, body.kind = name_ru, " ".join(name_en.split()), kind
    db.session.add(body)
    db.session.flush()
    return body


def save_project(project: Project, name_ru: str, name_en: str, kind: str, parent_id: int | None) -> Project:
    name_ru = " ".join(name_ru.split())
    other = db.session.scalar(select(Project).where(Project.name_ru == name_ru))
    if other is not None and other is not project:
        raise RecommendationError("name_ru", "exists")
    parent = db.session.get(Project, parent_id) if parent_id else None
    if kind == "federal" and (parent is None or parent.kind != "national" or parent is project):
        raise RecommendationError("parent_id", "federal_needs_parent")  # federal projects sit in a national one
    if kind == "national" and parent is not None:
        raise RecommendationError("parent_id", "national_has_no_parent")
    if kind != "national" and project.id is not None and db.session.scalar(
            select(func.count()).where(Project.parent_id == project.id)):
        raise RecommendationError("kind", "has_federal_projects")  # they would sit in a federal one
    project.name_ru, project.name_en, project.kind = name_ru, " ".join(name_en.split()), kind
    project.parent_id = parent.id if parent else None
    db.session.add(project)
    db.session.flush()
    return project


# ---- recommendations --------------------------------------------------------------------------------------

def recommendations_of(event: Event, adopted_only: bool = False) -> list[Recommendation]:
    query = select(Recommendation).where(Recommendation.event_id == event.id).order_by(Recommendation.position) \
        .options(selectinload(Recommendation.addressees).joinedload(Addressee.body),
                 selectinload(Recommendation.sessions), selectinload(Recommendation.projects))
    if adopted_only:
        query = query.where(Recommendation.status == "adopted")
    return list(db.session.scalars(query))


@dataclass
class RecommendationData:
    text: str
    text_en: str = ""
    status: str = "draft"
    adopted_on: date | None = None
    body_ids: list[int] = field(default_factory=list)
    session_ids: list[int] = field(default_factory=list)
    project_ids: list[int] = field(default_factory=list)


def _paragraphs_joined(text: str) -> str:
    """The text as it is kept: paragraphs trimmed, one empty line between them."""
    return "\n\n".join(part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip())


def save_recommendation(event: Event, recommendation: Recommendation, data: RecommendationData) -> Recommendation:
    """Creates (at the end of the list) or updates a recommendation. Addressees already followed up keep their
    dates and notes. An addressee removed from the list goes, unless its follow-up holds something (a letter
    sent, an answer, a note): that is refused rather than lost, and the organizer clears it first."""
    text = _paragraphs_joined(data.text)
    if not text:
        raise RecommendationError("text", "empty")
    wanted = list(dict.fromkeys(data.body_ids))
    followed_up = [addressee.body.name for addressee in recommendation.addressees if addressee.body_id not in wanted
                   and (addressee.sent_on or addressee.answered_on or addressee.note)]
    if followed_up:
        raise RecommendationError("body_ids", "followed_up", bodies="; ".join(followed_up))
    if data.status == "adopted" and data.adopted_on is None:
        raise RecommendationError("adopted_on", "missing")
    possible = [session_id for session_id in data.session_ids if 0 < session_id <= MAX_ID]  # a bigger one is no row
    sessions = list(db.session.scalars(select(AgendaSession).where(
        AgendaSession.id.in_(possible), AgendaSession.event_id == event.id)))
    if len(sessions) != len(set(data.session_ids)):
        raise RecommendationError("session_ids", "other_event")
    if recommendation.id is None:
        recommendation.event_id = event.id
        recommendation.position = (db.session.scalar(select(func.max(Recommendation.position)).where(
            Recommendation.event_id == event.id)) or 0) + 1
        db.session.add(recommendation)
    recommendation.text = text
    recommendation.text_en = _paragraphs_joined(data.text_en)
    recommendation.status = data.status
    # A withdrawn recommendation keeps the date it was adopted on (if it was): the record of it stays whole.
    recommendation.adopted_on = data.adopted_on if data.status != "draft" else None
    recommendation.sessions = sessions
    recommendation.projects = list(db.session.scalars(select(Project).where(Project.id.in_(data.project_ids))))
    kept = [addressee for addressee in recommendation.addressees if addressee.body_id in wanted]
    have = {addressee.body_id for addressee in kept}
    known = set(db.session.scalars(select(Body.id).where(Body.id.in_(wanted))))
    recommendation.addressees = kept + [Addressee(body_id=body_id) for body_id in wanted
                                        if body_id not in have and body_id in known]
    db.session.flush()
    return recommendation


def move(recommendation: Recommendation, step: int) -> None:
    """One place up (step -1) or down (+1) in the event's list."""
    ordered = list(db.session.scalars(select(Recommendation).where(
        Recommendation.event_id == recommendation.event_id).order_by(Recommendation.position)))
    index = ordered.index(recommendation)
    target = index + step
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
        _renumber(ordered)


def delete_recommendation(recommendation: Recommendation) -> None:
    event_id = recommendation.event_id
    db.session.delete(recommendation)
    db.session.flush()
    _renumber(list(db.session.scalars(select(Recommendation).where(
        Recommendation.event_id == event_id).order_by(Recommendation.position))))


def _renumber(ordered: list[Recommendation]) -> None:
    for number, item in enumerate(ordered, start=1):
        item.position = number
    db.session.flush()


def follow_up(addressee: Addressee, sent_on: date | None, answered_on: date | None, note: str) -> None:
    if answered_on is not None and sent_on is not None and answered_on < sent_on:
        raise RecommendationError("answered_on", "before_sent")
    addressee.sent_on, addressee.answered_on, addressee.note = sent_on, answered_on, note.strip()
    db.session.flush()


def by_addressee(recommendations: list[Recommendation]) -> list[tuple[Body | None, list[tuple[int, Recommendation]]]]:
    """The adopted recommendations as the resolution reads them: numbered 1, 2, 3 … in order, then grouped by
    the body they are addressed to (a recommendation to two bodies appears under both; one with no addressee
    under None, last)."""
    numbered = list(enumerate((item for item in recommendations if item.status == "adopted"), start=1))
    groups: dict[int | None, tuple[Body | None, list]] = {}
    for number, recommendation in numbered:
        for body in [addressee.body for addressee in recommendation.addressees] or [None]:
            groups.setdefault(body.id if body else None, (body, []))[1].append((number, recommendation))
    return sorted(groups.values(), key=lambda group: (group[0] is None, group[0].name_ru if group[0] else ""))
