"""Check-in without network (issue 19) in real Chromium: the scanner page keeps its admission list, answers scans
from it offline («офлайн»), opens again offline from its service worker, and sends what it admitted once the network
is back; two phones that admitted one badge offline leave one check-in and a conflict the organizers see."""

import re

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from conference.badges import services as badges
from conference.checkin.models import CheckIn, Scan
from conference.extensions import db
from conference.registration.models import Participant

from .conftest import action
from .live import written_participants
from .test_browser_checkin import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def crowd(app, event, refs):
    """52 confirmed participants with badges (the last one's registration cancelled): their ids and tokens."""
    with action(app):
        people = written_participants(db.session.merge(event), refs, 52, "c")
        for number, person in enumerate(people):
            person.last_name = f"Участница{number:02d}"
        people[-1].status = "cancelled"
        issued = badges.current_badges(people)
        return [(person.id, issued[person.id].token) for person in people]


def scanner(context, base: str, event, email: str):
    page = context.new_page()
    page.set_default_timeout(20_000)
    log_in(page, base, email)
    page.wait_for_url(re.compile(r"/manage/|/checkin/"))
    page.goto(f"{base}/manage/events/{event.slug}/checkin/")
    expect(page.locator("#list-freshness")).to_contain_text("список от")  # the list is on the device
    page.locator("#scanner[data-offline-ready=yes]").wait_for(state="attached")  # and the page, to open offline
    return page


def scan(page, token: str) -> str:
    """A USB scanner types the code and Enter; returns the answer shown."""
    page.locator("#scan-input").focus()
    page.keyboard.type(token + "\n")
    answer = page.locator("#answer")
    expect(answer).to_be_visible()
    text = answer.inner_text()
    page.locator("#answer-next").click()
    expect(answer).to_be_hidden()
    return text


def answers_offline(page, token: str, colour: str) -> str:
    page.locator("#scan-input").focus()
    page.keyboard.type(token + "\n")
    shown = page.locator(f"#answer.answer-{colour}[data-offline=yes]")
    expect(shown).to_be_visible()
    text = shown.inner_text()
    page.locator("#answer-next").click()
    return text


def counted(app, model) -> int:
    with action(app):
        return db.session.scalar(select(func.count()).select_from(model))


def drained(page) -> None:
    """The queue of scans answered offline has been sent."""
    expect(page.locator("#list-freshness")).not_to_contain_text("ждут сети", timeout=30_000)


def test_twenty_online_then_thirty_offline_leave_fifty_check_ins_once_the_network_is_back(
        app, live_server, browser, event, crowd, make_user, artifacts):
    context = browser.new_context(locale="ru-RU", viewport={"width": 420, "height": 860})
    page = scanner(context, live_server.url, event, make_user("checkin", events=(event,)))
    for _participant, token in crowd[:20]:
        assert "Прибытие отмечено" in scan(page, token)
    assert counted(app, CheckIn) == 20

    context.set_offline(True)
    page.reload()  # the page opens again with no network, from what its service worker kept, with its list
    expect(page.locator("#list-freshness")).to_contain_text("список от")
    for number, (_participant, token) in enumerate(crowd[20:50]):
        shown = answers_offline(page, token, "green")
        assert "офлайн" in shown and f"Участница{20 + number:02d}" in shown
    expect(page.locator("#list-freshness")).to_contain_text("ждут сети: 30")
    page.screenshot(path=str(artifacts / "scanner-offline.png"), full_page=True)
    assert counted(app, CheckIn) == 20  # nothing reached the server meanwhile

    context.set_offline(False)
    drained(page)
    assert counted(app, CheckIn) == 50 and counted(app, Scan) == 50
    with action(app):
        methods = set(db.session.scalars(select(Scan.method)))
        assert methods == {"scanner"}

    page.get_by_role("button", name="Выйти").click()  # what the device kept of the event's people goes with the log-in
    page.wait_for_load_state()
    page.wait_for_function("indexedDB.databases().then((all) => !all.some((db) => db.name.startsWith('checkin|')))")
    kept = page.evaluate("caches.keys().then((names) => names.filter((name) => name.startsWith('checkin|')))")
    assert kept == []
    context.close()


def test_answers_offline_follow_the_list_and_a_badge_revoked_before_is_refused(
        app, live_server, browser, event, crowd, make_user):
    context = browser.new_context(locale="ru-RU")
    page = scanner(context, live_server.url, event, make_user("checkin", events=(event,)))
    assert "Прибытие отмечено" in scan(page, crowd[0][1])
    with action(app):  # the badge of the second is reissued: the old one no longer admits
        badges.reissue(db.session.get(Participant, crowd[1][0]))
    made = page.locator("#list-freshness").inner_text()
    expect(page.locator("#list-freshness")).not_to_have_text(made, timeout=15_000)  # a refresh came in
    page.wait_for_timeout(6_000)  # and the one after the reissue

    context.set_offline(True)
    assert "уже" in answers_offline(page, crowd[0][1], "amber").lower()  # scanned online before
    assert "заменён" in answers_offline(page, crowd[1][1], "red")  # revoked
    assert "отменена" in answers_offline(page, crowd[-1][1], "red").lower()  # cancelled
    assert "Бейдж не найден" in answers_offline(page, "1234567890", "red")
    assert "офлайн" in answers_offline(page, crowd[2][1], "green")
    assert "уже" in answers_offline(page, crowd[2][1], "amber").lower()  # admitted by this device a moment ago

    context.set_offline(False)
    drained(page)
    with action(app):
        outcomes = sorted(db.session.scalars(select(Scan.outcome)))
        assert outcomes == sorted(["checked_in", "already_checked_in", "revoked_badge", "registration_cancelled",
                                   "unknown_badge", "checked_in", "already_checked_in"])
    context.close()


def test_two_phones_admitting_one_badge_offline_leave_one_check_in_and_a_conflict_shown(
        app, live_server, browser, event, crowd, make_user, organizer_client):
    first = browser.new_context(locale="ru-RU")
    second = browser.new_context(locale="ru-RU")
    one = scanner(first, live_server.url, event, make_user("checkin", events=(event,)))
    other = scanner(second, live_server.url, event, make_user("checkin", events=(event,)))
    first.set_offline(True)
    second.set_offline(True)
    token = crowd[5][1]
    assert "офлайн" in answers_offline(one, token, "green")
    assert "офлайн" in answers_offline(other, token, "green")

    first.set_offline(False)
    drained(one)
    second.set_offline(False)
    drained(other)
    conflict = other.locator("#offline-conflicts")
    expect(conflict).to_be_visible()
    assert "Участница05" in conflict.inner_text()
    assert counted(app, CheckIn) == 1
    with action(app):
        assert sorted(db.session.scalars(select(Scan.outcome))) == ["checked_in", "offline_conflict"]
    page = organizer_client.get(f"/manage/events/{event.slug}/checkin/arrivals.json").get_json()
    assert page["conflicts"] == [{"label": "Вход", "count": 1}]
    first.close()
    second.close()


def test_a_phone_paired_by_the_organizer_s_qr_code_scans_and_revoked_forgets_its_list(
        app, live_server, browser, event, crowd, make_user, artifacts):
    organizer = browser.new_context(locale="ru-RU")
    desk = organizer.new_page()
    desk.set_default_timeout(20_000)
    log_in(desk, live_server.url, make_user("organizer", events=(event,)))
    desk.wait_for_url(re.compile(r"/manage/"))
    desk.goto(f"{live_server.url}/manage/events/{event.slug}/checkin/devices")
    desk.get_by_label("Название устройства").fill("Вход, телефон волонтёра")
    desk.get_by_role("button", name="Подключить телефон по QR-коду").click()
    shown = desk.locator(".pairing-qr")
    expect(shown).to_be_visible()
    shown.screenshot(path=str(artifacts / "pairing-qr.png"))
    [code] = [found.text for found in zxingcpp.read_barcodes(Image.open(artifacts / "pairing-qr.png"))]
    assert re.fullmatch(rf"{re.escape(live_server.url)}/checkin/pair#[\w-]+", code)

    phone = browser.new_context(locale="ru-RU", viewport={"width": 420, "height": 860})  # logged in nowhere
    page = phone.new_page()
    page.set_default_timeout(20_000)
    page.goto(code)  # what the camera app opens
    page.wait_for_url(f"{live_server.url}/checkin/device/{event.slug}/")
    expect(page.locator("#device-name")).to_have_text("Вход, телефон волонтёра")
    expect(page.locator("#list-freshness")).to_contain_text("список от")
    assert "Прибытие отмечено" in scan(page, crowd[7][1])
    with action(app):
        [check_in] = db.session.scalars(select(CheckIn)).all()
        assert check_in.device.name == "Вход, телефон волонтёра" and check_in.staff_id is None
    page.locator("#scanner[data-offline-ready=yes]").wait_for(state="attached")
    phone.set_offline(True)
    page.reload()  # the phone's page opens offline too, and answers from its list
    assert "офлайн" in answers_offline(page, crowd[8][1], "green")
    page.screenshot(path=str(artifacts / "paired-phone-offline.png"), full_page=True)
    phone.set_offline(False)
    drained(page)
    assert counted(app, CheckIn) == 2

    desk.goto(f"{live_server.url}/manage/events/{event.slug}/checkin/devices")
    desk.get_by_role("button", name="Отключить").click()
    expect(page.locator("#device-state")).to_contain_text("доступ отозван", timeout=15_000)  # at its next refresh
    expect(page.locator("#scan-input")).to_be_disabled()
    assert page.evaluate("indexedDB.databases().then((all) => all.filter((db) => db.name.startsWith('device|'))"
                         ".length)") == 0
    assert page.evaluate("Object.keys(localStorage).filter((key) => key.startsWith('checkin-device')).length") == 0
    organizer.close()
    phone.close()
