"""Personal data under 152-FZ: «My data», withdrawing consent and erasure, retention, a replaced private link; the
statistics survive erasure unchanged."""

import dataclasses
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from conference import create_app
from conference.agenda import services as agenda
from conference.agenda.models import AgendaSession, SessionPerson, SessionSignup
from conference.badges.models import Badge, BadgeRender
from conference.badges.services import current_badge
from conference.checkin.models import CheckIn
from conference.demo import DEMO_SLUG, create_demo
from conference.events.models import ConsentText, Event
from conference.events.services import DEFAULT_CONSENT_TEXT, get_event
from conference.extensions import db
from conference.mail.models import Letter
from conference.privacy import services
from conference.privacy.tasks import anonymise_expired_events
from conference.registration import services as registration
from conference.registration.models import Participant
from conference.reports.services import build_report, summary
from conference.timeutil import utcnow

from .agenda_helpers import at, make_room, make_session
from .conftest import action, mail_text, sent_mail


def csrf_token(page: str) -> str:
    """The page's CSRF token, from a form macro's field or a hand-written hidden input alike."""
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)


PERSONAL = ("first_name", "patronymic", "phone", "organization", "position", "city")


@pytest.fixture
def people(app, client, event, form_data):
    """Three registered participants (confirmed at once: no moderation), keyed by last name, with their links."""
    links = {}
    for last_name in ("Алексеева", "Борисова", "Васильева"):
        response = client.post(f"/events/{event.slug}/register", data=form_data(
            last_name=last_name, email=f"{last_name.lower()}@example.org"))
        links[last_name] = response.headers["Location"].removesuffix("/registered")
    return links


def person(last_name: str) -> Participant:
    return db.session.scalar(select(Participant).where(Participant.last_name == last_name))


def assert_erased(participant: Participant) -> None:
    assert participant.erased_at is not None
    assert participant.last_name == "удалено" and participant.search_text == "удалено"
    assert all(getattr(participant, name) == "" for name in PERSONAL)
    assert participant.email == f"erased-{participant.id}@invalid"


def test_withdrawing_consent_erases_the_person_frees_the_seat_and_keeps_the_statistics(app, client, event, people,
                                                                                        refs):
    with action(app):
        seminar = make_session(event, make_room(event, "Малый зал", 2), at(event, 0, 14), at(event, 0, 16),
                               title="Семинар", kind="seminar")
        session = db.session.get(AgendaSession, seminar)
        agenda.sign_up(person("Алексеева"), session)
        agenda.sign_up(person("Борисова"), session)
        agenda.sign_up(person("Васильева"), session, wait=True)
    mails_before = len(sent_mail(app))
    with action(app):
        alexeeva = person("Алексеева")
        erased_id, badge_token = alexeeva.id, current_badge(alexeeva).token
        registration.notify(alexeeva, "link")  # queued by the same action: must never leave
        services.withdraw_consent(alexeeva)

    letters = sent_mail(app)[mails_before:]
    to_her = [letter for letter in letters if letter["To"] == "алексеева@example.org"]
    assert [letter["Subject"] for letter in to_her] == [f"Ваши персональные данные удалены: {event.title}"]
    assert "/my/" not in mail_text(to_her[0]) and "Алексеева" not in mail_text(to_her[0])
    # The waiting list moved: Васильева has the freed seat, and a letter saying so.
    assert any(letter["To"] == "васильева@example.org" and "Семинар" in letter["Subject"] for letter in letters)
    with action(app):
        erased = db.session.get(Participant, erased_id)
        assert_erased(erased)
        assert erased.status == "cancelled"  # the event is still to come: the registration holds no seat
        assert (erased.subject_id, erased.organization_type_id, erased.category, erased.consent_version) == (
            refs["subject"]["SAK"], refs["org_type"]["technopark"], "participant", "2026-1")
        signed_up = dict(db.session.execute(select(SessionSignup.participant_id, SessionSignup.status)
                                            .where(SessionSignup.session_id == seminar)).all())
        assert signed_up == {person("Борисова").id: "registered", person("Васильева").id: "registered"}
        assert db.session.scalar(select(Badge.revoked_at).where(Badge.token == badge_token)) is not None
        assert db.session.scalar(select(func.count()).select_from(BadgeRender)
                                 .where(BadgeRender.participant_id == erased_id)) == 0
        her_letters = db.session.scalars(select(Letter).where(Letter.participant_id == erased_id)).all()
        assert {letter.recipient for letter in her_letters} == {""}  # the outbox forgets the address
        assert [letter.status for letter in her_letters if letter.params.get("reason") == "link"] == ["dropped"]
        # Nobody finds her any more, by name or by address.
        for words in ("Алексеева", "алексеева@example.org"):
            criteria = registration.ParticipantFilter(text=words)
            assert registration.count_matching(event, criteria) == 0
        # Erasing again changes nothing and erases nothing more.
        assert services.anonymise([erased], "withdrawn") == 0
    # The letter that confirmed it keeps her address only until the next daily run.
    with app.app_context():
        anonymise_expired_events.call_local()
    with action(app):
        assert db.session.scalars(select(Letter.recipient).where(Letter.kind == "erasure")).all() == [""]


def _by_id(value):
    if isinstance(value, list | tuple):
        return [_by_id(item) for item in value]
    return (type(value).__name__, value.id) if isinstance(value, db.Model) else value


def test_the_report_of_an_anonymised_event_is_the_same_to_the_last_figure(app):
    """The retention job on the demo forum (2018: long past 12 months): every registration erased, every figure
    of the report, and its press-release summary, unchanged."""
    with app.test_request_context():
        create_demo()
        get_event(DEMO_SLUG).retention_months = 12  # (the demo keeps its data for 20 years, to be tried)
        db.session.commit()

    def figures() -> tuple:
        report = build_report(get_event(DEMO_SLUG))
        # (Rows, such as the easternmost region, by their ids: each build reads them in a session of its own.)
        values = [_by_id(getattr(report, field.name)) for field in dataclasses.fields(report) if field.name != "event"]
        return (values, report.registered, report.confirmed, report.no_show_rate, report.country_count,
                report.arrivals, summary(report))

    def counts() -> tuple:
        return tuple(db.session.scalar(select(func.count()).select_from(table))
                     for table in (CheckIn, SessionSignup, Participant))

    with app.test_request_context():
        before, counted_before = figures(), counts()
        assert before[1] > 500 and counted_before[0] > 0 and counted_before[1] > 0  # a report with something in it
    with app.app_context():
        erased = anonymise_expired_events.call_local()
    with app.test_request_context():
        assert erased == counted_before[2]
        after = figures()
        names = ("fields", "registered", "confirmed", "no-show rate", "countries", "arrivals", "summary")
        for name, old, new in zip(names, before, after, strict=True):
            assert new == old, name
        assert counts() == counted_before
        for participant in db.session.scalars(select(Participant)):
            assert_erased(participant)


def test_retention_anonymises_only_the_events_whose_period_is_over(app, client, make_event, form_data):
    past, kept = make_event(), make_event(retention_months=24)
    for event in (past, kept):
        client.post(f"/events/{event.slug}/register", data=form_data())
    with action(app):  # both took place 13 months ago
        for event in (past, kept):
            row = db.session.get(Event, event.id)
            row.starts_on = row.ends_on = date.today() - timedelta(days=400)
    with app.app_context():
        assert anonymise_expired_events.call_local() == 1
    with action(app):
        [erased] = db.session.scalars(select(Participant).where(Participant.event_id == past.id)).all()
        [untouched] = db.session.scalars(select(Participant).where(Participant.event_id == kept.id)).all()
        assert_erased(erased)
        assert erased.status == "confirmed"  # the event is over: its status is history, and the report's
        assert untouched.erased_at is None and untouched.last_name == "Сидорова"
        assert db.session.get(Event, past.id).retained_until < utcnow() < db.session.get(Event, kept.id).retained_until


def test_the_organizer_sees_the_date_and_anonymises_the_event_now(app, event, people, organizer_client,
                                                                  checkin_client):
    dashboard = organizer_client.get(f"/manage/events/{event.slug}").get_data(as_text=True)
    assert "Персональные данные" in dashboard and f"/manage/events/{event.slug}/privacy/anonymise" in dashboard
    page = organizer_client.get(f"/manage/events/{event.slug}/privacy/anonymise").get_data(as_text=True)
    assert "Обезличить" in page and "не изменятся" in page
    response = organizer_client.post(f"/manage/events/{event.slug}/privacy/anonymise")
    assert response.status_code == 302
    with action(app):
        participants = db.session.scalars(select(Participant).where(Participant.event_id == event.id)).all()
        assert len(participants) == 3
        for participant in participants:
            assert_erased(participant)
    listing = organizer_client.get(f"/manage/events/{event.slug}/participants/").get_data(as_text=True)
    assert "удалено" in listing and "Алексеева" not in listing
    exported = organizer_client.get(f"/manage/events/{event.slug}/participants/export.csv").get_data(as_text=True)
    assert exported.count("удалено") == 3 and "@example.org" not in exported and "Сахалинская" in exported
    detail = organizer_client.get(f"/manage/events/{event.slug}/participants/{participants[0].id}")
    assert detail.status_code == 200 and "Алексеева" not in detail.get_data(as_text=True)
    assert checkin_client.post(f"/manage/events/{event.slug}/privacy/anonymise").status_code == 403


def test_a_leaked_link_is_replaced_and_the_new_one_sent(app, client, event, people):
    old = people["Борисова"]
    mails_before = len(sent_mail(app))
    response = client.post(f"{old}/new-link")
    assert response.status_code == 302
    new = response.headers["Location"]
    assert new != old and new.startswith("/my/")
    assert client.get(old).status_code == 404  # at once
    assert client.get(new).status_code == 200
    [letter] = sent_mail(app)[mails_before:]
    assert letter["To"] == "борисова@example.org" and "новая" in letter["Subject"].lower()
    assert new in mail_text(letter)


# ---- the participant's pages, with CSRF on -----------------------------------------------------------------

@pytest.fixture
def csrf_client(app_config):
    """A second app on the same database, with CSRF enforced as in production."""
    app = create_app(dict(app_config, WTF_CSRF_ENABLED=True))
    yield app.test_client()
    with app.app_context():
        db.session.remove()


def test_my_data_then_the_json_then_withdraw_and_erase(app, csrf_client, event, form_data):
    client = csrf_client
    token = csrf_token(client.get(f"/events/{event.slug}/register").get_data(as_text=True))
    response = client.post(f"/events/{event.slug}/register", data=form_data(csrf_token=token))
    link = response.headers["Location"].removesuffix("/registered")
    own_page = client.get(link).get_data(as_text=True)
    assert "Мои данные" in own_page and "Выпустить новую ссылку" in own_page

    page = client.get(f"{link}/data").get_data(as_text=True)
    for held in ("Сидорова", "anna.sidorova@example.org", "Директор по развитию", "2026-1",
                 "Заявка получена"):  # the letter sent, by its subject
        assert held in page
    download = client.get(f"{link}/data.json")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["Cache-Control"] == "no-store"
    data = json.loads(download.get_data())
    assert data["registration"]["email"] == "anna.sidorova@example.org"
    assert data["registration"]["federal_subject"] == "Сахалинская область"
    assert data["consent"]["version"] == "2026-1" and data["consent"]["text"]
    assert data["consent"]["given_at"].startswith(str(date.today().year))
    assert [(letter["kind"], letter["status"]) for letter in data["letters"]] == [("registration", "sent")]

    confirm = client.get(f"{link}/erase").get_data(as_text=True)
    assert "Что останется" in confirm
    assert client.post(f"{link}/erase").status_code == 400  # without the page's token: nothing happens
    with action(app):
        assert db.session.scalar(select(Participant.erased_at)) is None
    response = client.post(f"{link}/erase", data={"csrf_token": csrf_token(confirm)})
    assert response.status_code == 302
    for path in (link, f"{link}/data", f"{link}/data.json", f"{link}/edit"):
        gone = client.get(path)
        assert gone.status_code == 410 and "удалены" in gone.get_data(as_text=True)
    assert "Сидорова" not in client.get(f"{link}/data").get_data(as_text=True)
    assert sent_mail(app)[-1]["To"] == "anna.sidorova@example.org"


def test_a_new_link_needs_the_page_token(app, csrf_client, event, form_data):
    token = csrf_token(csrf_client.get(f"/events/{event.slug}/register").get_data(as_text=True))
    link = csrf_client.post(f"/events/{event.slug}/register", data=form_data(csrf_token=token)) \
        .headers["Location"].removesuffix("/registered")
    assert csrf_client.post(f"{link}/new-link").status_code == 400
    assert csrf_client.get(link).status_code == 200  # still the link in force
    page = csrf_client.get(link).get_data(as_text=True)
    moved = csrf_client.post(f"{link}/new-link", data={"csrf_token": csrf_token(page)})
    assert moved.status_code == 302 and csrf_client.get(link).status_code == 404


def test_a_registration_can_be_made_again_after_erasure(app, client, event, people, form_data):
    """The erased row keeps no address, so the same address may register anew (a new person to the system)."""
    with action(app):
        services.withdraw_consent(person("Алексеева"))
    response = client.post(f"/events/{event.slug}/register", data=form_data(
        last_name="Алексеева", email="алексеева@example.org"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/registered")
    with action(app):
        assert person("Алексеева").erased_at is None
        assert re.fullmatch(r"erased-\d+@invalid", person("удалено").email)


def test_the_event_form_sets_and_explains_the_retention_period(app, organizer_client):
    from .test_events import event_form

    form = organizer_client.get("/manage/events/new").get_data(as_text=True)
    assert "Срок хранения персональных данных" in form and "Укажите этот срок в тексте согласия" in form
    organizer_client.post("/manage/events/new", data=event_form(retention_months="36"))
    assert organizer_client.post("/manage/events/industrial-russia-2019/edit",
                                 data=event_form(retention_months="0")).status_code == 200  # refused: 1 to 600
    with action(app):
        event = get_event("industrial-russia-2019")
        assert event.retention_months == 36
        assert event.retained_until.isoformat() == "2022-11-23T21:00:00+00:00"  # midnight after 23 Nov 2019, МСК
    organizer_client.post("/manage/events/industrial-russia-2019/edit", data=event_form())  # an older page's post
    with action(app):
        assert get_event("industrial-russia-2019").retention_months == 36  # keeps what was set
    organizer_client.post("/manage/events/industrial-russia-2019/edit", data=event_form(retention_months=""))
    with action(app):
        assert get_event("industrial-russia-2019").retention_months == 12  # left empty: the default
    dashboard = organizer_client.get("/manage/events/industrial-russia-2019").get_data(as_text=True)
    assert "хранятся до 24 ноября 2020, 00:00" in dashboard  # the midnight after the last day, 12 months on


# ---- consent texts kept as published --------------------------------------------------------------------

def test_each_registration_keeps_the_consent_text_it_agreed_to(app, client, organizer_client, form_data):
    """A text someone agreed to is kept as it was: changing it under the same version is refused (nothing saved);
    a new version is kept beside it, and each registration shows the text it agreed to, on «Мои данные» and on
    the organizer's page. A text nobody agreed to yet may be put right in place."""
    from .test_events import event_form

    organizer_client.post("/manage/events/new", data=event_form(
        registration_opens_at="", registration_closes_at="", starts_on="2099-11-22", ends_on="2099-11-23",
        moderation="", consent_text="Согласие первое", consent_text_en="First consent"))
    organizer_client.post("/manage/events/industrial-russia-2019/edit", data=event_form(
        registration_opens_at="", registration_closes_at="", starts_on="2099-11-22", ends_on="2099-11-23",
        moderation="", consent_text="Согласие первое, исправленное", consent_text_en="First consent"))
    first = client.post("/events/industrial-russia-2019/register", data=form_data(
        last_name="Первова", email="first@example.org")).headers["Location"].removesuffix("/registered")

    changed = event_form(registration_opens_at="", registration_closes_at="", starts_on="2099-11-22",
                         ends_on="2099-11-23", moderation="", consent_text="Согласие второе",
                         consent_text_en="Second consent")
    refused = organizer_client.post("/manage/events/industrial-russia-2019/edit", data=changed)
    assert refused.status_code == 200
    assert "1 участник согласился с версией 2019-1 текста согласия" in refused.get_data(as_text=True)
    with action(app):
        assert get_event("industrial-russia-2019").consent_text == "Согласие первое, исправленное"
    organizer_client.post("/manage/events/industrial-russia-2019/edit", data=dict(changed, consent_version="2019-2"))
    second = client.post("/events/industrial-russia-2019/register", data=form_data(
        last_name="Вторых", email="second@example.org"), headers={"Accept-Language": "en"}) \
        .headers["Location"].removesuffix("/registered")

    with action(app):
        kept = {(text.version, text.text, text.text_en) for text in db.session.scalars(select(ConsentText))}
        assert kept == {("2019-1", "Согласие первое, исправленное", "First consent"),
                        ("2019-2", "Согласие второе", "Second consent")}
        assert person("Первова").consent_text.version == "2019-1"
        first_id = person("Первова").id
    first_page = client.get(f"{first}/data").get_data(as_text=True)
    assert "Согласие первое, исправленное" in first_page and "Согласие второе" not in first_page
    assert json.loads(client.get(f"{first}/data.json").get_data())["consent"]["text"] == \
        "Согласие первое, исправленное"
    assert "Second consent" in client.get(f"{second}/data").get_data(as_text=True)  # what they read, in English
    detail = organizer_client.get(f"/manage/events/industrial-russia-2019/participants/{first_id}")
    assert "Согласие первое, исправленное" in detail.get_data(as_text=True)


def test_a_registration_older_than_the_kept_texts_says_its_text_was_not_kept(app, client, event, people):
    with action(app):
        participant = person("Алексеева")
        participant.consent_text_id, participant.consent_version = None, "2017-1"
    page = client.get(f"{people['Алексеева']}/data").get_data(as_text=True)
    assert "2017-1" in page and "не сохранился" in page


# ---- speakers named in the public program ---------------------------------------------------------------

@pytest.fixture
def stage(app, client, event, people):
    """Алексеева speaks at the plenary, Борисова moderates it."""
    with action(app):
        live = db.session.merge(event)
        hall = make_room(live)
        make_session(live, hall, at(live, 0, 10), at(live, 0, 12), title="Пленарное заседание", kind="plenary",
                     speaker_ids=[person("Алексеева").id], moderator_ids=[person("Борисова").id])
    return people


def test_a_speaker_who_erases_their_data_is_asked_whether_to_stay_named_in_the_program(app, client, event, stage):
    confirm = client.get(f"{stage['Алексеева']}/erase").get_data(as_text=True)
    assert "Публичная программа называет вас" in confirm and "Пленарное заседание" in confirm
    assert "Показывать меня там только как «спикер»" in confirm
    held = client.get(f"{stage['Алексеева']}/data").get_data(as_text=True)
    assert "В публичной программе" in held and "Пленарное заседание" in held
    assert json.loads(client.get(f"{stage['Алексеева']}/data.json").get_data())["in_the_program"][0]["role"] == \
        "speaker"

    client.post(f"{stage['Алексеева']}/erase", data={"program": "named"})
    client.post(f"{stage['Борисова']}/erase")  # the default: named by the role alone
    program = client.get(f"/events/{event.slug}/program").get_data(as_text=True)
    assert "Алексеева Анна Петровна" in program and "Директор по развитию" in program  # as she asked
    assert "Борисова" not in program and "модератор" in program
    with action(app):
        erased = db.session.scalars(select(Participant).where(Participant.erased_at.is_not(None))).all()
        assert len(erased) == 2
        for participant in erased:
            assert_erased(participant)
        # Her entry is the program's own now, tied to no registration; his stays tied to the erased one.
        entries = {(entry.role, entry.participant_id, entry.external_name, entry.external_organization)
                   for entry in db.session.scalars(select(SessionPerson))}
        moderator = next(participant.id for participant in erased if services.on_stage(participant))
        assert entries == {("speaker", None, "Алексеева Анна Петровна", "АО «Технопарк Сколково»"),
                           ("moderator", moderator, "", "")}


def test_a_speaker_erased_when_the_retention_period_passes_is_shown_by_role(app, client, event, stage):
    with action(app):
        services.anonymise_event(db.session.merge(event), "organizer")
    program = client.get(f"/events/{event.slug}/program").get_data(as_text=True)
    assert "Алексеева" not in program and "Борисова" not in program and "удалено" not in program
    assert "спикер" in program and "модератор" in program


def test_a_consent_text_changed_outside_the_form_after_someone_agreed_becomes_a_version_of_its_own(
        app, client, event, people):
    """A script that rewrites the text under its version cannot change what was agreed to: the new text is published
    as «2026-1.2», and the next registration agrees to that."""
    from conference.events.services import current_consent

    with action(app):
        live = db.session.merge(event)
        live.consent_text = "Переписанный скриптом текст"
        assert current_consent(live).version == "2026-1.2" and live.consent_version == "2026-1.2"
    with action(app):
        texts = dict(db.session.execute(select(ConsentText.version, ConsentText.text)).all())
        assert texts["2026-1"] == DEFAULT_CONSENT_TEXT and texts["2026-1.2"] == "Переписанный скриптом текст"
        assert person("Алексеева").consent_text.text == DEFAULT_CONSENT_TEXT


def test_an_erased_speaker_is_not_the_named_person_in_the_schedule_feed(app, client, event, stage):
    def speaker_ids() -> set[str]:
        feed = client.get(f"/events/{event.slug}/schedule.json").get_json()
        return {person["guid"] for day in feed["schedule"]["conference"]["days"] for room in day["rooms"].values()
                for talk in room for person in talk["persons"]}

    before = speaker_ids()
    client.post(f"{stage['Алексеева']}/erase")
    after = speaker_ids()
    assert len(before) == len(after) == 2 and len(before & after) == 1  # the moderator still named; she is not
