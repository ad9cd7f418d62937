"""axe-core (from npm, node_modules/axe-core) in real Chromium on every page a participant, an organizer and a
check-in volunteer use: no violation of WCAG 2.1 A/AA nor of axe's best practices. Also what axe cannot see: the
skip link comes first, and focus lands on the first field in error after an invalid submit."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from conference import tokens
from conference.agenda.models import SessionPerson
from conference.communications.certificates import CERTIFICATE
from conference.communications.services import NEWS
from conference.demo import DEMO_SLUG, create_demo
from conference.events.models import Event
from conference.extensions import db
from conference.registration.models import Participant
from conference.registration.services import self_service_token

from .agenda_helpers import at, make_room, make_session
from .conftest import PASSWORD, action, mail_text, sent_mail

pytestmark = pytest.mark.browser
AXE = Path(__file__).parent.parent / "node_modules/axe-core/axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@pytest.fixture
def axe() -> Path:
    """Skips without axe-core on a developer's machine (no npm); under CI a missing axe-core fails the run."""
    if not AXE.is_file():
        reason = f"{AXE} is missing: run `make vendor` (needs npm) to install axe-core"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return AXE


@pytest.fixture
def page(browser):
    """As tests/browser.py's page, but the site's Content-Security-Policy (script-src 'self') lets axe's script in."""
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


class Audit:
    """Runs axe on each page visited and keeps what it finds, so that one run lists every page's violations."""

    def __init__(self, page, base: str):
        self.page, self.base, self.found = page, base, []

    def visit(self, path: str, status: int = 200) -> None:
        response = self.page.goto(f"{self.base}{path}")
        assert response.status == status, f"{path}: {response.status}"
        self.check(path)

    def check(self, name: str) -> None:
        self.page.evaluate("document.querySelectorAll('details').forEach(box => box.open = true)")  # what they hide too
        self.page.add_script_tag(path=str(AXE))
        result = self.page.evaluate("options => axe.run(document, options)", {"runOnly": RULES})
        for violation in result["violations"]:
            targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
            self.found.append(f"{name}: {violation['id']} ({violation['impact']}) at {targets}: {violation['help']}")

    def assert_clean(self) -> None:
        assert not self.found, f"axe found {len(self.found)} violation(s):\n" + "\n".join(self.found)


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(re.compile(r"/(manage|checkin)/"))


@pytest.fixture
def demo(app):
    """The seed's forum: rooms, sessions, hundreds of participants, arrivals and recommendations on its pages."""
    with action(app):
        create_demo()
        participant = db.session.scalars(select(Participant).join(Event).where(Event.slug == DEMO_SLUG)
                                         .order_by(Participant.id)).first()
        speaker = db.session.scalars(select(Participant).join(SessionPerson, SessionPerson.participant_id ==
                                                              Participant.id).order_by(SessionPerson.id)).first()
        return {"slug": DEMO_SLUG, "participant": participant.id, "last_name": participant.last_name,
                "token": self_service_token(participant), "speaker_token": self_service_token(speaker),
                "news_token": tokens.sign(NEWS, {"p": participant.id}),
                "certificate_token": tokens.sign(CERTIFICATE, {"p": participant.id})}


def test_a_participants_pages(app, live_server, page, event, demo, axe):
    with action(app):
        hall = make_room(event, "Большой зал", 300)
        make_session(event, hall, at(event, 0, 10), at(event, 0, 12), kind="plenary", title="Пленарное заседание")
    audit = Audit(page, live_server.url)
    audit.visit("/")
    audit.visit(f"/events/{event.slug}")
    audit.visit(f"/events/{event.slug}/program")
    audit.visit(f"/events/{event.slug}/consent")
    audit.visit(f"/events/{demo['slug']}/recommendations")
    audit.visit(f"/events/{event.slug}/link")
    audit.visit(f"/events/{event.slug}/register")

    page.get_by_label("Фамилия").fill("Кузнецова")
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page.locator(".field.has-errors").first).to_be_visible()
    audit.check("the registration form with errors")

    page.get_by_label("Имя", exact=True).fill("Мария")
    page.get_by_label("Электронная почта").fill("maria.kuznetsova@example.org")
    page.get_by_label("Организация", exact=True).fill("Технопарк «Калуга»")
    page.get_by_label("Тип организации").select_option(label="Технопарк")
    page.get_by_label("Должность").fill("Руководитель проекта")
    page.get_by_label("Регион", exact=True).select_option(label="Калужская область")
    page.get_by_label("Город").fill("Калуга")
    page.get_by_label("Я даю согласие на обработку моих персональных данных").check()
    page.get_by_role("button", name="Зарегистрироваться").click()
    page.wait_for_url(re.compile(r"/registered$"))
    audit.check("the registration's confirmation")

    private = re.search(r"http://localhost(/my/[\w.\-]+)", mail_text(sent_mail(app)[-1])).group(1)
    audit.visit(private)
    audit.visit(f"{private}/sessions")
    audit.visit(f"{private}/edit")
    audit.visit(f"{private}/cancel")
    audit.visit(f"{private}/data")
    audit.visit(f"{private}/erase")
    audit.visit(f"/my/{demo['token']}/sessions")  # a past forum: sessions shown, sign-ups closed
    audit.visit(f"/my/{demo['speaker_token']}/erase")  # a speaker: asked whether to stay named in the program
    audit.visit(f"/news/{demo['news_token']}")  # unsubscribing from the news
    audit.visit(f"/certificates/{demo['certificate_token']}")  # a certificate checked
    audit.visit("/checkin/pair")  # a phone opening a pairing link without its code
    audit.visit(f"/checkin/device/{event.slug}/")  # a phone not paired (yet, or any more)
    audit.visit("/my/not-a-valid-link", status=404)
    audit.visit("/no-such-page", status=404)
    audit.visit(f"/lang/en?next=/events/{event.slug}/register")  # English from here on
    audit.visit(private)
    audit.visit(f"{private}/sessions")
    audit.assert_clean()


def test_an_organizers_pages(app, live_server, page, demo, make_user, axe, artifacts):
    slug, manage = demo["slug"], f"/manage/events/{demo['slug']}"
    log_in(page, live_server.url, make_user("organizer", events=(slug,)))
    audit = Audit(page, live_server.url)
    for path in ["/manage/", "/manage/events/new", manage, f"{manage}/edit", f"{manage}/participants/",
                 f"{manage}/participants/?text=%D0%B8&status=confirmed", f"{manage}/agenda/",
                 f"{manage}/agenda/grid", f"{manage}/agenda/conflicts", f"{manage}/agenda/rooms/",
                 f"{manage}/agenda/rooms/new", f"{manage}/agenda/sessions/new", f"{manage}/recommendations/",
                 f"{manage}/recommendations/new", "/manage/recommendations/bodies/",
                 "/manage/recommendations/projects/", f"{manage}/checkin/arrivals", f"{manage}/checkin/",
                 "/manage/directories/", "/manage/staff/", "/manage/staff/new", "/checkin/", f"{manage}/team",
                 f"{manage}/privacy/anonymise", f"{manage}/mailings/", f"{manage}/mailings/new?status=confirmed",
                 f"{manage}/mailings/texts/", f"{manage}/mailings/texts/session_moved/ru",
                 f"{manage}/press-release/ru", f"{manage}/press-release/en", f"{manage}/press-release/ru/redraft",
                 f"/events/{slug}/recommendations"]:
        audit.visit(path)
    # One of each thing to edit, as the lists link to them.
    for listing, link in [("agenda/", "/agenda/sessions/"), ("agenda/", "/lists"), ("agenda/rooms/", "/agenda/rooms/"),
                          ("recommendations/", "/recommendations/")]:
        page.goto(f"{live_server.url}{manage}/{listing}")
        audit.visit(page.locator(f"main a[href*='{link}']:not([href$='/new'])").first.get_attribute("href"))
    page.goto(f"{live_server.url}/manage/directories/")
    for href in page.locator("main a[href^='/manage/directories/']").evaluate_all("links => links.map(a => a.href)"):
        audit.visit(href.removeprefix(live_server.url))
    page.goto(f"{live_server.url}/manage/staff/")
    audit.visit(page.locator("main a[href^='/manage/staff/']:not([href$='/new'])").first.get_attribute("href"))

    # A participant declined (a letter for the letters page), a device added (the devices table, its new token).
    audit.visit(f"{manage}/participants/{demo['participant']}")
    page.get_by_role("button", name="Отклонить").click()
    page.wait_for_load_state()
    audit.check("a participant just declined")
    page.screenshot(path=str(artifacts / "a11y-participant-private-link.png"), full_page=True)
    audit.visit(f"{manage}/letters/")
    audit.visit(f"{manage}/checkin/devices")
    page.get_by_label("Название устройства").fill("Вход, телефон 1")
    page.get_by_role("button", name="Добавить устройство").click()
    page.locator(".new-token").wait_for()
    audit.check("the devices with a new token")
    page.screenshot(path=str(artifacts / "a11y-devices.png"), full_page=True)
    form, table = page.locator("main form.form").bounding_box(), page.locator("main table").bounding_box()
    assert table["y"] - (form["y"] + form["height"]) >= 16, "the device form's box touches the table below it"

    # A bulk print larger than BADGES_PRINTED_AT_ONCE is prepared on its own page; so is the report of an event with
    # more registrations than REPORT_PREPARED_ABOVE.
    app.config.update(BADGES_PRINTED_AT_ONCE=0, REPORT_PREPARED_ABOVE=0)
    page.goto(f"{live_server.url}{manage}/participants/?status=confirmed&text={demo['last_name']}")
    page.get_by_role("button", name="Напечатать бейджи (PDF)").click()
    page.wait_for_url(re.compile(r"/downloads/\d+$"))
    audit.check("a batch of badges")
    audit.visit(f"{manage}/report.pdf")

    # A letter to a group: written (with an error first), its draft with the preview, sent.
    audit.visit(f"{manage}/mailings/new?status=confirmed&text={demo['last_name']}")
    page.get_by_role("button", name="Сохранить и посмотреть").click()
    expect(page.locator(".field.has-errors").first).to_be_visible()
    audit.check("a letter to a group, with errors")
    page.get_by_label("Тема", exact=True).fill("Трансфер")
    page.get_by_label("Текст", exact=True).fill("Здравствуйте, {name}!")
    page.get_by_role("button", name="Сохранить и посмотреть").click()
    page.locator(".letter-preview").wait_for()
    audit.check("a letter's draft and preview")
    page.get_by_role("button", name=re.compile("^Отправить \\d+ участник")).click()
    page.locator("main progress").wait_for()
    audit.check("a letter being sent, and who got it")
    audit.assert_clean()


def test_an_administrators_pages(app, live_server, page, demo, make_user, axe):
    log_in(page, live_server.url, make_user("admin"))
    audit = Audit(page, live_server.url)
    page.goto(f"{live_server.url}/manage/events/{demo['slug']}/participants/{demo['participant']}")  # one record
    audit.visit("/manage/access-log/")
    audit.visit("/manage/access-log/?since=2030-01-01&until=2020-01-01")  # the filters' error shown
    audit.assert_clean()


def test_a_checkin_volunteers_pages(app, live_server, browser, demo, make_user, axe):
    """On the phone a volunteer holds at the door."""
    context = browser.new_context(locale="ru-RU", viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, bypass_csp=True)
    page = context.new_page()
    log_in(page, live_server.url, make_user("checkin", events=(demo["slug"],)))
    audit = Audit(page, live_server.url)
    audit.visit("/checkin/")
    audit.visit(f"/manage/events/{demo['slug']}/checkin/")
    page.locator("input[name=q]").fill(demo["last_name"])
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q="))
    audit.check("the scanner with search results")
    audit.visit(page.locator("a.who").get_attribute("href"))
    audit.visit(f"/manage/events/{demo['slug']}", status=403)
    audit.visit("/login")
    audit.assert_clean()


def test_the_skip_link_comes_first_and_leads_to_the_content(live_server, page, event, artifacts):
    page.goto(f"{live_server.url}/events/{event.slug}")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("Перейти к содержанию")
    expect(skip).to_be_visible()  # hidden until focused, then on top of the header
    page.screenshot(path=str(artifacts / "skip-link.png"))
    page.keyboard.press("Enter")
    expect(page.locator(":focus")).to_have_id("content")
    page.keyboard.press("Tab")  # the next stop is inside the page's content, past the header's links
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_after_an_invalid_submit_focus_is_on_the_first_field_in_error(live_server, page, event, artifacts):
    page.goto(f"{live_server.url}/events/{event.slug}/register")
    page.get_by_label("Фамилия").fill("Кузнецова")
    page.get_by_label("Электронная почта").fill("not an address")
    page.get_by_role("button", name="Зарегистрироваться").click()
    page.locator(".field.has-errors").first.wait_for()
    first_in_error = page.locator(".field.has-errors").first.locator("input, select, textarea").first
    expect(first_in_error).to_be_focused()
    expect(page.get_by_label("Имя", exact=True)).to_be_focused()  # the first empty required field, after Фамилия
    page.screenshot(path=str(artifacts / "registration-focus-on-error.png"))
