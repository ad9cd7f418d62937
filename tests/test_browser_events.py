"""In a real browser: an organizer gives the event its texts in English, and a visitor reading in English finds
them on the event's page and in the consent text."""

import pytest

from .conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_organizer_writes_the_events_english_texts_and_english_readers_see_them(live_server, browser, page, event,
                                                                                make_user, artifacts):
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Электронная почта").fill(make_user("organizer", events=(event,)))
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.goto(f"{live_server.url}/manage/events/{event.slug}/edit")
    page.get_by_label("Описание на английском").fill("The annual practical conference of industrial clusters.")
    page.get_by_label("Место проведения на английском").fill("Expocentre, pavilion 7")
    page.get_by_label("Текст согласия на английском").fill("I consent to the processing of my personal data.")
    page.screenshot(path=str(artifacts / "event-edit-english.png"), full_page=True)
    page.get_by_role("button", name="Сохранить").click()
    page.get_by_text("Мероприятие сохранено.").wait_for()

    visitor = browser.new_page(locale="en-US")
    visitor.goto(f"{live_server.url}/lang/en?next=/events/{event.slug}")
    meta = visitor.locator("main .meta").first.inner_text()
    assert "Moscow" in meta and "Expocentre, pavilion 7" in meta and "Экспоцентр" not in meta
    assert visitor.get_by_text("The annual practical conference of industrial clusters.").is_visible()
    visitor.screenshot(path=str(artifacts / "event-english.png"), full_page=True)
    visitor.goto(f"{live_server.url}/events/{event.slug}/consent")
    assert "I consent to the processing of my personal data." in visitor.locator("main").inner_text()
    visitor.close()
