"""The post-event report's figures, read from the other capabilities with aggregate queries (a forum of 20,000
participants and 100,000 check-ins is summed by the database; only the entrance's arrival times are read, to
chart them), and the report's PDF and XLSX."""

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import render_template
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy import and_, case, func, select

from conference.agenda.labels import KIND_LABELS
from conference.agenda.models import AgendaSession, Room, SessionSignup, SignupStatus
from conference.checkin.models import CheckIn
from conference.checkin.services import NOT_CHECKPOINTS, ArrivalDay, arrival_days, checkpoints, conflicts
from conference.directories.models import Country, FederalDistrict, FederalSubject, OrganizationType
from conference.downloads.services import download_kind
from conference.events.models import Event
from conference.events.services import event_city
from conference.extensions import db
from conference.i18n import current_language, date_range, translated
from conference.pdf import render_pdf
from conference.registration.labels import CATEGORY_LABELS
from conference.registration.models import CATEGORIES, Participant, RegistrationStatus
from conference.resolutions.services import by_addressee, recommendations_of
from conference.spreadsheets import add_table, share
from conference.timeutil import to_zone

from .geography import region_map
from .labels import ORGANIZATION_GROUPS


@dataclass
class Line:
    """One row of an attendance table: confirmed registrations and people who came."""

    key: object
    label: str
    confirmed: int = 0
    attended: int = 0

    @property
    def share(self) -> float | None:
        return self.attended / self.confirmed if self.confirmed else None


@dataclass
class DistrictLines:
    district: Line
    subjects: list[Line]


@dataclass
class SessionLine:
    title: str
    kind: str
    starts_at: datetime
    room: str
    capacity: int
    signed_up: int
    waiting: int
    attended: int

    @property
    def fill_rate(self) -> float:
        return self.attended / self.capacity if self.capacity else 0.0


@dataclass
class Report:
    event: Event
    statuses: dict[str, int]
    attended: int
    has_check_ins: bool
    districts: list[DistrictLines]
    countries: list[Line]
    organization_types: list[Line]
    categories: list[Line]
    sessions: list[SessionLine]
    arrival_days: list[ArrivalDay]  # the entrance's, a chart per day
    east: FederalSubject | None
    west: FederalSubject | None
    subject_count: int
    confirmed_came: int = 0  # confirmed participants who were checked in somewhere
    recommendations: list = field(default_factory=list)  # adopted ones, numbered, grouped by addressee
    adopted_count: int = 0
    without_addressee: int = 0
    # Double admissions of scanners without network, per checkpoint: (its session, None for the entrance; how many)
    offline_conflicts: list[tuple[AgendaSession | None, int]] = field(default_factory=list)

    @property
    def arrivals(self) -> list[tuple[datetime, int]]:
        """Every interval of the arrival days, day after day, as (UTC start, count): for tables."""
        return [slot for day in self.arrival_days for slot in day.slots]

    @property
    def registered(self) -> int:
        return sum(self.statuses.values())

    @property
    def confirmed(self) -> int:
        return self.statuses.get(RegistrationStatus.CONFIRMED, 0)

    @property
    def no_show_rate(self) -> float | None:
        if not self.has_check_ins or not self.confirmed:
            return None
        return 1 - self.confirmed_came / self.confirmed

    @property
    def country_count(self) -> int:
        return sum(1 for line in self.countries if self.counted(line))

    def counted(self, line: Line) -> int:
        """Who a place or kind is counted by: people who came once check-in has begun, before that confirmed ones."""
        return line.attended if self.has_check_ins else line.confirmed


@dataclass
class Groups:
    """Confirmed participants and people who came, summed by each of the report's breakdowns."""

    by_subject: dict = field(default_factory=dict)  # subject id → (confirmed, attended)
    by_country: dict = field(default_factory=dict)
    by_type: dict = field(default_factory=dict)  # organization type id → (confirmed, attended)
    by_category: dict = field(default_factory=dict)
    attended: int = 0
    confirmed_came: int = 0

    def add(self, breakdown: dict, key, confirmed: int, attended: int) -> None:
        before = breakdown.get(key, (0, 0))
        breakdown[key] = (before[0] + confirmed, before[1] + attended)


def _groups(event: Event) -> Groups:
    """Every breakdown in one pass over the event's participants, grouped by all of the breakdowns' columns at once
    (ix_participant_event_groups covers them, so the pass reads no row; «came» is an EXISTS on check_in's
    (participant, checkpoint) key, one index probe per participant). One pass instead of one per breakdown: the
    dashboard asks for these figures on every refresh (bench/dashboard.py)."""
    came = case((select(CheckIn.id).where(CheckIn.participant_id == Participant.id).exists(), 1), else_=0)
    rows = db.session.execute(
        select(Participant.subject_id, Participant.country_id, Participant.organization_type_id,
               Participant.category, Participant.status, func.count(), func.sum(came))
        .where(Participant.event_id == event.id)
        .group_by(Participant.subject_id, Participant.country_id, Participant.organization_type_id,
                  Participant.category, Participant.status))
    groups = Groups()
    for subject_id, country_id, type_id, category, status, count, attended in rows:
        confirmed = count if status == RegistrationStatus.CONFIRMED else 0
        if not confirmed and not attended:
            continue  # neither confirmed nor came: in no breakdown
        if subject_id is not None:
            groups.add(groups.by_subject, subject_id, confirmed, attended)
        else:
            groups.add(groups.by_country, country_id, confirmed, attended)
        groups.add(groups.by_type, type_id, confirmed, attended)
        groups.add(groups.by_category, category, confirmed, attended)
        groups.attended += attended
        if confirmed:
            groups.confirmed_came += attended
    return groups


def build_report(event: Event) -> Report:
    statuses = dict(db.session.execute(select(Participant.status, func.count()).where(
        Participant.event_id == event.id).group_by(Participant.status)).all())
    has_check_ins = db.session.scalar(select(CheckIn.id).where(CheckIn.event_id == event.id).limit(1)) is not None

    groups = _groups(event)
    by_subject = groups.by_subject
    districts = []
    subject_rows = db.session.scalars(select(FederalSubject).where(FederalSubject.id.in_(list(by_subject)))
                                      .order_by(FederalSubject.name_ru)).all()
    for district in db.session.scalars(select(FederalDistrict).order_by(FederalDistrict.sort_order)):
        lines = [Line(subject.id, subject.name, *by_subject[subject.id])
                 for subject in subject_rows if subject.district_id == district.id]
        if lines:
            total = Line(district.id, district.name,
                         sum(line.confirmed for line in lines), sum(line.attended for line in lines))
            districts.append(DistrictLines(total, sorted(lines, key=lambda line: (-line.attended, -line.confirmed,
                                                                                  line.label))))
    districts.sort(key=lambda group: (-group.district.attended, -group.district.confirmed))

    by_country = groups.by_country
    countries = [Line(country.id, country.name, *by_country[country.id])
                 for country in db.session.scalars(select(Country).where(Country.id.in_(list(by_country))))]
    countries.sort(key=lambda line: (-line.attended, -line.confirmed, line.label))

    by_type = groups.by_type
    organization_types = [
        Line(kind.code, kind.name, *by_type[kind.id])
        for kind in db.session.scalars(select(OrganizationType).order_by(OrganizationType.sort_order))
        if kind.id in by_type]

    labels = translated(CATEGORY_LABELS)
    by_category = groups.by_category
    categories = [Line(category, labels[category], *by_category[category]) for category in CATEGORIES
                  if category in by_category]

    counted = {subject.id for subject in subject_rows
               if (by_subject[subject.id][1] if has_check_ins else by_subject[subject.id][0])}
    places = [subject for subject in subject_rows if subject.id in counted]
    recommendations = recommendations_of(event, adopted_only=True)
    doubled = conflicts(event)
    report = Report(
        event=event, statuses=statuses, attended=groups.attended, has_check_ins=has_check_ins, districts=districts,
        countries=countries, organization_types=organization_types, categories=categories,
        sessions=_session_lines(event), arrival_days=arrival_days(event),
        east=max(places, key=lambda subject: subject.longitude) if places else None,
        west=min(places, key=lambda subject: subject.longitude) if places else None,
        subject_count=len(places), recommendations=by_addressee(recommendations),
        adopted_count=len(recommendations),
        without_addressee=sum(1 for item in recommendations if not item.addressees),
        confirmed_came=groups.confirmed_came,
        offline_conflicts=[(point.session, doubled[point.key]) for point in (checkpoints(event) if doubled else ())
                           if doubled.get(point.key)],
    )
    return report


def _session_lines(event: Event) -> list[SessionLine]:
    # Both counted through the event's sessions, on the sign-ups' and the check-ins' session indexes alone: 13 ms
    # against 150 ms over check_in.event_id for bench/report.py's 100,000 check-ins.
    sessions = select(AgendaSession.id).where(AgendaSession.event_id == event.id)
    signups = {(session_id, status): count for session_id, status, count in db.session.execute(
        select(SessionSignup.session_id, SessionSignup.status, func.count())
        .where(SessionSignup.session_id.in_(sessions)).group_by(SessionSignup.session_id, SessionSignup.status))}
    attended = dict(db.session.execute(select(CheckIn.session_id, func.count()).where(
        CheckIn.session_id.in_(sessions)).group_by(CheckIn.session_id)).all())
    labels = translated(KIND_LABELS)
    rows = db.session.execute(select(AgendaSession, Room).join(
        Room, and_(Room.id == AgendaSession.room_id)).where(
        AgendaSession.event_id == event.id, AgendaSession.kind.not_in(NOT_CHECKPOINTS))
        .order_by(AgendaSession.starts_at, AgendaSession.id))
    language = current_language()  # (once: asking Babel 400 times cost the dashboard 10 ms)
    return [SessionLine(session.localized("title", language), labels[session.kind], session.starts_at,
                        room.localized("name", language), session.capacity or room.capacity,
                        signups.get((session.id, SignupStatus.REGISTERED), 0),
                        signups.get((session.id, SignupStatus.WAITING), 0),
                        attended.get(session.id, 0))
            for session, room in rows]


# ---- the words of the report ------------------------------------------------------------------------------

def people(count: int) -> str:
    """«более 500 человек» in the press-release way: hundreds rounded down when there are hundreds."""
    if count >= 100 and count % 100:
        rounded = count // 100 * 100
        return _("more than %(count)s", count=ngettext("%(num)d person", "%(num)d people", rounded))
    return ngettext("%(num)d person", "%(num)d people", count)


def organization_phrase(report: Report) -> str:
    """«представители федеральных и региональных органов государственной власти, промышленных кластеров, …»."""
    present = [line.key for line in report.organization_types if report.counted(line)]
    names = {line.key: line.label for line in report.organization_types}
    phrases = []
    if "federal_authority" in present and "regional_authority" in present:
        phrases.append(str(ORGANIZATION_GROUPS["authorities"]))
        present = [code for code in present if code not in ("federal_authority", "regional_authority")]
    for code in present:
        if code == "other":
            continue
        phrases.append(str(ORGANIZATION_GROUPS[code]) if code in ORGANIZATION_GROUPS else names[code].lower())
    return ", ".join(phrases)


def summary(report: Report, notes: bool = True) -> str:
    """The report's opening paragraph, written from the figures in the seed's press-release style: «В работе
    мероприятия … приняли участие более 500 человек из 66 субъектов Российской Федерации от Южно-Сахалинска до
    Калининграда (представители …)». `notes`: with the note for the organizers that no one has been checked in
    yet (the report's; not the press release's)."""
    event = report.event
    english = current_language() == "en"
    title = event.display_title(current_language())
    city = event_city(event, current_language())
    where = date_range(event.starts_on, event.ends_on) + (f", {city}" if city else "")
    if report.registered == 0:
        return _("«%(title)s» (%(where)s): no one has registered yet.", title=title, where=where)
    if report.has_check_ins:
        text = _("«%(title)s» (%(where)s) was attended by %(people)s", title=title, where=where,
                 people=people(report.attended))
    else:
        text = _("For «%(title)s» (%(where)s), %(people)s registered and were confirmed", title=title, where=where,
                 people=people(report.confirmed))
    if report.subject_count:
        text += " " + ngettext("from %(num)d federal subject of Russia", "from %(num)d federal subjects of Russia",
                               report.subject_count)
    if report.east and report.west and report.east.id != report.west.id:
        def centre(subject: FederalSubject) -> str:
            return subject.capital_en if english else subject.capital_genitive_ru or subject.capital_ru

        text += " " + _("from %(east)s to %(west)s", east=centre(report.east), west=centre(report.west))
    if report.country_count:
        text += " " + ngettext("and from %(num)d other country", "and from %(num)d other countries",
                               report.country_count)
    kinds = organization_phrase(report)
    if kinds:
        text += " " + _("(representatives of %(kinds)s)", kinds=kinds)
    text += "."
    if notes and not report.has_check_ins:
        text += " " + _("No arrivals have been checked in yet: attendance figures appear once check-in begins.")
    return text


# ---- documents --------------------------------------------------------------------------------------------

@download_kind("report")
def prepared_report(download, progress) -> bytes:
    """The report of a large event, prepared by a job (see views.report_pdf)."""
    return render_report_pdf(download.event, download.params["language"])


def render_report_pdf(event: Event, language: str) -> bytes:
    with force_locale(language):
        report = build_report(event)
        html = render_template("reports/report.html", report=report, summary=summary(report),
                               regions=region_map(report), city=event_city(event, current_language()),
                               generated=datetime.now(UTC))
    return render_pdf(html, user_agent_css="css/report-ua.css", tagged=True)


def render_report_xlsx(event: Event, language: str) -> bytes:
    """The report's tables, one sheet each, for organizers who build their own charts: the same figures as the
    PDF, typed (counts as numbers, shares as percentages, times as the event's wall-clock times)."""
    with force_locale(language):
        report = build_report(event)
        workbook = Workbook(write_only=True)
        confirmed, came, share_of = _("Confirmed registrations"), _("Attended"), _("Share attended")

        def lines(rows: list[Line]) -> list[list]:
            return [[line.label, line.confirmed, line.attended, share(line.share)] for line in rows]

        def local(moment: datetime) -> datetime:
            return to_zone(moment, event.timezone).replace(tzinfo=None)

        # The lines of the PDF's summary table, in its order and words, then its opening paragraph.
        add_table(workbook, _("Summary"), [_("Figure"), _("Value")], [
            [_("Registrations"), report.registered], [_("Confirmed registrations"), report.confirmed],
            [_("Attended"), report.attended if report.has_check_ins else None],
            [_("No-show rate (confirmed who did not come)"), share(report.no_show_rate)],
            [_("Federal subjects"), report.subject_count], [_("Other countries"), report.country_count],
            [_("Adopted recommendations"), report.adopted_count],
            [_("Summary"), summary(report)]])
        add_table(workbook, _("Federal districts"), [_("Federal district"), confirmed, came, share_of],
                  lines([group.district for group in report.districts]))
        add_table(workbook, _("Regions"), [_("Region"), _("Federal district"), confirmed, came, share_of],
                  [[line.label, group.district.label, line.confirmed, line.attended, share(line.share)]
                   for group in report.districts for line in group.subjects]
                  + [[line.label, _("Other countries"), line.confirmed, line.attended, share(line.share)]
                     for line in report.countries])
        add_table(workbook, _("Organization types"), [_("Organization type"), confirmed, came, share_of],
                  lines(report.organization_types))
        add_table(workbook, _("Categories"), [_("Category"), confirmed, came, share_of], lines(report.categories))
        add_table(workbook, _("Sessions"), [_("Session"), _("Format"), _("Starts"), _("Room"), _("Capacity"),
                                             _("Signed up"), _("Attended"), _("Fill rate")],
                  [[line.title, line.kind, local(line.starts_at), line.room, line.capacity, line.signed_up,
                    line.attended, share(line.fill_rate)] for line in report.sessions])
        # The slots' start times themselves, not the chart's labels: a time a spreadsheet can sort and plot.
        add_table(workbook, _("Arrivals"), [_("Time"), _("Arrivals")],
                  [[local(start), count] for start, count in report.arrivals])
        add_table(workbook, _("Recommendations"), [_("Addressee"), _("No."), _("Recommendation")],
                  [[body.name if body else _("No addressee given"), number, recommendation.localized("text")]
                   for body, items in report.recommendations for number, recommendation in items])
        buffer = io.BytesIO()
        workbook.save(buffer)
    return buffer.getvalue()
