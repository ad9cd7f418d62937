"""A new participant registers in a real browser; then an organizer logs in and finds them."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import PASSWORD, mail_text, sent_mail

pytestmark = pytest.mark.browser


def test_participant_registers_and_organizer_finds_them(app, live_server, page, event, make_user, artifacts):
    organizer = make_user("organizer", events=(event,))

    page.goto(f"{live_server.url}/events/{event.slug}")
    page.get_by_role("link", name="Зарегистрироваться").click()
    # The country list shows only for foreign guests (expect waits for the page's script; is_hidden would not).
    expect(page.get_by_label("Страна", exact=True)).to_be_hidden()

    page.get_by_label("Фамилия").fill("Кузнецова")
    page.get_by_label("Имя", exact=True).fill("Мария")
    page.get_by_label("Отчество").fill("Игоревна")
    page.get_by_label("Электронная почта").fill("maria.kuznetsova@example.org")
    page.get_by_label("Телефон").fill("8 912 345 67 89")
    page.get_by_label("Организация", exact=True).fill("Технопарк «Калуга»")
    page.get_by_label("Тип организации").select_option(label="Технопарк")
    page.get_by_label("Должность").fill("Руководитель проекта")
    page.get_by_label("Регион", exact=True).select_option(label="Калужская область")
    page.get_by_label("Город").fill("Калуга")
    page.get_by_role("button", name="Зарегистрироваться").click()

    # Forgot the consent: the error stands beside the box and nothing typed is lost.
    expect(page.locator("#consent-errors")).to_be_visible()
    page.screenshot(path=str(artifacts / "registration-errors.png"), full_page=True)
    assert page.get_by_label("Фамилия").input_value() == "Кузнецова"
    page.get_by_label("Я даю согласие на обработку моих персональных данных").check()
    page.get_by_role("button", name="Зарегистрироваться").click()

    page.get_by_role("heading", name="Вы зарегистрированы").wait_for()
    page.screenshot(path=str(artifacts / "registered.png"), full_page=True)
    [message] = sent_mail(app)
    assert message["To"] == "maria.kuznetsova@example.org"

    page.get_by_role("link", name="Вход для сотрудников").click()
    page.get_by_label("Электронная почта").fill(organizer)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.goto(f"{live_server.url}/manage/events/{event.slug}/participants/")
    page.get_by_label("Поиск").fill("кузнецова")
    page.get_by_role("button", name="Применить").click()
    row = page.locator("tbody tr").filter(has_text="Кузнецова Мария Игоревна")
    assert row.count() == 1
    assert "Калужская область" in row.inner_text() and "Технопарк «Калуга»" in row.inner_text()
    page.screenshot(path=str(artifacts / "participants.png"), full_page=True)

    row.get_by_role("link", name="Кузнецова Мария Игоревна").click()
    assert page.get_by_label("Телефон").input_value() == "+7 912 345-67-89"


def test_foreign_guest_sees_the_country_list(live_server, page, event):
    page.goto(f"{live_server.url}/events/{event.slug}/register")
    page.get_by_label("Другая страна").check()
    expect(page.get_by_label("Страна", exact=True)).to_be_visible()
    expect(page.get_by_label("Регион", exact=True)).to_be_hidden()
    page.get_by_label("Страна", exact=True).select_option(label="Казахстан")
    assert re.search(r"\d+", page.get_by_label("Страна", exact=True).input_value())


def test_the_private_link_fits_a_phone(app, live_server, browser, event, client, form_data, artifacts):
    """The participant's own page on a 390-pixel phone, with a long address and organization: no sideways
    scrolling, the email wraps rather than running off the screen."""
    email = "konstantinopolskaya.long.address@university-of-example.ac.uk"
    client.post(f"/events/{event.slug}/register", data=form_data(
        email=email, organization="Федеральное государственное унитарное предприятие «Научно-производственное "
                                   "объединение «Техномаш»"))
    link = re.search(r"http://localhost(/my/[\w.\-]+)", mail_text(sent_mail(app)[-1])).group(1)
    context = browser.new_context(locale="ru-RU", viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}{link}")
    expect(page.locator("main").get_by_text(email)).to_be_visible()
    page.screenshot(path=str(artifacts / "phone-private-link.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
