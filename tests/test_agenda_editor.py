"""The faster agenda editor through the test client: speakers and moderators are confirmed participants, several
external speakers go in one save, the day grid marks double-bookings, and a session dragged in the grid is saved
as its form saves it (the same clash rules, the same question about letters)."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from conference.agenda import services
from conference.agenda.models import AgendaSession
from conference.extensions import db
from conference.mail.models import Letter
from conference.registration.models import Participant

from .agenda_helpers import at, make_room, make_session
from .conftest import action


@pytest.fixture
def people(app, client, event, form_data) -> dict[str, int]:
    """Four registered participants by last name: two confirmed, one awaiting approval, one cancelled."""
    statuses = {"Алексеева": "confirmed", "Борисова": "confirmed", "Васильева": "pending", "Григорьева": "cancelled"}
    for last_name in statuses:
        assert client.post(f"/events/{event.slug}/register", data=form_data(
            last_name=last_name, email=f"{last_name.lower()}@example.org",
            organization=f"Завод «{last_name}»")).status_code == 302
    with action(app):
        found = {person.last_name: person for person in db.session.scalars(select(Participant))}
        for last_name, status in statuses.items():
            found[last_name].status = status
        return {last_name: person.id for last_name, person in found.items()}


@pytest.fixture
def rooms(app, event) -> dict[str, int]:
    with action(app):
        return {"hall": make_room(event, "Большой зал", 300), "small": make_room(event, "Малый зал", 40)}


def session_form(event, rooms, **fields) -> dict:
    return {"title": "Круглый стол", "kind": "round_table", "room_id": rooms["hall"],
            "day": event.starts_on.isoformat(), "start_time": "10:00", "end_time": "11:00", "is_public": "y",
            **fields}


def count_sessions(app) -> int:
    with action(app):
        return len(db.session.scalars(select(AgendaSession)).all())


def test_the_picker_offers_confirmed_participants_with_their_organization(organizer_client, event, people, rooms):
    page = organizer_client.get(f"/manage/events/{event.slug}/agenda/sessions/new").get_data(as_text=True)
    speakers = page.split('id="speaker_ids"')[1].split("</select>")[0]
    options = re.findall(r'<option value="\d+">([^<]+)</option>', speakers)
    assert options == ["Алексеева Анна Петровна — Завод «Алексеева»", "Борисова Анна Петровна — Завод «Борисова»"]
    assert 'data-picker=""' in page and "Подтверждённые участники: начните вводить" in page


@pytest.mark.parametrize(("field", "who", "status"), [("speaker_ids", "Васильева", "Ожидает подтверждения"),
                                                     ("moderator_ids", "Григорьева", "Отменена")])
def test_an_unconfirmed_participant_posted_by_hand_is_refused(app, organizer_client, event, people, rooms, field,
                                                               who, status):
    page = organizer_client.post(f"/manage/events/{event.slug}/agenda/sessions/new",
                                 data=session_form(event, rooms, **{field: [people["Алексеева"], people[who]]}))
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and f'id="{field}-errors"' in text
    assert (f"Спикерами и модераторами могут быть только подтверждённые участники; не подтверждены: "
            f"{who} Анна Петровна ({status}).") in text
    assert count_sessions(app) == 0


def test_someone_on_a_session_keeps_their_place_when_no_longer_confirmed(app, organizer_client, event, people,
                                                                         rooms):
    with action(app):
        session_id = make_session(event, rooms["hall"], at(event, 0, 10), at(event, 0, 11), title="Круглый стол",
                                  kind="round_table", speaker_ids=[people["Алексеева"]])
        db.session.get(Participant, people["Алексеева"]).status = "pending"
    url = f"/manage/events/{event.slug}/agenda/sessions/{session_id}"
    assert "Алексеева Анна Петровна — Завод «Алексеева»" in organizer_client.get(url).get_data(as_text=True)
    saved = organizer_client.post(url, data=session_form(event, rooms, title="Круглый стол: итоги",
                                                         speaker_ids=[people["Алексеева"], people["Борисова"]]))
    assert saved.status_code == 302
    with action(app):
        assert [person.participant_id for person in db.session.get(AgendaSession, session_id).people] == [
            people["Алексеева"], people["Борисова"]]


def test_a_copy_takes_the_confirmed_people_and_names_those_it_leaves_out(app, organizer_client, event, people,
                                                                         rooms):
    """One of the copied session's speakers has been cancelled since: the copy's form offers and selects only the
    confirmed people, says who was left out and why (again when a save is refused), and saves as it is shown."""
    with action(app):
        source = make_session(event, rooms["hall"], at(event, 0, 10), at(event, 0, 11), title="Круглый стол",
                              kind="round_table", speaker_ids=[people["Алексеева"], people["Борисова"]],
                              moderator_ids=[people["Борисова"]])
        db.session.get(Participant, people["Алексеева"]).status = "cancelled"
    url = f"/manage/events/{event.slug}/agenda/sessions/new"
    page = organizer_client.get(url, query_string={"from": source}).get_data(as_text=True)
    assert ("Не скопированы, так как спикерами и модераторами могут быть только подтверждённые участники: "
            "Алексеева Анна Петровна (Отменена).") in page
    speakers = page.split('id="speaker_ids"')[1].split("</select>")[0]
    assert re.findall(r'<option ([^>]*)>([^<]+)</option>', speakers) == [
        (f'selected value="{people["Борисова"]}"', "Борисова Анна Петровна — Завод «Борисова»")]
    moderators = page.split('id="moderator_ids"')[1].split("</select>")[0]
    assert f'<option selected value="{people["Борисова"]}">' in moderators
    chosen = {"speaker_ids": [people["Борисова"]], "moderator_ids": [people["Борисова"]]}
    refused = organizer_client.post(f"{url}?from={source}", data=session_form(event, rooms, **chosen))  # the room
    assert "занят" in refused.get_data(as_text=True) and "Алексеева Анна Петровна (Отменена)" in refused.get_data(
        as_text=True)
    saved = organizer_client.post(f"{url}?from={source}", data=session_form(event, rooms, room_id=rooms["small"],
                                                                             **chosen))
    assert saved.status_code == 302
    with action(app):
        copy = db.session.scalar(select(AgendaSession).where(AgendaSession.id != source))
        assert [(person.role, person.participant_id) for person in copy.people] == [
            ("moderator", people["Борисова"]), ("speaker", people["Борисова"])]


def external(index: int, name: str = "", **fields) -> dict:
    return {f"external-{index}-name": name, **{f"external-{index}-{key}": value for key, value in fields.items()}}


def test_several_external_speakers_in_one_save(app, organizer_client, event, rooms):
    url = f"/manage/events/{event.slug}/agenda/sessions/new"
    rows = {**external(0, "Орлова Наталья Викторовна", organization="Фонд развития промышленности",
                       organization_en="Industrial Development Fund"),
            **external(1, position="Эксперт", organization="Минпромторг России"),  # the name forgotten
            **external(2, "Волков Сергей Иванович"), **external(3)}  # an empty row is no speaker
    refused = organizer_client.post(url, data=session_form(event, rooms, **rows)).get_data(as_text=True)
    assert '<ul class="errors" id="external-1-name-errors"><li>Укажите имя внешнего спикера.</li></ul>' in refused
    assert refused.count('class="errors"') == 1  # the other rows are fine
    for value in ("Орлова Наталья Викторовна", "Минпромторг России", "Волков Сергей Иванович",
                  "Industrial Development Fund"):
        assert f'value="{value}"' in refused  # nothing typed is lost
    assert count_sessions(app) == 0

    rows.update(external(1, "Зайцева Ольга Игоревна", position="Эксперт", organization="Минпромторг России"))
    assert organizer_client.post(url, data=session_form(event, rooms, **rows)).status_code == 302
    with action(app):
        [session] = db.session.scalars(select(AgendaSession)).all()
        assert [(p.role, p.external_name, p.external_organization, p.external_organization_en)
                for p in session.people] == [
            ("speaker", "Орлова Наталья Викторовна", "Фонд развития промышленности", "Industrial Development Fund"),
            ("speaker", "Зайцева Ольга Игоревна", "Минпромторг России", ""),
            ("speaker", "Волков Сергей Иванович", "", "")]
        session_id = session.id
    # Opened again: the three are listed to keep (untick to remove), and one empty row is there for more.
    page = organizer_client.get(f"/manage/events/{event.slug}/agenda/sessions/{session_id}").get_data(as_text=True)
    assert "Орлова Наталья Викторовна, Фонд развития промышленности" in page
    assert 'id="external-0-name"' in page and 'id="external-1-name"' not in page


def test_another_row_without_javascript_keeps_what_was_typed_and_saves_nothing(app, organizer_client, event, rooms):
    page = organizer_client.post(f"/manage/events/{event.slug}/agenda/sessions/new", data=session_form(
        event, rooms, add_external="1", **external(0, "Орлова Наталья Викторовна"))).get_data(as_text=True)
    assert 'value="Орлова Наталья Викторовна"' in page and 'id="external-1-name"' in page
    assert 'value="Круглый стол"' in page and 'class="errors"' not in page
    assert count_sessions(app) == 0


def test_the_grid_marks_speakers_in_two_places_at_once(app, organizer_client, event, people, rooms):
    with action(app):
        both = [people["Алексеева"]]
        make_session(event, rooms["hall"], at(event, 0, 10), at(event, 0, 11), title="Пленарное", speaker_ids=both)
        make_session(event, rooms["small"], at(event, 0, 10, 30), at(event, 0, 12), title="Семинар",
                     moderator_ids=both)
        make_session(event, rooms["hall"], at(event, 0, 12), at(event, 0, 13), title="Обед", kind="break")
    grid = organizer_client.get(f"/manage/events/{event.slug}/agenda/grid").get_data(as_text=True)
    cells = {title: marked for marked, title in re.findall(
        r'<td rowspan="\d+" class="slot kind-\w+( double-booked)?".*?<a [^>]+>([^<]+)</a>', grid, re.S)}
    assert cells == {"Пленарное": " double-booked", "Семинар": " double-booked", "Обед": ""}
    assert grid.count("В это время в другой сессии: Алексеева Анна Петровна") == 2
    # The same finding as the «Problems» page's.
    conflicts = organizer_client.get(f"/manage/events/{event.slug}/agenda/conflicts").get_data(as_text=True)
    assert "Алексеева Анна Петровна одновременно участвует в «Пленарное» и «Семинар»" in conflicts


@pytest.fixture
def day(app, event, rooms) -> dict[str, int]:
    with action(app):
        return {"plenary": make_session(event, rooms["hall"], at(event, 0, 10), at(event, 0, 11, 30),
                                        title="Пленарное заседание"),
                "round": make_session(event, rooms["small"], at(event, 0, 10), at(event, 0, 11), title="Круглый стол")}


def move(client, event, session_id: int, room_id: int, start: str, follow_redirects: bool = False, **extra):
    return client.post(f"/manage/events/{event.slug}/agenda/sessions/{session_id}/move", data={
        "room_id": room_id, "day": event.starts_on.isoformat(), "start_time": start, **extra},
        follow_redirects=follow_redirects)


def where(app, session_id: int) -> tuple:
    with action(app):
        session = db.session.get(AgendaSession, session_id)
        return session.room_id, session.starts_at, session.ends_at


def test_a_drag_onto_a_taken_room_is_refused_and_moves_nothing(app, organizer_client, event, rooms, day):
    before = where(app, day["plenary"])
    refused = move(organizer_client, event, day["plenary"], rooms["small"], "10:30", follow_redirects=True)
    text = refused.get_data(as_text=True)
    assert refused.request.path.endswith("/agenda/grid") and refused.request.args["day"] == event.starts_on.isoformat()
    assert "Сессия «Пленарное заседание» не перенесена: Малый зал в это время занят: «Круглый стол»" in text
    assert where(app, day["plenary"]) == before


def test_a_drag_onto_a_free_room_saves_the_move_keeping_its_length(app, organizer_client, event, rooms, day):
    answer = move(organizer_client, event, day["plenary"], rooms["small"], "11:00", follow_redirects=True)
    assert "Сессия сохранена." in answer.get_data(as_text=True)
    assert where(app, day["plenary"]) == (rooms["small"], at(event, 0, 11), at(event, 0, 12, 30))


@pytest.mark.parametrize("change", [{"start_time": "25:61"}, {"room_id": "x"}, {"day": ""}])
def test_a_drag_that_cannot_be_read_moves_nothing(app, organizer_client, event, rooms, day, change):
    before = where(app, day["plenary"])
    answer = organizer_client.post(f"/manage/events/{event.slug}/agenda/sessions/{day['plenary']}/move", data={
        "room_id": rooms["small"], "day": event.starts_on.isoformat(), "start_time": "12:00", **change},
        follow_redirects=True)
    assert "Сессия не перенесена: страница устарела" in answer.get_data(as_text=True)
    assert where(app, day["plenary"]) == before


def test_a_drag_of_a_session_people_signed_up_for_asks_first_as_the_form_does(app, organizer_client, event, people,
                                                                              rooms, day):
    with action(app):
        services.sign_up(db.session.get(Participant, people["Алексеева"]),
                         db.session.get(AgendaSession, day["plenary"]))
    before = where(app, day["plenary"])
    asked = move(organizer_client, event, day["plenary"], rooms["hall"], "12:00").get_data(as_text=True)
    assert "Сессия перенесена: Пленарное заседание" in asked and "12:00–13:30, Большой зал" in asked
    assert "Вернуться к сетке" in asked and where(app, day["plenary"]) == before
    # The page's buttons post its fields back to the same address with the answer.
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', asked))
    assert fields.pop("csrf_token")
    assert fields == {"room_id": str(rooms["hall"]), "day": event.starts_on.isoformat(), "start_time": "12:00"}
    back = move(organizer_client, event, day["plenary"], rooms["hall"], "12:00", tell="back")
    assert back.status_code == 302 and where(app, day["plenary"]) == before
    # A clash found before asking: the same refusal as without people signed up.
    clash = move(organizer_client, event, day["plenary"], rooms["small"], "10:00", follow_redirects=True)
    assert "Малый зал в это время занят" in clash.get_data(as_text=True) and where(app, day["plenary"]) == before

    told = move(organizer_client, event, day["plenary"], rooms["hall"], "12:00", tell="yes", follow_redirects=True)
    assert "Записавшемуся (1) поставлено в очередь письмо с новым временем и залом." in told.get_data(as_text=True)
    assert where(app, day["plenary"]) == (rooms["hall"], at(event, 0, 12), at(event, 0, 13, 30))
    with action(app):
        [letter] = db.session.scalars(select(Letter).where(Letter.kind == "session_moved")).all()
        assert letter.recipient == "алексеева@example.org"


def test_a_drag_past_midnight_is_refused_and_the_grid_keeps_to_its_day(app, organizer_client, event, rooms):
    """The grid's free hour stops at the day's ends (00:00, 23:45); a session dragged so late that it would end
    after midnight is refused (its form knows no such session), and one that runs past midnight (a night
    hackathon, saved otherwise) is drawn to the day's last row rather than break the page."""
    with action(app):
        late = make_session(event, rooms["hall"], at(event, 0, 22, 30), at(event, 0, 23, 30), title="Вечерняя сессия")
        make_session(event, rooms["small"], at(event, 0, 0, 15), at(event, 0, 1), title="Ночной брифинг")
    grid_url = f"/manage/events/{event.slug}/agenda/grid"
    times = re.findall(r'<tr data-time="(\d\d:\d\d)">', organizer_client.get(grid_url).get_data(as_text=True))
    assert (times[0], times[-1], len(times)) == ("00:00", "23:45", 96)

    refused = move(organizer_client, event, late, rooms["hall"], "23:30", follow_redirects=True)
    assert ("«Вечерняя сессия» не перенесена: В сетке сессия переносится в пределах своего дня: эта закончилась бы "
            "после полуночи.") in refused.get_data(as_text=True)
    assert where(app, late) == (rooms["hall"], at(event, 0, 22, 30), at(event, 0, 23, 30))

    with action(app):
        db.session.get(AgendaSession, late).ends_at = at(event, 1, 0, 30)
    grid = organizer_client.get(grid_url)
    assert grid.status_code == 200
    cell = re.search(r'<td rowspan="(\d+)" class="slot[^"]*"[^>]*>\s*<a [^>]+>Вечерняя сессия</a>', grid.get_data(
        as_text=True))
    assert cell and cell.group(1) == "6"  # 22:30 … 23:45


def test_an_erased_registration_is_neither_offered_nor_copied(app, organizer_client, event, people, rooms):
    """Erased after the event, a registration keeps its status «confirmed» for the statistics: it is no longer a
    person to put on a stage. A copy of a session they spoke at names them as the program does."""
    from conference.privacy.services import anonymise

    with action(app):
        source = make_session(event, rooms["hall"], at(event, 0, 10), at(event, 0, 11), title="Круглый стол",
                              kind="round_table", speaker_ids=[people["Алексеева"], people["Борисова"]])
        over = db.session.merge(event)
        over.starts_on, over.ends_on = over.starts_on - timedelta(days=60), over.ends_on - timedelta(days=60)
        db.session.flush()
        anonymise([db.session.get(Participant, people["Алексеева"])], "organizer")
        assert db.session.get(Participant, people["Алексеева"]).status == "confirmed"
    url = f"/manage/events/{event.slug}/agenda/sessions/new"
    page = organizer_client.get(url).get_data(as_text=True)
    speakers = page.split('id="speaker_ids"')[1].split("</select>")[0]
    assert re.findall(r'<option [^>]*>([^<]+)</option>', speakers) == ["Борисова Анна Петровна — Завод «Борисова»"]
    copy = organizer_client.get(url, query_string={"from": source}).get_data(as_text=True)
    assert ("Не скопированы, так как спикерами и модераторами могут быть только подтверждённые участники: "
            "1 удалённая регистрация.") in copy
