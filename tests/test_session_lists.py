"""Lists per session (issue 20, part 3): who signed up, who waits, who came to its door and who signed up and did not
come, on a page and as XLSX (read back with openpyxl) and CSV, for the event's organizers alone."""

import csv
import io
import uuid
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from conference.agenda import services as agenda
from conference.agenda.models import AgendaSession
from conference.checkin import services as checkin
from conference.checkin.services import Scanner
from conference.extensions import db
from conference.privacy.models import DataAccess
from conference.registration.models import Participant

from .agenda_helpers import at, make_room, make_session
from .conftest import action


@pytest.fixture
def seminar(app, client, event, form_data):
    """A seminar of two seats: Алексеева and Борисова seated, Васильева waiting, Григорьев not signed up. Алексеева
    and Григорьев came to its door."""
    for last_name in ("Алексеева", "Борисова", "Васильева", "Григорьев"):
        client.post(f"/events/{event.slug}/register", data=form_data(last_name=last_name,
                                                                    email=f"{last_name}@example.org"))
    with action(app):
        live = db.session.merge(event)
        room = make_room(live, "Малый зал", 2)
        session_id = make_session(live, room, at(live, 0, 14), at(live, 0, 16), title="Семинар «Кластеры»",
                                  kind="seminar")
        session = db.session.get(AgendaSession, session_id)
        people = {person.last_name: person for person in db.session.scalars(select(Participant))}
        for name in ("Алексеева", "Борисова"):
            agenda.sign_up(people[name], session)
        agenda.sign_up(people["Васильева"], session, wait=True)
        db.session.commit()
        door = checkin.find_checkpoint(live, f"session-{session_id}")
        for name in ("Алексеева", "Григорьев"):
            checkin.check_in(live, door, Scanner(), uuid.uuid4().hex, participant_id=people[name].id)
    return session_id


def test_a_session_s_lists_on_the_page_and_in_the_spreadsheets(app, event, seminar, organizer_client):
    base = f"/manage/events/{event.slug}/sessions/{seminar}/lists"
    page = organizer_client.get(base).get_data(as_text=True)
    assert "Семинар «Кластеры»" in page
    for heading in ("Записались (2)", "Лист ожидания (1)", "Пришли (2)", "Записались, но не пришли (1)"):
        assert heading in page

    workbook = load_workbook(io.BytesIO(organizer_client.get(f"{base}.xlsx").data), read_only=True)
    sheets = {sheet.title: [row for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}
    assert [row[0] for row in sheets["Записались"][1:]] == ["Алексеева", "Борисова"]
    assert [(row[0], row[1]) for row in sheets["Лист ожидания"][1:]] == [(1, "Васильева")]
    came = sheets["Пришли"]
    assert [row[0] for row in came[1:]] == ["Алексеева", "Григорьев"] and came[0][-1] == "Время отметки"
    assert all(isinstance(row[-1], datetime) for row in came[1:])  # a typed date and time, not text
    assert [row[0] for row in sheets["Записались, но не пришли"][1:]] == ["Борисова"]

    text = organizer_client.get(f"{base}.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:2] == ["Список", "Фамилия"]
    assert sorted((row[0], row[1]) for row in rows[1:]) == sorted([
        ("Записались", "Алексеева"), ("Записались", "Борисова"), ("Лист ожидания", "Васильева"),
        ("Пришли", "Алексеева"), ("Пришли", "Григорьев"), ("Записались, но не пришли", "Борисова")])
    with action(app):
        assert [(entry.kind, entry.people, entry.detail) for entry in db.session.scalars(select(DataAccess))] == [
            ("export", 4, f"xlsx session_id={seminar}"), ("export", 4, f"csv session_id={seminar}")]


def test_only_the_event_s_organizers_see_them(app, event, seminar, make_user, make_event, checkin_client):
    from .conftest import staff_client

    base = f"/manage/events/{event.slug}/sessions/{seminar}/lists"
    assert checkin_client.get(base).status_code == 403
    stranger = staff_client(app, make_user("organizer", events=(make_event(),)))
    assert stranger.get(base).status_code == 404 and stranger.get(f"{base}.xlsx").status_code == 404
    other = make_event()
    organizer = staff_client(app, make_user("organizer", events=(event, other)))
    assert organizer.get(f"/manage/events/{other.slug}/sessions/{seminar}/lists").status_code == 404
