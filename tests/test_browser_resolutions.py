"""In a real browser: an organizer drafts a recommendation, adopts it, records the letter sent to the ministry, and
the public page shows it on a phone. Fields are found by id: their labels are translated separately."""

import pytest
from playwright.sync_api import expect

from conference.resolutions.services import load_defaults

from .agenda_helpers import at, make_room, make_session
from .conftest import PASSWORD, action

pytestmark = pytest.mark.browser


def test_organizer_adopts_a_recommendation_and_the_public_reads_it(app, live_server, browser, page, event,
                                                                  make_user, artifacts):
    with action(app):
        load_defaults()
        make_session(event, make_room(event), at(event, 0, 10), at(event, 0, 12), kind="plenary",
                     title="Пленарное заседание")
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Электронная почта").fill(make_user("organizer", events=(event,)))
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.goto(f"{live_server.url}/manage/events/{event.slug}/recommendations/")
    page.locator("a.button.primary").click()

    page.locator("#text").fill("Рекомендовать расширить программы льготного кредитования.\n\n"
                               "Предусмотреть поддержку технопарков в субъектах Российской Федерации.")
    page.locator("#status").select_option("adopted")
    page.locator("form.form button.primary").click()
    expect(page.locator("#adopted_on-errors")).to_be_visible()  # adopted needs a date

    page.locator("#adopted_on").fill(event.starts_on.isoformat())
    page.locator("#body_ids").select_option(label="Министерство промышленности и торговли Российской Федерации")
    page.locator("#session_ids").select_option(index=0)
    page.locator("#project_ids").select_option(label="— Промышленный экспорт")
    page.locator("form.form button.primary").click()
    page.locator("table.recommendations-table").wait_for()
    page.screenshot(path=str(artifacts / "recommendations-list.png"), full_page=True)

    page.locator("table.recommendations-table td a").first.click()
    page.locator("input[id$='-sent_on']").fill(event.starts_on.isoformat())
    page.locator("section.follow-up button").click()
    page.locator("section.follow-up").wait_for()
    page.screenshot(path=str(artifacts / "recommendation-edit.png"), full_page=True)

    phone = browser.new_context(locale="ru-RU", viewport={"width": 375, "height": 740}).new_page()
    phone.goto(f"{live_server.url}/events/{event.slug}/recommendations")
    item = phone.locator("#recommendation-1")
    assert "льготного кредитования" in item.inner_text() and "Промышленный экспорт" in item.inner_text()
    assert "Пленарное заседание" in item.inner_text()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, "the page scrolls sideways on a phone"
    phone.screenshot(path=str(artifacts / "recommendations-phone.png"), full_page=True)
    phone.context.close()
