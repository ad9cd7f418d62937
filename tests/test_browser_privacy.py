"""A participant's rights in a real browser: from the private link to «Мои данные», the JSON download, and
withdrawing consent with its confirmation; then an organizer finds the row anonymised and the report unchanged."""

import json
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from conference.checkin.models import ENTRANCE, CheckIn
from conference.events.models import Event
from conference.events.services import get_event
from conference.extensions import db
from conference.registration.models import Participant
from conference.reports.services import build_report, render_report_pdf, summary

from .conftest import PASSWORD, action
from .test_reports import pdf_text

pytestmark = pytest.mark.browser


def report_text(pdf: bytes) -> str:
    """The report's text without the moment it was prepared, which is all that may differ between two of them."""
    return re.sub(r"Подготовлен \d+ \w+ \d{4}\s*(г\.)?,?\s*\d\d:\d\d", "", pdf_text(pdf))


def headline_figures(app, slug: str) -> tuple:
    with app.test_request_context():
        report = build_report(get_event(slug))
        return (report.registered, report.confirmed, report.attended, report.confirmed_came, report.subject_count,
                report.country_count, report.no_show_rate, report.arrivals, summary(report))


def test_a_participant_erases_their_data_and_the_organizer_finds_the_row_anonymised_and_the_report_unchanged(
        app, live_server, page, client, event, make_user, form_data, refs, artifacts):
    organizer = make_user("organizer", events=(event,))
    links = {}
    for last_name, subject in (("Алексеева", "SAK"), ("Борисова", "KGD"), ("Васильева", "SAK")):
        response = client.post(f"/events/{event.slug}/register", data=form_data(
            last_name=last_name, email=f"{last_name.lower()}@example.org", subject_id=str(refs["subject"][subject])))
        links[last_name] = response.headers["Location"].removesuffix("/registered")
    with action(app):  # the forum took place ten days ago, and two of the three came
        held = db.session.get(Event, event.id)
        held.starts_on = held.ends_on = date.today() - timedelta(days=10)
        for last_name in ("Алексеева", "Борисова"):
            person = db.session.scalar(select(Participant).where(Participant.last_name == last_name))
            db.session.add(CheckIn(event_id=event.id, participant_id=person.id, checkpoint=ENTRANCE,
                                   checked_in_at=datetime.combine(held.starts_on, time(7), tzinfo=UTC)))
    figures_before = headline_figures(app, event.slug)
    with app.test_request_context():
        text_before = report_text(render_report_pdf(get_event(event.slug), "ru"))
    assert "Сахалинская область" in text_before and "Калининградская область" in text_before
    assert "Подготовлен" not in text_before  # (the moment it was prepared is taken out, not compared)

    # The participant: the private link, «Мои данные», the JSON.
    page.goto(f"{live_server.url}{links['Алексеева']}")
    page.get_by_role("link", name="Мои данные", exact=True).click()
    expect(page.get_by_role("heading", name="Мои данные")).to_be_visible()
    expect(page.locator("main")).to_contain_text("алексеева@example.org")
    expect(page.locator("main")).to_contain_text("Русский")  # the language by its name
    page.screenshot(path=str(artifacts / "my-data.png"), full_page=True)
    with page.expect_download() as started:
        page.get_by_role("link", name="Скачать в JSON").click()
    download = started.value
    assert download.suggested_filename.endswith(".json")
    held_data = json.loads(download.path().read_text(encoding="utf-8"))
    assert held_data["registration"]["email"] == "алексеева@example.org"
    assert held_data["registration"]["last_name"] == "Алексеева"

    # Withdraw and erase: a page that says what happens and asks, then the erased state.
    page.get_by_role("link", name="Отозвать согласие и удалить данные").click()
    expect(page.get_by_role("heading", name="Отозвать согласие и удалить данные?")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Что останется")
    page.screenshot(path=str(artifacts / "erase-confirm.png"), full_page=True)
    page.get_by_role("button", name="Да, отозвать согласие и удалить данные").click()
    expect(page.get_by_role("heading", name="Персональные данные удалены")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Алексеева")
    page.screenshot(path=str(artifacts / "erased.png"), full_page=True)
    page.goto(f"{live_server.url}{links['Алексеева']}/data")  # nothing of her is left behind the link
    expect(page.get_by_role("heading", name="Персональные данные удалены")).to_be_visible()

    # The organizer: the participant list shows the row anonymised, the others as they were.
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Электронная почта").fill(organizer)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.goto(f"{live_server.url}/manage/events/{event.slug}/participants/")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(3)
    erased_row = rows.filter(has_text="удалено")
    expect(erased_row).to_have_count(1)
    expect(erased_row).to_contain_text("Сахалинская область")  # what the statistics need stays
    expect(page.locator("tbody")).not_to_contain_text("Алексеева")
    expect(page.locator("tbody")).not_to_contain_text("алексеева@example.org")
    expect(rows.filter(has_text="Борисова")).to_have_count(1)
    page.screenshot(path=str(artifacts / "participants-anonymised.png"), full_page=True)

    # The report, downloaded from the dashboard: the same text, every figure in it, as before the erasure.
    page.goto(f"{live_server.url}/manage/events/{event.slug}")
    link = page.locator("main a[href$='/report.pdf']")  # (the Russian one: the English one ends in ?lang=en)
    report = page.request.get(f"{live_server.url}{link.get_attribute('href')}")  # with the organizer's session
    assert report.ok and report.headers["content-type"] == "application/pdf"
    assert report_text(report.body()) == text_before
    assert headline_figures(app, event.slug) == figures_before
