"""The organizer's dashboard: the post-event report's figures while the event is prepared and run, from the report's
own queries (build_report), plus what only matters before the end: registrations day by day, recommendations by
state, whether registration is open."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from conference.events.models import Event
from conference.extensions import db
from conference.registration.models import STATUSES, Participant
from conference.registration.services import registration_state
from conference.resolutions.models import STATUSES as RECOMMENDATION_STATUSES
from conference.resolutions.models import Recommendation
from conference.timeutil import interval_number

from .geography import RegionMap, region_map
from .services import Line, Report, SessionLine, build_report

TOP = 10  # regions and organization types shown on the dashboard; the report and its XLSX have them all
FULLEST = 15  # sessions shown, the fullest first
# Registrations are counted per quarter hour by the database and put into days here: every time zone is a whole
# number of quarter hours away from UTC, so each quarter falls into one local day.
QUARTER = 15 * 60


@dataclass(frozen=True)
class RegistrationDay:
    day: date
    counts: dict[str, int]  # status now → registrations made that day (the event's time zone)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Dashboard:
    report: Report
    registration_days: list[RegistrationDay]
    recommendation_states: dict[str, int]
    registration_state: str
    regions: RegionMap | None  # the report's map (None where its geometry has not been built)

    @property
    def top_regions(self) -> list[Line]:
        """The federal subjects and other countries people came from (confirmed ones, before check-in begins)."""
        report = self.report
        places = [line for group in report.districts for line in group.subjects] + report.countries
        return sorted((line for line in places if report.counted(line)),
                      key=lambda line: (-report.counted(line), line.label))[:TOP]

    @property
    def top_organization_types(self) -> list[Line]:
        report = self.report
        return sorted((line for line in report.organization_types if report.counted(line)),
                      key=lambda line: -report.counted(line))[:TOP]

    @property
    def fullest_sessions(self) -> list[SessionLine]:
        """Sign-ups against seats, then people who came against seats: the sessions to watch."""
        return sorted(self.report.sessions, key=lambda line: (
            -(line.signed_up / line.capacity if line.capacity else 0), -line.fill_rate, line.starts_at))[:FULLEST]

    @property
    def came_share(self) -> float | None:
        """The share of confirmed participants who came (the report's no-show rate, the other way round)."""
        rate = self.report.no_show_rate
        return None if rate is None else 1 - rate


def registrations_per_day(event: Event) -> list[RegistrationDay]:
    """Registrations by the day they were made, split by their status now, every day from the first registration
    to the last (days without any included, so that a quiet week shows)."""
    number = interval_number(Participant.created_at, QUARTER).label("number")
    rows = db.session.execute(select(number, Participant.status, func.count()).where(
        Participant.event_id == event.id).group_by(number, Participant.status))
    zone = ZoneInfo(event.timezone)
    days: dict[date, dict[str, int]] = {}
    day, begins, ends = None, 0.0, 0.0  # the local day of the quarters at hand, and its bounds in UTC seconds
    for quarter, status, count in sorted(rows):
        second = quarter * QUARTER
        if not begins <= second < ends:  # (the day's bounds from its midnights: right across a clock change too)
            day = datetime.fromtimestamp(second, zone).date()
            begins = datetime.combine(day, time(), zone).timestamp()
            ends = datetime.combine(day + timedelta(days=1), time(), zone).timestamp()
        days.setdefault(day, dict.fromkeys(STATUSES, 0))[status] += count
    if not days:
        return []
    first, last = min(days), max(days)
    return [RegistrationDay(day, days.get(day, dict.fromkeys(STATUSES, 0)))
            for day in (first + timedelta(days=offset) for offset in range((last - first).days + 1))]


def recommendation_states(event: Event) -> dict[str, int]:
    counts = dict(db.session.execute(select(Recommendation.status, func.count()).where(
        Recommendation.event_id == event.id).group_by(Recommendation.status)).all())
    return {status: counts.get(status, 0) for status in RECOMMENDATION_STATUSES}


def build_dashboard(event: Event) -> Dashboard:
    report = build_report(event)
    return Dashboard(report=report, registration_days=registrations_per_day(event),
                     recommendation_states=recommendation_states(event),
                     registration_state=registration_state(event), regions=region_map(report))
