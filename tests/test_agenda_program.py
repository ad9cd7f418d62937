"""The public program as HTML, JSON, iCalendar and PDF; the organizer's editor pages."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from conference.agenda.models import AgendaSession
from conference.extensions import db
from conference.pdf import StaticOnlyFetcher, render_pdf

from .agenda_helpers import at, make_room, make_session
from .conftest import action


@pytest.fixture
def program(app, event, client, form_data):
    """A plenary with a moderator, a seminar off-site, and an internal staff briefing."""
    client.post(f"/events/{event.slug}/register", data=form_data())
    with action(app):
        moderator = db.session.scalar(select(db.text("id")).select_from(db.text("participant")))
        hall = make_room(event, "Большой зал", 300)
        off_site = make_room(event, "Технопарк «Сколково»", 40, address="Москва, Большой бульвар, 42")
        ids = {
            "plenary": make_session(event, hall, at(event, 0, 10), at(event, 0, 12, 30), kind="plenary",
                                    title="Наращивание внутренней кооперации", moderator_ids=[moderator]),
            "seminar": make_session(event, off_site, at(event, 0, 14), at(event, 0, 16), kind="seminar",
                                    title="Эффективный технопарк"),
            "briefing": make_session(event, hall, at(event, 1, 8), at(event, 1, 9), kind="break",
                                     title="Инструктаж волонтёров", is_public=False),
        }
    return ids


def test_public_program_by_day_with_people_and_places(client, event, program):
    page = client.get(f"/events/{event.slug}/program").get_data(as_text=True)
    assert "Наращивание внутренней кооперации" in page and "Эффективный технопарк" in page
    assert "Инструктаж волонтёров" not in page  # internal
    assert "10:00–12:30" in page and "Сидорова Анна Петровна" in page and "АО «Технопарк Сколково»" in page
    assert "Москва, Большой бульвар, 42" in page
    assert page.index("Наращивание") < page.index("Эффективный")


def test_program_filters_by_kind_and_room(client, event, program, app):
    page = client.get(f"/events/{event.slug}/program", query_string={"kind": "seminar"}).get_data(as_text=True)
    assert "Эффективный технопарк" in page and "Наращивание внутренней" not in page
    with action(app):
        hall = db.session.get(AgendaSession, program["plenary"]).room_id
    page = client.get(f"/events/{event.slug}/program", query_string={"room": hall}).get_data(as_text=True)
    assert "Наращивание внутренней" in page and "Эффективный технопарк" not in page
    assert client.get(f"/events/{event.slug}/program", query_string={"kind": "<x>", "room": "y"}).status_code == 200


def test_program_json(client, event, program):
    data = client.get(f"/api/v1/events/{event.slug}/program").get_json()
    assert [s["title"] for s in data["sessions"]] == ["Наращивание внутренней кооперации", "Эффективный технопарк"]
    plenary = data["sessions"][0]
    assert plenary["starts_at"].endswith("T10:00:00+03:00") and plenary["kind"] == "plenary"
    assert plenary["moderators"] == [{"name": "Сидорова Анна Петровна", "position": "Директор по развитию",
                                      "organization": "АО «Технопарк Сколково»"}]
    assert "email" not in str(data) and "@" not in str(data["sessions"])  # no personal contacts in public
    missing = client.get("/api/v1/events/nope/program")
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"


def test_whole_program_calendar_parses_back_with_the_events_time_zone(client, event, program):
    response = client.get(f"/events/{event.slug}/program.ics")
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.get_data())
    entries = calendar.walk("VEVENT")
    assert sorted(str(entry["SUMMARY"]) for entry in entries) == ["Наращивание внутренней кооперации",
                                                                 "Эффективный технопарк"]
    plenary = next(entry for entry in entries if "кооперации" in str(entry["SUMMARY"]))
    start = plenary.decoded("DTSTART")
    assert start == datetime.combine(event.starts_on, datetime.min.time().replace(hour=10),
                                     tzinfo=ZoneInfo("Europe/Moscow"))
    assert plenary["DTSTART"].params["TZID"] == "Europe/Moscow"
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Moscow"]
    assert "Большой зал" in str(plenary["LOCATION"])


def test_one_session_calendar_and_refusals(client, event, program):
    calendar = Calendar.from_ical(client.get(f"/events/{event.slug}/sessions/{program['seminar']}.ics").get_data())
    [entry] = calendar.walk("VEVENT")
    assert "Москва, Большой бульвар, 42" in str(entry["LOCATION"])
    assert client.get(f"/events/{event.slug}/sessions/{program['briefing']}.ics").status_code == 404  # internal
    assert client.get(f"/events/{event.slug}/sessions/999999.ics").status_code == 404
    assert client.get(f"/events/nope/sessions/{program['seminar']}.ics").status_code == 404


def test_another_events_session_is_not_found_through_this_event(client, make_event, program):
    other = make_event()
    assert client.get(f"/events/{other.slug}/sessions/{program['seminar']}.ics").status_code == 404


def test_program_pdf_reads_back(client, event, program):
    response = client.get(f"/events/{event.slug}/program.pdf")
    assert response.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.get_data())).pages)
    assert event.title in text and "Наращивание внутренней кооперации" in text and "10:00–12:30" in text
    assert "Инструктаж" not in text


def test_the_pdf_renderer_fetches_only_static_files(tmp_path):
    fetcher = StaticOnlyFetcher()
    for url in ("http://127.0.0.1:9/x.png", "file:///etc/passwd", "ftp://example.org/x"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    pdf = render_pdf(f'<p>Hello</p><img src="file://{secret}"><img src="http://127.0.0.1:9/a.png">'
                     '<link rel="stylesheet" href="css/program-pdf.css">')
    assert pdf.startswith(b"%PDF")


def test_organizer_pages_list_grid_and_problems(organizer_client, event, program):
    listing = organizer_client.get(f"/manage/events/{event.slug}/agenda/").get_data(as_text=True)
    assert "Инструктаж волонтёров" in listing and "внутреннее" in listing
    grid = organizer_client.get(f"/manage/events/{event.slug}/agenda/grid").get_data(as_text=True)
    assert "Большой зал" in grid and 'rowspan="10"' in grid  # 10:00–12:30 in quarter hours
    problems = organizer_client.get(f"/manage/events/{event.slug}/agenda/conflicts").get_data(as_text=True)
    assert "Пересечений нет" in problems


def test_organizer_creates_edits_duplicates_and_meets_the_clash(app, organizer_client, event, program):
    with action(app):
        hall = db.session.get(AgendaSession, program["plenary"]).room_id
    form = {"title": "Круглый стол", "kind": "round_table", "room_id": hall, "day": event.starts_on.isoformat(),
            "start_time": "12:00", "end_time": "13:00", "is_public": "y"}
    refused = organizer_client.post(f"/manage/events/{event.slug}/agenda/sessions/new", data=form)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "занят" in page and "«Наращивание внутренней кооперации»" in page
    assert 'value="Круглый стол"' in page  # what was typed stays
    saved = organizer_client.post(f"/manage/events/{event.slug}/agenda/sessions/new",
                                  data=dict(form, start_time="12:30", end_time="13:30"))
    assert saved.status_code == 302
    copy = organizer_client.get(f"/manage/events/{event.slug}/agenda/sessions/new",
                                query_string={"from": program["plenary"]}).get_data(as_text=True)
    assert 'value="Наращивание внутренней кооперации"' in copy and "Копия" in copy


@pytest.mark.parametrize(("change", "field"), [
    ({"end_time": "09:00"}, "end_time"),
    ({"capacity": "0"}, "capacity"),
    ({"capacity": "-5"}, "capacity"),
    ({"start_time": "25:00"}, "start_time"),
    ({"room_id": "999999"}, "room_id"),
    ({"title": ""}, "title"),
    ({"day": "0001-01-01"}, "day"),
    ({"speaker_ids": "999999"}, "speaker_ids"),
    ({"external-0-position": "Эксперт"}, "external-0-name"),
])
def test_bad_session_input_gets_a_field_error_and_saves_nothing(app, organizer_client, event, program, change,
                                                                field):
    with action(app):
        before = db.session.query(AgendaSession).count()
    form = {"title": "Круглый стол", "kind": "round_table", "room_id": db_room(app, program),
            "day": event.starts_on.isoformat(), "start_time": "17:00", "end_time": "18:00"}
    page = organizer_client.post(f"/manage/events/{event.slug}/agenda/sessions/new", data=dict(form, **change))
    assert page.status_code == 200 and f'id="{field}-errors"' in page.get_data(as_text=True)
    with action(app):
        assert db.session.query(AgendaSession).count() == before


def db_room(app, program) -> int:
    with action(app):
        return db.session.get(AgendaSession, program["plenary"]).room_id


def test_rooms_are_managed_and_a_used_room_cannot_be_deleted(app, organizer_client, event, program):
    new = organizer_client.post(f"/manage/events/{event.slug}/agenda/rooms/new",
                                data={"name": "Зал B", "capacity": "80"})
    assert new.status_code == 302
    duplicate = organizer_client.post(f"/manage/events/{event.slug}/agenda/rooms/new",
                                      data={"name": "Зал B", "capacity": "80"})
    assert "уже есть зал" in duplicate.get_data(as_text=True)
    zero = organizer_client.post(f"/manage/events/{event.slug}/agenda/rooms/new",
                                 data={"name": "Зал C", "capacity": "0"})
    assert 'id="capacity-errors"' in zero.get_data(as_text=True)
    assert "Введите целое число не меньше 1." in zero.get_data(as_text=True)  # not «required»: 0 was typed
    hall = db_room(app, program)
    refused = organizer_client.post(f"/manage/events/{event.slug}/agenda/rooms/{hall}/delete", follow_redirects=True)
    assert "сначала перенесите или удалите" in refused.get_data(as_text=True)


def test_a_session_is_edited_with_its_people_kept(app, organizer_client, event, program):
    """The moderator stays, the time changes, a speaker joins: one row per person and role, no error."""
    with action(app):
        plenary = db.session.get(AgendaSession, program["plenary"])
        hall, [moderator] = plenary.room_id, [person.participant_id for person in plenary.people]
    url = f"/manage/events/{event.slug}/agenda/sessions/{program['plenary']}"
    form = {"title": "Наращивание внутренней кооперации", "kind": "plenary", "room_id": hall,
            "day": event.starts_on.isoformat(), "start_time": "10:30", "end_time": "13:00", "is_public": "y",
            "moderator_ids": [moderator]}
    assert organizer_client.post(url, data=form).status_code == 302
    assert organizer_client.post(url, data=dict(form, speaker_ids=[moderator])).status_code == 302
    with action(app):
        people = db.session.get(AgendaSession, program["plenary"]).people
        assert [(person.role, person.participant_id) for person in people] == [("moderator", moderator),
                                                                               ("speaker", moderator)]


def test_agenda_and_recommendations_given_in_english_show_on_english_pages_and_files(
        app, client, organizer_client, event, form_data):
    """Rooms, sessions, an external speaker's position and a recommendation typed in both languages through the
    organizer's forms: English pages, calendars, the program PDF and the report read the English, Russian ones
    the Russian; what has no English falls back to Russian."""
    from conference.reports.services import render_report_pdf, render_report_xlsx

    base = f"/manage/events/{event.slug}"
    assert "часовом поясе мероприятия (Москва (МСК))" in organizer_client.get(f"{base}/agenda/sessions/new").get_data(
        as_text=True)  # not «Europe/Moscow»
    assert organizer_client.post(f"{base}/agenda/rooms/new", data={
        "name": "Большой зал", "name_en": "Main hall", "capacity": 300, "address": "Москва, Большой бульвар, 42",
        "address_en": "42 Bolshoy Blvd., Moscow"}).status_code == 302
    with action(app):
        room_id = db.session.scalar(select(db.text("id")).select_from(db.text("room")))
    day = event.starts_on.isoformat()
    for title, title_en, start in (("Пленарное заседание", "Opening plenary", "10:00"),
                                   ("Обед", "", "13:00")):
        answer = organizer_client.post(f"{base}/agenda/sessions/new", data={
            "title": title, "title_en": title_en, "kind": "plenary", "room_id": room_id, "day": day,
            "start_time": start, "end_time": start.replace(":00", ":45"), "is_public": "y",
            "description": "Открытие форума", "description_en": "The forum opens" if title_en else "",
            "external-0-name": "Орлов Олег Олегович", "external-0-position": "Эксперт",
            "external-0-position_en": "Expert",
            "external-0-organization": "Фонд развития промышленности",
            "external-0-organization_en": "Industrial Development Fund"})
        assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    with action(app):
        plenary_id = db.session.scalar(select(AgendaSession.id).where(AgendaSession.title == "Пленарное заседание"))
    assert organizer_client.post(f"{base}/recommendations/new", data={
        "text": "Министерству промышленности направить предложения.",
        "text_en": "The Ministry of Industry is to receive proposals.", "status": "adopted",
        "adopted_on": event.ends_on.isoformat(), "session_ids": [plenary_id]}).status_code == 302

    russian = client.get(f"/events/{event.slug}/program").get_data(as_text=True)
    assert "Пленарное заседание" in russian and "Opening plenary" not in russian and "Эксперт" in russian
    client.get("/lang/en")
    english = client.get(f"/events/{event.slug}/program").get_data(as_text=True)
    assert "Opening plenary" in english and "Пленарное заседание" not in english
    assert "Main hall" in english and "42 Bolshoy Blvd., Moscow" in english and "The forum opens" in english
    assert "Expert, Industrial Development Fund" in english
    assert "Обед" in english and "Открытие форума" in english  # no English given: the Russian, not nothing
    recommendations = client.get(f"/events/{event.slug}/recommendations").get_data(as_text=True)
    assert "The Ministry of Industry is to receive proposals." in recommendations
    calendar = Calendar.from_ical(client.get(f"/events/{event.slug}/program.ics").data)
    summaries = sorted(str(entry["summary"]) for entry in calendar.walk("VEVENT"))
    assert summaries == ["Opening plenary", "Обед"]
    assert all(str(entry["location"]).startswith("Main hall, 42 Bolshoy") for entry in calendar.walk("VEVENT"))
    program_pdf = PdfReader(io.BytesIO(client.get(f"/events/{event.slug}/program.pdf").data))
    program_text = " ".join(page.extract_text() for page in program_pdf.pages)
    assert "Opening plenary" in program_text and "MAIN HALL" in program_text.upper()

    with action(app):
        report = PdfReader(io.BytesIO(render_report_pdf(db.session.merge(event), "en")))
        report_text = " ".join(page.extract_text() for page in report.pages)
        assert "The Ministry of Industry is to receive proposals." in report_text
        assert "Opening plenary" in report_text and "Main hall" in report_text
        assert "Discussed at: Opening plenary" in report_text and "Пленарное" not in report_text
        russian_report = PdfReader(io.BytesIO(render_report_pdf(db.session.merge(event), "ru")))
        russian_text = " ".join(page.extract_text() for page in russian_report.pages)
        assert "Министерству промышленности" in russian_text and "Opening plenary" not in russian_text
        english_book = load_workbook(io.BytesIO(render_report_xlsx(db.session.merge(event), "en")))
        assert [row[2] for row in english_book["Recommendations"].iter_rows(min_row=2, values_only=True)] == [
            "The Ministry of Industry is to receive proposals."]
