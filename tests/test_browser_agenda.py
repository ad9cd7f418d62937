"""In a real browser: an organizer creates a session, meets the room clash, fixes it; a participant signs up and
downloads the calendar file."""

import re

import pytest
from icalendar import Calendar

from .agenda_helpers import at, make_room, make_session
from .conftest import PASSWORD, action, mail_text, sent_mail

pytestmark = pytest.mark.browser


def test_organizer_fixes_a_clash_and_a_participant_signs_up(app, live_server, page, event, make_user, client,
                                                           form_data, artifacts, tmp_path):
    with action(app):
        hall = make_room(event, "Большой зал", 300)
        make_room(event, "Зал «Технопарк»", 120)
        make_session(event, hall, at(event, 0, 10), at(event, 0, 12, 30), kind="plenary",
                     title="Пленарное заседание")
    client.post(f"/events/{event.slug}/register", data=form_data())
    private_link = re.search(r"http://localhost(/my/[\w.\-]+)", mail_text(sent_mail(app)[0])).group(1)

    page.goto(f"{live_server.url}/login")
    page.get_by_label("Электронная почта").fill(make_user("organizer", events=(event,)))
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.goto(f"{live_server.url}/manage/events/{event.slug}/agenda/")
    page.get_by_role("link", name="Новая сессия").click()

    page.get_by_label("Название", exact=True).fill("Эффективный технопарк: меры поддержки")
    page.get_by_label("Название на английском").fill("An effective technopark: support measures")
    page.get_by_label("Формат").select_option(label="Семинар")
    page.get_by_label("Зал", exact=True).select_option(label="Большой зал (300)")
    page.get_by_label("День").fill(event.starts_on.isoformat())
    page.get_by_label("Начало").fill("12:00")
    page.get_by_label("Окончание").fill("13:30")
    page.get_by_role("button", name="Сохранить").click()

    clash = page.locator("#room_id-errors")
    assert "«Пленарное заседание»" in clash.inner_text() and "10:00–12:30" in clash.inner_text()
    page.screenshot(path=str(artifacts / "agenda-clash.png"), full_page=True)
    page.get_by_label("Зал", exact=True).select_option(label="Зал «Технопарк» (120)")
    page.get_by_role("button", name="Сохранить").click()
    page.get_by_text("Сессия сохранена.").wait_for()
    page.goto(f"{live_server.url}/manage/events/{event.slug}/agenda/grid")
    page.screenshot(path=str(artifacts / "agenda-grid.png"), full_page=True)

    page.goto(f"{live_server.url}{private_link}")
    page.get_by_role("link", name="Выбрать сессии программы").click()
    seminar = page.locator("article").filter(has_text="Эффективный технопарк")
    seminar.get_by_role("button", name="Записаться").click()
    page.get_by_text("Вы записаны на «Эффективный технопарк: меры поддержки»").wait_for()
    page.screenshot(path=str(artifacts / "my-sessions.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="Скачать мой календарь (.ics)").click()
    saved = tmp_path / "my.ics"
    download.value.save_as(saved)
    [entry] = Calendar.from_ical(saved.read_bytes()).walk("VEVENT")
    assert str(entry["SUMMARY"]) == "Эффективный технопарк: меры поддержки"
    assert entry["DTSTART"].params["TZID"] == event.timezone
    assert entry.decoded("DTSTART").strftime("%H:%M") == "12:00"


    # The organizer moves it by half an hour: first the letter the participant would get, then the choice.
    page.goto(f"{live_server.url}/manage/events/{event.slug}/agenda/")
    page.get_by_role("link", name="Эффективный технопарк: меры поддержки").click()
    page.get_by_label("Начало").fill("12:30")
    page.get_by_label("Окончание").fill("14:00")
    page.get_by_role("button", name="Сохранить").click()
    preview = page.locator(".letter-preview")
    preview.wait_for()
    assert "Сессия перенесена: Эффективный технопарк" in preview.inner_text()
    assert "12:30–14:00, Зал «Технопарк»" in preview.inner_text()
    page.screenshot(path=str(artifacts / "agenda-move-confirm.png"), full_page=True)
    before = len(sent_mail(app))
    page.get_by_role("button", name="Сохранить и сообщить 1 участнику").click()
    page.get_by_text("Сессия сохранена.").wait_for()
    [letter] = sent_mail(app)[before:]
    assert "12:30–14:00" in mail_text(letter)
