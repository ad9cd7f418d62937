"""In a real browser, the faster agenda editor: speakers found by typing in the searchable picker (confirmed
participants only, each with their organization), several external speakers in one save, and sessions dragged in
the day grid (refused on a room clash, saved otherwise)."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from conference.agenda.models import AgendaSession
from conference.extensions import db
from conference.registration.models import Participant

from .agenda_helpers import at, make_room, make_session
from .conftest import action, log_in_page

pytestmark = pytest.mark.browser

PEOPLE = [("Иванов", "ivanov@example.org", "АО «Уралмаш»", "confirmed"),
          ("Иваненко", "ivanenko@example.org", "ПАО «КАМАЗ»", "confirmed"),
          ("Петрова", "petrova@example.org", "Фонд развития промышленности", "confirmed"),
          ("Ивашова", "ivashova@example.org", "ООО «Ждёт»", "pending"),
          ("Иволгина", "ivolgina@example.org", "ООО «Отказалась»", "cancelled")]


@pytest.fixture
def people(app, client, event, form_data) -> dict[str, int]:
    for last_name, email, organization, _status in PEOPLE:
        answer = client.post(f"/events/{event.slug}/register",
                             data=form_data(last_name=last_name, email=email, organization=organization))
        assert answer.status_code == 302
    with action(app):
        found = {person.last_name: person for person in db.session.scalars(select(Participant))}
        for last_name, _email, _organization, status in PEOPLE:
            found[last_name].status = status
        return {last_name: person.id for last_name, person in found.items()}


def fill_session(page, event, title: str) -> None:
    page.get_by_label("Название", exact=True).fill(title)
    page.get_by_label("Зал", exact=True).select_option(label="Большой зал (300)")
    page.get_by_label("День").fill(event.starts_on.isoformat())
    page.get_by_label("Начало").fill("10:00")
    page.get_by_label("Окончание").fill("11:00")


def test_speakers_are_found_by_typing_among_confirmed_participants(app, live_server, page, event, make_user,
                                                                  people, artifacts):
    with action(app):
        make_room(event, "Большой зал", 300)
    log_in_page(page, live_server.url, make_user("organizer", events=(event,)))
    page.goto(f"{live_server.url}/manage/events/{event.slug}/agenda/sessions/new")
    fill_session(page, event, "Кооперация в машиностроении")

    speakers = page.locator("#field-speaker_ids")
    search = speakers.get_by_role("combobox")
    search.fill("Ива")
    dropdown = speakers.locator(".ts-dropdown")
    offered = dropdown.locator(".option")
    expect(offered).to_have_count(2)
    # Confirmed participants only, each with the organization: Ивашова is pending, Иволгина cancelled.
    assert sorted(offered.all_inner_texts()) == ["Иваненко Анна Петровна ПАО «КАМАЗ»",
                                                 "Иванов Анна Петровна АО «Уралмаш»"]
    page.screenshot(path=str(artifacts / "agenda-speaker-picker.png"), full_page=True)
    dropdown.get_by_text("Иваненко Анна Петровна").click()
    search.fill("уралмаш")  # the organization finds them too
    expect(offered).to_have_count(1)
    dropdown.get_by_text("Иванов Анна Петровна").click()
    search.fill("никто")
    expect(dropdown.locator(".no-results")).to_have_text("Никого не нашлось среди подтверждённых участников.")
    search.fill("")
    moderators = page.locator("#field-moderator_ids").get_by_role("combobox")
    moderators.fill("Петр")
    page.locator("#field-moderator_ids .ts-dropdown").get_by_text("Петрова Анна Петровна").click()
    page.get_by_role("button", name="Сохранить").click()
    page.get_by_text("Сессия сохранена.").wait_for()

    with action(app):
        session = db.session.scalar(select(AgendaSession).where(AgendaSession.title == "Кооперация в машиностроении"))
        assert [(person.role, person.participant_id) for person in session.people] == [
            ("moderator", people["Петрова"]), ("speaker", people["Иваненко"]), ("speaker", people["Иванов"])]
        session_id = session.id
    # Opened again, the picker shows who is on it.
    page.goto(f"{live_server.url}/manage/events/{event.slug}/agenda/sessions/{session_id}")
    chosen = page.locator("#field-speaker_ids .ts-control .item")
    assert [" ".join(text.replace("×", "").split()) for text in chosen.all_inner_texts()] == [
        "Иваненко Анна Петровна ПАО «КАМАЗ»", "Иванов Анна Петровна АО «Уралмаш»"]
    page.screenshot(path=str(artifacts / "agenda-speakers-chosen.png"), full_page=True)


def test_several_external_speakers_in_one_save(app, live_server, page, event, make_user, artifacts):
    with action(app):
        make_room(event, "Большой зал", 300)
    log_in_page(page, live_server.url, make_user("organizer", events=(event,)))
    page.goto(f"{live_server.url}/manage/events/{event.slug}/agenda/sessions/new")
    fill_session(page, event, "Экспертный совет")

    rows = page.locator("fieldset.external-speaker")
    add = page.get_by_role("button", name="Добавить ещё внешнего спикера")
    first = rows.nth(0)
    first.get_by_label("ФИО").fill("Орлова Наталья Викторовна")
    first.get_by_label("Организация", exact=True).fill("Фонд развития промышленности")
    add.click()
    second = rows.nth(1)
    second.get_by_label("Должность", exact=True).fill("Эксперт")  # the name forgotten
    second.get_by_label("Организация", exact=True).fill("Минпромторг России")
    add.click()
    rows.nth(2).get_by_label("ФИО").fill("Волков Сергей Иванович")
    assert rows.count() == 3 and rows.nth(2).locator("legend").inner_text() == "Внешний спикер 3"
    page.get_by_role("button", name="Сохранить").click()

    # Refused on the row without a name; whatever was typed in the three rows is still there.
    error = page.locator("#external-1-name-errors")
    assert error.inner_text() == "Укажите имя внешнего спикера."
    assert page.locator("#external-1-name").evaluate("node => node === document.activeElement")
    assert rows.count() == 3
    assert rows.nth(0).get_by_label("ФИО").input_value() == "Орлова Наталья Викторовна"
    assert rows.nth(1).get_by_label("Организация", exact=True).input_value() == "Минпромторг России"
    assert rows.nth(2).get_by_label("ФИО").input_value() == "Волков Сергей Иванович"
    page.screenshot(path=str(artifacts / "agenda-external-speakers-error.png"), full_page=True)
    rows.nth(1).get_by_label("ФИО").fill("Зайцева Ольга Игоревна")
    page.get_by_role("button", name="Сохранить").click()
    page.get_by_text("Сессия сохранена.").wait_for()

    with action(app):
        session = db.session.scalar(select(AgendaSession).where(AgendaSession.title == "Экспертный совет"))
        assert [(p.external_name, p.external_position, p.external_organization) for p in session.people] == [
            ("Орлова Наталья Викторовна", "", "Фонд развития промышленности"),
            ("Зайцева Ольга Игоревна", "Эксперт", "Минпромторг России"),
            ("Волков Сергей Иванович", "", "")]


def test_a_session_dragged_in_the_grid(app, live_server, page, event, make_user, artifacts):
    """Refused where another session holds the room (the message names it, nothing moves); saved where the room
    is free, and the grid shows it there."""
    with action(app):
        hall, small = make_room(event, "Большой зал", 300), make_room(event, "Малый зал", 40)
        plenary = make_session(event, hall, at(event, 0, 10), at(event, 0, 11), title="Пленарное заседание")
        make_session(event, small, at(event, 0, 10), at(event, 0, 11), title="Круглый стол")
        make_session(event, hall, at(event, 0, 12), at(event, 0, 13), title="Семинар")
    log_in_page(page, live_server.url, make_user("organizer", events=(event,)))
    page.goto(f"{live_server.url}/manage/events/{event.slug}/agenda/grid")

    def cell(time: str, column: int):
        # column 1: Большой зал, 2: Малый зал (a cell a session spans is its top cell's)
        return page.locator(f"tr[data-time='{time}'] > td[data-room]").nth(column - 1)

    dragged = page.locator("td[data-session]").filter(has_text="Пленарное заседание")
    dragged.drag_to(page.locator("td[data-session]").filter(has_text="Круглый стол"),
                    source_position={"x": 10, "y": 5}, target_position={"x": 10, "y": 5})
    refusal = page.locator(".flash-error")
    refusal.wait_for()
    assert "«Пленарное заседание» не перенесена" in refusal.inner_text()
    assert "Малый зал в это время занят: «Круглый стол»" in refusal.inner_text()
    page.screenshot(path=str(artifacts / "agenda-drag-refused.png"), full_page=True)
    with action(app):
        session = db.session.get(AgendaSession, plenary)
        assert (session.room_id, session.starts_at) == (hall, at(event, 0, 10))

    page.locator("td[data-session]").filter(has_text="Пленарное заседание").drag_to(
        cell("11:00", 2), source_position={"x": 10, "y": 5}, target_position={"x": 10, "y": 5})
    page.get_by_text("Сессия сохранена.").wait_for()
    with action(app):
        session = db.session.get(AgendaSession, plenary)
        assert (session.room_id, session.starts_at, session.ends_at) == (small, at(event, 0, 11), at(event, 0, 12))
    moved = page.locator("tr[data-time='11:00'] > td[data-session]")
    assert "Пленарное заседание" in moved.inner_text() and "11:00–12:00" in moved.inner_text()
    assert moved.get_attribute("data-room") == str(small)
    page.screenshot(path=str(artifacts / "agenda-drag-saved.png"), full_page=True)

    # The grid runs an hour past the day's last session: a session can be dragged later than all the others.
    seminar = page.locator("td[data-session]").filter(has_text="Семинар")
    page.set_viewport_size({"width": 1280, "height": 1400})  # (the whole grid in view: no scrolling mid-drag)
    seminar.drag_to(cell("13:45", 1), source_position={"x": 10, "y": 5}, target_position={"x": 10, "y": 5})
    expect(page.locator("tr[data-time='13:45'] > td[data-session]")).to_contain_text("13:45–14:45")
    with action(app):
        session = db.session.scalar(select(AgendaSession).where(AgendaSession.title == "Семинар"))
        assert (session.room_id, session.starts_at, session.ends_at) == (hall, at(event, 0, 13, 45),
                                                                         at(event, 0, 14, 45))


def test_enter_in_a_field_saves_the_session(app, live_server, page, event, make_user):
    """Enter submits a form with its first button: the session's «Сохранить», not «add another external speaker»."""
    with action(app):
        make_room(event, "Большой зал", 300)
    log_in_page(page, live_server.url, make_user("organizer", events=(event,)))
    page.goto(f"{live_server.url}/manage/events/{event.slug}/agenda/sessions/new")
    fill_session(page, event, "Сохранено по Enter")
    page.get_by_label("Название", exact=True).press("Enter")
    page.get_by_text("Сессия сохранена.").wait_for()
    with app.app_context():
        assert db.session.scalars(select(AgendaSession.title)).all() == ["Сохранено по Enter"]
