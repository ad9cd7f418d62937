"""The organizer's live dashboard: its figures are the report's (compared with the report's workbook, read by
openpyxl), registrations day by day add up to the registrations, the figures refresh on their own, only members who
organize see them, and nothing outside `reports/` imports it."""

import ast
import io
import re
from collections import Counter
from pathlib import Path

import pytest
from lxml import html
from openpyxl import load_workbook
from sqlalchemy import select

from conference.events.services import get_event
from conference.extensions import db
from conference.registration.models import Participant
from conference.timeutil import to_zone

from .conftest import join


@pytest.fixture
def demo(app, demo, organizer_client, checkin_client):
    """The demo forum (conftest's), with this test's organizer and check-in accounts in its team."""
    with app.app_context():
        event = get_event(demo)
    join(app, organizer_client.email, event)
    join(app, checkin_client.email, event)
    return demo


def sheet(workbook, name: str) -> list[tuple]:
    return list(workbook[name].iter_rows(min_row=2, values_only=True))


def figure(page, name: str) -> str:
    return page.xpath(f'//*[@data-figure="{name}"]/*[@class="number"]')[0].text_content().strip()


def bars(svg) -> dict[str, tuple[int, int]]:
    """A bar chart's lines: label → (attended, confirmed), as its texts print them («12 / 15»)."""
    texts = [text.text_content() for text in svg.iter("{*}text", "text")]
    pairs = {}
    for label, figures in zip(texts[0::2], texts[1::2], strict=False):
        found = re.fullmatch(r"(\d+) / (\d+)", figures)
        if found:
            pairs[label] = (int(found[1]), int(found[2]))
    return pairs


def test_the_dashboards_figures_are_the_reports(app, demo, organizer_client):
    page = html.fromstring(organizer_client.get(f"/manage/events/{demo}").get_data(as_text=True))
    workbook = load_workbook(io.BytesIO(organizer_client.get(f"/manage/events/{demo}/report.xlsx").data))
    summary = dict(sheet(workbook, "Итоги"))

    assert int(figure(page, "attended")) == summary["Пришли"]
    assert int(figure(page, "subjects")) == summary["Субъекты Российской Федерации"] == 66
    assert int(figure(page, "countries")) == summary["Зарубежные страны"]
    no_show = summary["Доля неявки (подтверждены, но не пришли)"]
    assert figure(page, "came-share") == f"{round((1 - no_show) * 100):.0f} %"
    assert int(figure(page, "recommendations-adopted")) == summary["Принятые рекомендации"] == 3
    statuses = {link.xpath('*[@class="label"]')[0].text_content():
                int(link.xpath('*[@class="number"]')[0].text_content())
                for link in page.xpath('//a[@class="figure"][contains(@href, "status=")]')}
    assert sum(statuses.values()) == summary["Зарегистрировано"]
    assert statuses["Подтверждена"] == summary["Подтверждено"]

    # The regions and organization types drawn are the top lines of the report's tables, with its figures.
    charts = page.xpath("//svg[@aria-label]")
    regions = bars(next(svg for svg in charts if "регион" in svg.get("aria-label").lower()))
    table = sorted(((attended, confirmed, label) for label, _district, confirmed, attended, _share
                    in sheet(workbook, "Регионы")), key=lambda line: (-line[0], line[2]))
    assert regions == {label[:40] if len(label) <= 40 else label[:39] + "…": (attended, confirmed)
                       for attended, confirmed, label in table[:10]}
    types = bars(next(svg for svg in charts if "тип" in svg.get("aria-label").lower()))
    workbook_types = {label: (attended, confirmed) for label, confirmed, attended, _share
                      in sheet(workbook, "Типы организаций")}
    assert types and all(workbook_types[label] == pair for label, pair in types.items())

    # Sessions: signed up, seats and who came, as the report's sessions sheet has them.
    sessions = {title: (signed_up, capacity, attended) for title, _kind, _starts, _room, capacity, signed_up,
                attended, _fill in sheet(workbook, "Сессии программы")}
    rows = page.xpath('//table[@id="session-fill"]/tbody/tr')
    assert rows
    for row in rows:
        title, _starts, signed_up, _waiting, seats, came = [cell.text_content().strip() for cell in row]
        assert sessions[title] == (int(signed_up), int(seats), int(came))

    # Arrivals: every quarter hour's column, summed, is every arrival of the report's arrivals sheet.
    arrivals = sum(count for _time, count in sheet(workbook, "Прибытие участников"))
    drawn = sum(int(text.text_content()) for svg in charts if "прибыт" in svg.get("aria-label").lower()
                for text in svg.iter("{*}text", "text") if text.get("text-anchor") == "middle"
                and text.text_content().isdigit() and float(text.get("y")) < 45)
    assert arrivals and drawn == arrivals


def test_registrations_per_day_count_every_registration_on_its_local_day(app, demo):
    from conference.reports.dashboard import registrations_per_day

    with app.test_request_context():
        event = get_event(demo)
        days = registrations_per_day(event)
        expected = Counter((to_zone(created, event.timezone).date(), status) for created, status in db.session.execute(
            select(Participant.created_at, Participant.status).where(Participant.event_id == event.id)))
    assert {(day.day, status): count for day in days for status, count in day.counts.items() if count} == expected
    assert all((later.day - earlier.day).days == 1 for earlier, later in zip(days, days[1:], strict=False))


def test_the_figures_refresh_on_their_own_and_only_organizers_see_them(app, demo, organizer_client,
                                                                         checkin_client, client):
    page = organizer_client.get(f"/manage/events/{demo}").get_data(as_text=True)
    assert f'data-source="/manage/events/{demo}/figures"' in page and "live-figures.js" in page
    fragment = organizer_client.get(f"/manage/events/{demo}/figures")
    assert fragment.status_code == 200 and 'data-figure="attended"' in fragment.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    assert checkin_client.get(f"/manage/events/{demo}/figures").status_code == 403
    assert client.get(f"/manage/events/{demo}/figures").status_code in (302, 401)


def test_nothing_outside_reports_imports_it():
    """reports/ reads every capability; a capability that imported it would run the dependencies upward. (The app
    factory and the CLI, outside the capabilities, register its blueprint and command.)"""
    package = Path(__file__).resolve().parent.parent / "conference"
    importers = []
    for path in package.rglob("*.py"):
        capability = path.relative_to(package).parts[0]
        if path.parent == package or capability in ("reports", "migrations"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if any(name == "conference.reports" or name.startswith("conference.reports.") for name in names):
                importers.append(str(path.relative_to(package)))
    assert importers == []


def test_registrations_fall_on_their_local_day_across_a_clock_change(app, make_event, client, form_data):
    """Berlin moves its clocks from UTC+1 to UTC+2 at 01:00 UTC on 29 March 2026: a registration at 22:30 UTC that
    evening is on the 30th there, one at 21:30 UTC on the 29th, and one at 23:30 UTC the evening before on the
    29th. One offset for the whole span would put one of them on the wrong day."""
    from datetime import UTC, date, datetime

    from conference.reports.dashboard import registrations_per_day

    event = make_event(timezone="Europe/Berlin")
    made = [datetime(2026, 3, 28, 23, 30, tzinfo=UTC), datetime(2026, 3, 29, 21, 30, tzinfo=UTC),
            datetime(2026, 3, 29, 22, 30, tzinfo=UTC)]
    for number in range(len(made)):
        assert client.post(f"/events/{event.slug}/register", data=form_data(
            email=f"p{number}@example.org")).status_code == 302
    with app.app_context():
        for participant, moment in zip(db.session.scalars(select(Participant).order_by(Participant.id)), made,
                                       strict=True):
            participant.created_at = moment
        db.session.commit()
        days = registrations_per_day(db.session.merge(event))
    assert [(day.day, day.total) for day in days] == [(date(2026, 3, 29), 2), (date(2026, 3, 30), 1)]
