"""The organizer's dashboard: the post-event report's figures while the event is prepared and run, from the report's
own queries (build_report), plus what only matters before the end: registrations day by day, recommendations by
state, whether registration is open."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Date, cast, func, literal_column, select

from conference.events.models import Event
from conference.extensions import db
from conference.registration.models import STATUSES, Participant
from conference.registration.services import registration_state
from conference.resolutions.models import STATUSES as RECOMMENDATION_STATUSES
from conference.resolutions.models import Recommendation

from .geography import RegionMap, region_map
from .services import Line, Report, SessionLine, build_report

TOP = 10  # regions and organization types shown on the dashboard; the report and its XLSX have them all
FULLEST = 15  # sessions shown, the fullest first


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
    """Registrations by the day they were made (the event's time zone), split by their status now, every day from
    the first registration to the last (days without any included, so that a quiet week shows)."""
    days: dict[date, dict[str, int]] = {}
    for day, status, count in _local_days(event):
        day = date.fromisoformat(day) if isinstance(day, str) else day
        days.setdefault(day, dict.fromkeys(STATUSES, 0))[status] += count
    if not days:
        return []
    first, last = min(days), max(days)
    return [RegistrationDay(day, days.get(day, dict.fromkeys(STATUSES, 0)))
            for day in (first + timedelta(days=offset) for offset in range((last - first).days + 1))]


def _local_days(event: Event) -> list[tuple]:
    """(local day, status, registrations) counted by the database. PostgreSQL knows time zones; SQLite is told the
    zone's offset from UTC, once for each stretch of time over which it stays the same (a clock change between the
    first registration and the last splits them into two stretches). Dates rather than quarter hours grouped in
    Python: the dashboard asks on every refresh, and 20,000 registrations took 46 ms against 27 ms
    (bench/dashboard.py)."""
    mine = Participant.event_id == event.id
    if db.session.get_bind().dialect.name == "postgresql":
        day = cast(func.timezone(event.timezone, func.timezone("UTC", Participant.created_at)), Date).label("day")
        return db.session.execute(select(day, Participant.status, func.count()).where(mine)
                                  .group_by(day, Participant.status)).all()
    def counted(minutes: int, *where) -> list:
        day = func.date(Participant.created_at, literal_column(f"'{minutes:+d} minutes'")).label("day")
        return db.session.execute(select(day, Participant.status, func.count()).where(mine, *where)
                                  .group_by(day, Participant.status)).all()

    zone, usual = ZoneInfo(event.timezone), _offset(ZoneInfo(event.timezone), event.ended_at)
    # Counted with the offset the zone has at the event; counted again, stretch by stretch, only if the zone's
    # clocks changed over the days counted (a day more on either side: a clock moves by hours, not by days).
    rows = counted(usual)
    if not rows:
        return []
    days = [date.fromisoformat(row[0]) for row in rows]
    stretches = _offset_stretches(zone, datetime.combine(min(days) - timedelta(days=1), time(), UTC),
                                  datetime.combine(max(days) + timedelta(days=2), time(), UTC))
    if len(stretches) > 1 or stretches[0][2] != usual:
        rows = [row for begins, ends, minutes in stretches for row in counted(
            minutes, Participant.created_at >= begins, Participant.created_at < ends)]
    return rows


def _offset(zone: ZoneInfo, moment: datetime) -> int:
    """The zone's offset from UTC at that moment, in minutes."""
    return int(moment.astimezone(zone).utcoffset().total_seconds() // 60)


def _offset_stretches(zone: ZoneInfo, first: datetime, last: datetime) -> list[tuple[datetime, datetime, int]]:
    """[begins, ends) in UTC covering first..last, over each of which the zone's offset (in minutes) stays the same.
    The offset is looked at every 6 hours, and a change found is narrowed down to the minute."""
    def offset(moment: datetime) -> int:
        return _offset(zone, moment)

    stretches, begins, moment = [], first, first
    while moment <= last:
        following = moment + timedelta(hours=6)
        if offset(following) != offset(moment):
            low, high = moment, following  # the change lies after low, at or before high
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if offset(middle) == offset(low) else (low, middle)
            stretches.append((begins, high, offset(begins)))
            begins = high
        moment = following
    stretches.append((begins, last + timedelta(seconds=1), offset(begins)))
    return stretches


def recommendation_states(event: Event) -> dict[str, int]:
    counts = dict(db.session.execute(select(Recommendation.status, func.count()).where(
        Recommendation.event_id == event.id).group_by(Recommendation.status)).all())
    return {status: counts.get(status, 0) for status in RECOMMENDATION_STATUSES}


def build_dashboard(event: Event) -> Dashboard:
    report = build_report(event)
    return Dashboard(report=report, registration_days=registrations_per_day(event),
                     recommendation_states=recommendation_states(event),
                     registration_state=registration_state(event), regions=region_map(report))
