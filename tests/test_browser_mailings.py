"""A letter to a group in a real browser: the participant list filtered → «Написать им» → the letter written →
its preview as a chosen recipient gets it → a test letter to oneself → sent after the count is confirmed → its
progress and history, and the letter on a recipient's page."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import mail_text, sent_mail
from .test_accessibility import log_in

pytestmark = pytest.mark.browser


def test_an_organizer_writes_to_one_region_s_delegation(app, live_server, page, client, event, make_user, form_data,
                                                          refs, artifacts):
    organizer = make_user("organizer", events=(event,))
    for last_name, email, subject in (("Сахалинская", "sak1@example.org", "SAK"),
                                      ("Курильская", "sak2@example.org", "SAK"),
                                      ("Балтийская", "kgd@example.org", "KGD")):
        client.post(f"/events/{event.slug}/register", data=form_data(
            last_name=last_name, email=email, subject_id=str(refs["subject"][subject])))
    already = len(sent_mail(app))
    log_in(page, live_server.url, organizer)

    page.goto(f"{live_server.url}/manage/events/{event.slug}/participants/")
    page.get_by_label("Регион", exact=True).select_option(label="Сахалинская область")
    page.get_by_role("button", name="Применить").click()
    expect(page.locator(".found")).to_contain_text("Найдено 2 участника")
    page.locator(".found").get_by_role("link", name="Написать им").click()
    expect(page.get_by_role("status")).to_contain_text("2 участникам, которых находят фильтры списка")

    page.get_by_label("Тема", exact=True).fill("Трансфер сахалинской делегации")
    page.get_by_label("Текст", exact=True).fill("Здравствуйте, {name}!\n\nАвтобус ждёт у гостиницы в 8:30.\n"
                                                  "Ваша регистрация: {link}")
    page.get_by_role("button", name="Сохранить и посмотреть").click()
    preview = page.locator(".letter-preview")
    expect(preview).to_contain_text("Здравствуйте, Анна Петровна!")
    expect(preview).to_contain_text("(личная ссылка участника)")
    page.get_by_label("Каким его получит").select_option(label="Сахалинская Анна Петровна (ru)")
    page.get_by_role("button", name="Показать").click()
    expect(preview).to_contain_text("sak1@example.org")
    page.screenshot(path=str(artifacts / "mailing-preview.png"), full_page=True)

    page.get_by_role("button", name=re.compile("Отправить тестовое письмо мне")).click()
    expect(page.locator(".flash-success")).to_contain_text("Тестовое письмо")
    test_letter = sent_mail(app)[-1]
    assert test_letter["To"] == organizer and test_letter["Subject"] == "[Тест] Трансфер сахалинской делегации"

    page.get_by_role("button", name="Отправить 2 участникам").click()
    expect(page.locator("main p[role=status]")).to_contain_text("Отправлено 2 из 2 писем.")
    page.screenshot(path=str(artifacts / "mailing-sent.png"), full_page=True)
    letters = {letter["To"]: letter for letter in sent_mail(app)[already + 1:]}
    assert set(letters) == {"sak1@example.org", "sak2@example.org"}
    assert "Автобус ждёт у гостиницы в 8:30." in mail_text(letters["sak2@example.org"])

    page.get_by_role("link", name="Курильская Анна Петровна").click()  # the history, then a recipient's page
    expect(page.locator("main")).to_contain_text("Трансфер сахалинской делегации")
    page.goto(f"{live_server.url}/manage/events/{event.slug}/mailings/")
    expect(page.locator("main table")).to_contain_text("Трансфер сахалинской делегации")
