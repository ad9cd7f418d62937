"""Check-in in real Chromium: a badge's QR code shown to a (fake) phone camera, a USB scanner typing into the page,
a search by name, and the organizer's live arrivals updating without a reload."""

import re
import subprocess
import uuid
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from conference.badges import services as badges
from conference.demo import DEMO_SLUG
from conference.extensions import db
from conference.registration.models import Participant

from .conftest import PASSWORD, action
from .test_arrivals import second_day_of_the_demo

pytestmark = pytest.mark.browser
SCANNER_ROOT = Path(__file__).parent.parent / "static/vendor/zxing-wasm/reader/index.js"


@pytest.fixture
def registered(app, client, event, form_data):
    """Two confirmed participants: ids and badge tokens."""
    client.post(f"/events/{event.slug}/register", data=form_data())
    client.post(f"/events/{event.slug}/register", data=form_data(
        email="petrov@example.org", last_name="Петров", first_name="Пётр", organization="ПАО «КАМАЗ»"))
    with action(app):
        people = list(db.session.scalars(select(Participant).order_by(Participant.id)))
        return [(person.id, badges.current_badge(person).token) for person in people]


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")  # (by the fields' names: the page speaks the browser's language)
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()


def camera_video_of_badge(organizer_client, event, participant_id: int, folder: Path) -> Path:
    """The participant's printed badge as a camera would film it: the A6 PDF rasterized at 150 dpi, then turned
    into a Y4M video by ffmpeg, the format Chromium's fake camera plays."""
    pdf = organizer_client.get(f"/manage/events/{event.slug}/participants/{participant_id}/badge.pdf").data
    (folder / "badge.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(folder / "badge.pdf"), str(folder / "badge")],
                   check=True)
    video = folder / "badge.y4m"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-loop", "1", "-i", str(folder / "badge.png"),
                    "-vf", "scale=-2:720,pad=1280:720:(ow-iw)/2:0:white,format=yuv420p", "-frames:v", "10",
                    "-r", "10", str(video)], check=True)
    return video


def test_a_badge_shown_to_the_camera_checks_in_then_says_already(app, live_server, launch_browser, event,
                                                                  registered, make_user, organizer_client,
                                                                  artifacts, tmp_path):
    if not SCANNER_ROOT.is_file():
        pytest.fail("static/vendor/zxing-wasm is missing: run `make vendor` (needs npm)")
    participant_id, _token = registered[0]
    video = camera_video_of_badge(organizer_client, event, participant_id, tmp_path)
    browser = launch_browser("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                             f"--use-file-for-fake-video-capture={video}")
    context = browser.new_context(locale="ru-RU", viewport={"width": 420, "height": 860})  # a phone
    page = context.new_page()
    page.set_default_timeout(20_000)
    log_in(page, live_server.url, make_user("checkin", events=(event,)))
    page.goto(f"{live_server.url}/manage/events/{event.slug}/checkin/")
    page.get_by_role("button", name="Сканировать камерой").click()

    answer = page.locator("#answer")
    page.locator("#answer.answer-green").wait_for()
    assert "Прибытие отмечено" in answer.inner_text()
    assert "Сидорова Анна Петровна" in answer.inner_text()
    assert "Сахалинская область" in answer.inner_text()
    page.screenshot(path=str(artifacts / "checkin-camera-green.png"))

    page.get_by_role("button", name="Далее").click()  # the camera still sees the same badge
    # Filming, the phone keeps its keyboard down, while a USB scanner beside it could still type into the input.
    expect(page.locator("#scan-input")).to_be_focused()
    expect(page.locator("#scan-input")).to_have_attribute("inputmode", "none")
    page.locator("#answer.answer-amber").wait_for()
    assert "Уже отмечен(а)" in answer.inner_text()
    page.screenshot(path=str(artifacts / "checkin-camera-amber.png"))
    context.close()


def test_a_usb_scanner_typing_the_code_and_the_search_by_name(app, live_server, browser, event, registered,
                                                                make_user, artifacts):
    (_first_id, first_token), (second_id, _second_token) = registered
    # A laptop still on Vladivostok time: the list of recent scans keeps the event's (Moscow) time.
    context = browser.new_context(locale="ru-RU", timezone_id="Asia/Vladivostok",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server.url, make_user("checkin", events=(event,)))
    assert page.url.endswith("/checkin/")  # check-in staff land on their own page
    page.get_by_role("link", name=re.compile("Промышленный форум")).click()

    # A keyboard-wedge scanner: the input has the focus without a click; the scanner presses the digit keys and
    # Enter. Digits sit on the same keys under the Russian layout as under the English one, so the code arrives
    # unchanged whichever layout the scanning computer has switched on.
    expect(page.locator("#scan-input")).to_be_focused()
    for digit in first_token:
        page.keyboard.press(f"Digit{digit}")
    page.keyboard.press("Enter")
    page.locator("#answer.answer-green").wait_for()
    page.screenshot(path=str(artifacts / "checkin-scanner-green.png"))

    # The next scan's keystrokes close the answer and land in the input: the same badge again says "already".
    page.keyboard.type(first_token)
    page.keyboard.press("Enter")
    page.locator("#answer.answer-amber").wait_for()
    assert "Уже отмечен(а)" in page.locator("#answer").inner_text()

    page.get_by_role("button", name="Далее").click()
    page.locator("#scan-input").type("1234")
    page.keyboard.press("Enter")
    page.locator("#answer.answer-red").wait_for()
    assert "Бейдж не найден" in page.locator("#answer").inner_text()
    page.screenshot(path=str(artifacts / "checkin-scanner-red.png"))
    page.get_by_role("button", name="Далее").click()

    # No badge with them: found by name, checked in by hand, then undone.
    page.get_by_label("Фамилия, почта или организация").fill("камаз")
    page.get_by_role("button", name="Найти").click()
    page.locator(f'[data-participant-id="{second_id}"]').click()
    page.locator("#answer.answer-green").wait_for()
    assert "Петров Пётр" in page.locator("#answer").inner_text()
    page.get_by_role("button", name=re.compile("Отменить")).click()
    page.locator("#answer").get_by_text("Отметка о прибытии отменена.").wait_for()
    # The latest scans say it was undone, and the person can be checked in again from the same list.
    assert page.locator("#recent li").count() == 4
    latest = page.locator("#recent li").first
    assert_event_time(latest.inner_text()[:8])
    expect(latest).to_have_text(re.compile(r"Прибытие отмечено · Петров Пётр .* · отменено\s*$"))
    expect(latest).to_have_class("recent-amber")
    expect(page.locator(f'[data-participant-id="{second_id}"]')).to_be_enabled()
    shown = latest.inner_text()[9:]
    page.reload()
    assert page.locator("#recent li").first.inner_text()[9:] == shown  # the same line after a reload
    context.close()


def assert_event_time(shown: str) -> None:
    """`shown` is the time of day just now in Moscow (the test event's time zone), on a 24-hour clock."""
    assert re.fullmatch(r"\d\d:\d\d:\d\d", shown), shown
    moscow = [datetime.now(ZoneInfo("Europe/Moscow")) + timedelta(minutes=shift) for shift in (-1, 0)]
    assert shown[:5] in [moment.strftime("%H:%M") for moment in moscow]


def test_live_arrivals_update_without_a_reload(app, live_server, browser, event, registered, make_user,
                                               organizer_client, artifacts):
    # An organizer watching from Novosibirsk, in a browser set to American English: the page speaks English (the
    # browser's language, nobody chose another), and its times are still the event's (Moscow), on a 24-hour clock.
    context = browser.new_context(locale="en-US", timezone_id="Asia/Novosibirsk",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server.url, make_user("organizer", events=(event,)))
    page.goto(f"{live_server.url}/manage/events/{event.slug}/checkin/arrivals")
    checked_in = page.locator('tr[data-checkpoint="entrance"] td.checked-in')
    assert checked_in.inner_text() == "0"
    assert page.locator('tr[data-checkpoint="entrance"] td.expected').inner_text() == "2"
    for _id, token in registered:
        response = organizer_client.post(f"/api/v1/events/{event.slug}/checkins",
                                         json={"token": token, "nonce": uuid.uuid4().hex})
        assert response.status_code == 201
    expect(checked_in).to_have_text("2", timeout=15_000)  # the page polls every 5 seconds
    assert page.locator("#arrivals-chart rect").count() >= 1
    updated = page.locator("#arrivals-updated").inner_text()
    assert updated.startswith("Updated at ")
    assert_event_time(updated.removeprefix("Updated at "))
    page.screenshot(path=str(artifacts / "checkin-arrivals.png"), full_page=True)
    context.close()


def test_the_door_and_the_arrivals_fit_a_phone(app, live_server, browser, event, registered, client, form_data,
                                               make_user, artifacts):
    """A 390-pixel phone: the people found at the door, the button beside them, and the live arrivals need no
    sideways scrolling, even with long Russian words and names."""
    client.post(f"/events/{event.slug}/register", data=form_data(
        email="konstantinopolskaya.long.address@university-of-example.ac.uk", last_name="Константинопольская",
        first_name="Елизавета", patronymic="Александровна",
        organization="Федеральное государственное унитарное предприятие «Научно-производственное объединение»"))
    for role, path, query in (("checkin", f"/manage/events/{event.slug}/checkin/", "?q=константинопольская"),
                              ("organizer", f"/manage/events/{event.slug}/checkin/arrivals", "")):
        context = browser.new_context(locale="ru-RU", viewport={"width": 390, "height": 844}, is_mobile=True,
                                      has_touch=True)
        page = context.new_page()
        log_in(page, live_server.url, make_user(role, events=(event,)))
        page.goto(f"{live_server.url}{path}{query}")
        if query:
            expect(page.locator(".manual-check-in")).to_be_visible()
            box = page.locator(".manual-check-in").bounding_box()
            assert box["x"] + box["width"] <= 390
            page.locator(".manual-check-in").click()  # the answer's buttons each on one line, full width
            for name, lines in (("Далее", 1), (re.compile("Отменить"), 2)):
                button = page.locator("#answer").get_by_role("button", name=name).bounding_box()
                assert button["width"] > 300 and button["height"] < 25 + 30 * lines, name
            page.screenshot(path=str(artifacts / "phone-answer.png"))
            page.get_by_role("button", name="Далее").click()
        page.screenshot(path=str(artifacts / f"phone-{role}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, role
        context.close()


def test_the_arrivals_of_two_days_are_charted_apart(app, live_server, browser, make_user, artifacts):
    """Two days of arrivals: a chart per day, named by its date, on an axis of its own with its empty quarter
    hours, its hours labelled apart from each other; the same after the page's refresh from the server."""
    second_day_of_the_demo(app)
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server.url, make_user("organizer", events=(DEMO_SLUG,)))
    page.goto(f"{live_server.url}/manage/events/{DEMO_SLUG}/checkin/arrivals")
    updated = page.locator("#arrivals-updated").inner_text()
    for moment in ("first paint", "refresh"):
        days = page.locator("#arrivals-chart h3")
        assert [text.replace("\u202f", " ") for text in days.all_inner_texts()] == [
            "23 ноября 2018 г.", "24 ноября 2018 г."], moment
        first, second = page.locator("#arrivals-chart svg").all()
        hours = [svg.locator("text.hour") for svg in (first, second)]
        assert hours[0].all_text_contents() == [f"{hour:02}:00" for hour in range(8, 15)], moment
        assert hours[1].all_text_contents() == [f"{hour:02}:00" for hour in range(13, 18)], moment
        for labels in hours:  # drawn, they stand apart
            boxes = [label.bounding_box() for label in labels.all()]
            assert all(left["x"] + left["width"] + 10 < right["x"] for left, right in pairwise(boxes)), moment
        # A quarter hour is a column on both days, the empty ones too: the first day's lull, 10:45 to 13:00.
        assert first.locator("rect").count() == 6 * 4 and second.locator("rect").count() == 4 * 4, moment
        heights = [float(rect.get_attribute("height")) for rect in first.locator("rect").all()]
        assert heights[11:20] == [0] * 9 and heights[10] > 0 and heights[20] > 0, moment
        if moment == "first paint":
            page.screenshot(path=str(artifacts / "checkin-arrivals-two-days.png"), full_page=True)
            expect(page.locator("#arrivals-updated")).not_to_have_text(updated)  # redrawn from arrivals.json
    context.close()
