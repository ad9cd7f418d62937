"""Arrivals at the entrance over more than one day: each day its own axis in the event's time zone, empty
intervals kept, hours labelled sparsely enough; the same days on the live dashboard and in the report."""

import re
import subprocess
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from conference.checkin.models import CheckIn
from conference.checkin.services import ARRIVAL_LABELS, arrival_days
from conference.demo import DEMO_SLUG, create_demo
from conference.events.services import get_event
from conference.extensions import db
from conference.registration.models import Participant
from conference.reports import services as reports
from conference.timeutil import local_to_utc, to_zone

from .conftest import action


def arrive(app, event, *moments: str) -> None:
    """The event's confirmed participants, one per moment, checked in at the entrance at that wall-clock time."""
    with action(app):
        people = list(db.session.scalars(select(Participant.id).where(
            Participant.event_id == event.id, Participant.status == "confirmed").order_by(Participant.id)))
        assert len(people) >= len(moments)
        for person, moment in zip(people, moments, strict=False):
            db.session.add(CheckIn(event_id=event.id, participant_id=person, checkpoint="entrance",
                                   checked_in_at=local_to_utc(datetime.fromisoformat(moment), event.timezone)))


@pytest.fixture
def vladivostok(app, client, make_event, form_data, organizer_client):
    """An event ten hours east of UTC (its mornings begin on the day before in UTC), with six confirmed people."""
    event = make_event(timezone="Asia/Vladivostok", members=(organizer_client.email,))
    for number in range(6):
        assert client.post(f"/events/{event.slug}/register",
                           data=form_data(email=f"v{number}@example.org")).status_code == 302
    return event


def local_starts(event, day) -> list[str]:
    return [to_zone(start, event.timezone).strftime("%H:%M") for start, _count in day.slots]


def test_two_days_each_on_its_own_axis_with_the_empty_intervals(app, ctx, vladivostok):
    arrive(app, vladivostok, "2018-11-23 09:05", "2018-11-23 09:10", "2018-11-23 10:40", "2026-12-06 13:50")
    days = arrival_days(db.session.merge(vladivostok))
    assert [day.day for day in days] == [date(2018, 11, 23), date(2026, 12, 6)]  # 09:05 there is 23:05 UTC on 22.11
    first, second = days
    # Whole hours around the first and last arrival, every quarter hour between them, the empty ones as zeros.
    assert local_starts(vladivostok, first) == ["09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30", "10:45"]
    assert [count for _start, count in first.slots] == [2, 0, 0, 0, 0, 0, 1, 0]
    assert first.labels == [(0, "09:00"), (4, "10:00"), (8, "11:00")]  # boundaries: the last one ends the axis
    assert local_starts(vladivostok, second) == ["13:00", "13:15", "13:30", "13:45"]
    assert [count for _start, count in second.slots] == [0, 0, 0, 1]
    assert second.labels == [(0, "13:00"), (4, "14:00")]


def test_a_long_day_is_labelled_every_few_hours_and_every_day_alike(app, ctx, vladivostok):
    arrive(app, vladivostok, "2026-12-06 06:10", "2026-12-06 21:40", "2026-12-07 09:20")
    long_day, short_day = arrival_days(db.session.merge(vladivostok))
    assert len(long_day.slots) == 16 * 4  # 06:00 to 22:00
    assert [text for _index, text in long_day.labels] == [f"{hour:02}:00" for hour in range(6, 23, 2)]
    assert len(long_day.labels) <= ARRIVAL_LABELS + 1
    assert short_day.labels == [(4, "10:00")]  # 09:00–10:00 on the same scale: the even hours only


def test_no_arrivals_no_days(app, ctx, vladivostok):
    assert arrival_days(db.session.merge(vladivostok)) == []


def second_day_of_the_demo(app, day: str = "2018-11-24", count: int = 40) -> None:
    """The demo forum (23 November 2018) given a second day: `count` of its arrivals at the entrance moved to `day`
    from 13:30 Moscow, one every 4 minutes. Both days then have a 13:45, and the first keeps its lull from 10:30
    to 13:00."""
    with action(app):
        create_demo()
        event = get_event(DEMO_SLUG)
        rows = db.session.scalars(select(CheckIn).where(
            CheckIn.event_id == event.id, CheckIn.checkpoint == "entrance").order_by(CheckIn.id).limit(count))
        for number, row in enumerate(rows):
            row.checked_in_at = local_to_utc(datetime.fromisoformat(f"{day} 13:30"), event.timezone) + timedelta(
                minutes=4 * number)


def test_the_dashboards_figures_come_day_by_day(app, vladivostok, organizer_client):
    arrive(app, vladivostok, "2018-11-23 09:05", "2018-11-23 10:40", "2026-12-06 13:50")
    figures = organizer_client.get(f"/manage/events/{vladivostok.slug}/checkin/arrivals.json").get_json()
    first, second = figures["days"]
    assert (first["date"], second["date"]) == ("23 ноября 2018\u202fг.", "6 декабря 2026\u202fг.")  # as CLDR writes it
    assert [slot["start"] for slot in first["slots"]][::4] == ["09:00", "10:00"]
    assert [slot["count"] for slot in first["slots"]] == [1, 0, 0, 0, 0, 0, 1, 0]
    assert first["labels"] == [{"at": 0, "text": "09:00"}, {"at": 4, "text": "10:00"}, {"at": 8, "text": "11:00"}]
    assert [slot["count"] for slot in second["slots"]] == [0, 0, 0, 1]


def test_the_reports_arrivals_are_a_chart_per_day_with_hours_that_never_run_together(app, tmp_path):
    second_day_of_the_demo(app)
    with app.test_request_context():
        (tmp_path / "report.pdf").write_bytes(reports.render_report_pdf(get_event(DEMO_SLUG), "ru"))
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "report.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout.replace("\u202f", " ")
    start = text.index("Прибытие на входе по 15 минут")
    section = text[start:text.index("Рекомендации", start)]
    # Once «23.11 08:4523.11 09:00…»: every time on the axes now stands alone, and each day is named once.
    assert re.findall(r"\d\d:\d\d\S|\S\d\d:\d\d", section) == []
    assert re.findall(r"\d+ ноября 2018 г\.", section) == ["23 ноября 2018 г.", "24 ноября 2018 г."]
    first, second = section.split("24 ноября 2018 г.")
    assert re.findall(r"\d\d:\d\d", first) == [f"{hour:02}:00" for hour in range(8, 15)]  # the lull included
    assert re.findall(r"\d\d:\d\d", second) == ["13:00", "14:00", "15:00", "16:00", "17:00"]
