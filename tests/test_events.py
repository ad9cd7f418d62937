"""Events: several editions side by side, created and edited by organizers."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from conference.events.models import Event
from conference.events.services import DEFAULT_CONSENT_TEXT_EN
from conference.extensions import db

from .conftest import action, mail_text, sent_mail


def event_form(**overrides) -> dict:
    data = {
        "slug": "industrial-russia-2019", "title": "Промышленная Россия 5.0", "title_en": "Industrial Russia 5.0",
        "description": "", "starts_on": "2019-11-22", "ends_on": "2019-11-23", "venue": "Экспоцентр",
        "city": "Москва", "timezone": "Europe/Moscow", "registration_opens_at": "2019-09-01T09:00",
        "registration_closes_at": "2019-11-20T18:00", "capacity": "700", "moderation": "y",
        "consent_text": "Согласие…", "consent_version": "2019-1",
    }
    data.update(overrides)
    return data


def test_organizer_creates_an_event_in_its_time_zone(app, organizer_client):
    form = organizer_client.get("/manage/events/new").get_data(as_text=True)
    assert "152-ФЗ" in form  # the default consent text is offered
    response = organizer_client.post("/manage/events/new", data=event_form())
    assert response.status_code == 302 and response.location == "/manage/events/industrial-russia-2019"
    with action(app):
        event = db.session.scalar(select(Event).where(Event.slug == "industrial-russia-2019"))
        assert event.registration_opens_at == datetime(2019, 9, 1, 6, 0, tzinfo=UTC)  # 09:00 in Moscow
        assert event.capacity == 700 and event.moderation
    edit = organizer_client.get("/manage/events/industrial-russia-2019/edit").get_data(as_text=True)
    assert 'value="2019-09-01T09:00"' in edit  # shown back in the event's zone


def test_two_events_side_by_side(organizer_client, client, event):
    organizer_client.post("/manage/events/new", data=event_form())
    page = client.get("/").get_data(as_text=True)
    assert event.title_en in page or event.title in page
    assert "Промышленная Россия 5.0" in page


def test_the_public_pages_offer_to_register_only_while_registration_is_open(client, make_event, form_data):
    """The events' list and an event's page say where its registration stands (the registration capability's
    answer, which the events' pages are given by it rather than import)."""
    opens = datetime.now(UTC) + timedelta(days=3)
    events = {"open": make_event(), "full": make_event(capacity=1), "not yet": make_event(registration_opens_at=opens),
              "closed": make_event(registration_closes_at=datetime.now(UTC) - timedelta(hours=1))}
    client.post(f"/events/{events['full'].slug}/register", data=form_data())
    listing = client.get("/").get_data(as_text=True)
    for state, event in events.items():
        offered = f'href="/events/{event.slug}/register"' in listing
        assert offered == (state == "open"), state
    notices = {"open": "Зарегистрироваться", "full": "Все места заняты", "not yet": "Регистрация откроется",
               "closed": "Регистрация закрыта"}
    for state, event in events.items():
        page = client.get(f"/events/{event.slug}").get_data(as_text=True)
        assert [notice for notice in notices.values() if notice in page] == [notices[state]], state


def test_bad_event_input_is_refused_field_by_field(app, organizer_client, event):
    page = organizer_client.post("/manage/events/new", data=event_form(
        slug="Bad Slug!", ends_on="2019-11-01", capacity="0", registration_closes_at="2019-08-01T00:00",
        title="")).get_data(as_text=True)
    for field in ("slug", "ends_on", "capacity", "registration_closes_at", "title"):
        assert f'id="{field}-errors"' in page, field
    taken = organizer_client.post("/manage/events/new", data=event_form(slug=event.slug)).get_data(as_text=True)
    assert "Этот адрес уже занят другим мероприятием" in taken or 'id="slug-errors"' in taken
    with action(app):
        assert db.session.scalar(select(Event).where(Event.slug == "industrial-russia-2019")) is None


def test_dashboard_counts_by_status(organizer_client, client, event, form_data):
    client.post(f"/events/{event.slug}/register", data=form_data())
    page = organizer_client.get(f"/manage/events/{event.slug}").get_data(as_text=True)
    assert "Подтверждена" in page and "<span class=\"number\">1</span>" in page
    assert "открыта" in page and "без ограничения" in page


def test_a_time_zone_put_right_keeps_the_program_at_its_times_of_day(app, organizer_client):
    """The event was created in Moscow time by mistake: in Yekaterinburg time its plenary still starts at 10:00,
    as its registration still opens at 09:00."""
    from conference.agenda import services as agenda
    from conference.agenda.models import AgendaSession, Room

    from .agenda_helpers import at

    organizer_client.post("/manage/events/new", data=event_form())
    with action(app):
        event = db.session.scalar(select(Event).where(Event.slug == "industrial-russia-2019"))
        room = agenda.save_room(event, Room(), {"name": "Большой зал", "capacity": 300})
        plenary = AgendaSession()
        agenda.save_session(event, plenary, agenda.SessionData(title="Пленарное", kind="plenary", room_id=room.id,
                                                               starts_at=at(event, 0, 10), ends_at=at(event, 0, 12)))
        plenary_id = plenary.id
    response = organizer_client.post("/manage/events/industrial-russia-2019/edit",
                                     data=event_form(timezone="Asia/Yekaterinburg"))
    assert response.status_code == 302
    with action(app):
        event = db.session.scalar(select(Event).where(Event.slug == "industrial-russia-2019"))
        plenary = db.session.get(AgendaSession, plenary_id)
        assert plenary.starts_at == datetime(2019, 11, 22, 5, 0, tzinfo=UTC)  # 10:00 in Yekaterinburg (UTC+5)
        assert plenary.ends_at == datetime(2019, 11, 22, 7, 0, tzinfo=UTC)
        assert event.registration_opens_at == datetime(2019, 9, 1, 4, 0, tzinfo=UTC)  # 09:00 there
    program = organizer_client.get("/events/industrial-russia-2019/program").get_data(as_text=True)
    assert "10:00–12:00" in program


def test_english_readers_get_the_events_english_texts(app, organizer_client, client, form_data):
    """Description, venue, city and consent text in English where the organizers gave them, a regional centre
    without one named from the reference data, the letter of a participant who registered in English likewise;
    Russian readers keep the Russian texts."""
    english_texts = {"description": "Ежегодная конференция.", "description_en": "The annual conference.",
                     "venue_en": "Expocentre", "consent_text_en": "I consent to…", "starts_on": "2027-11-22",
                     "ends_on": "2027-11-23", "registration_opens_at": "", "registration_closes_at": "",
                     "moderation": ""}
    organizer_client.post("/manage/events/new", data=event_form(**english_texts))
    event = "/events/industrial-russia-2019"
    russian = client.get(event).get_data(as_text=True)
    assert "Ежегодная конференция." in russian and "Москва · Экспоцентр" in russian and "Expocentre" not in russian
    assert "Согласие…" in client.get(f"{event}/consent").get_data(as_text=True)
    client.post(f"{event}/register", data=form_data(email="russian@example.org"))
    assert "Где: Москва, Экспоцентр" in mail_text(sent_mail(app)[-1])

    client.get("/lang/en")
    english = client.get(event).get_data(as_text=True)
    assert "The annual conference." in english and "Moscow · Expocentre" in english
    assert "Ежегодная" not in english and "Экспоцентр" not in english and "Москва" not in english
    consent = client.get(f"{event}/consent").get_data(as_text=True)
    assert "I consent to…" in consent and "Согласие…" not in consent
    client.post(f"{event}/register", data=form_data())
    assert "Where: Moscow, Expocentre" in mail_text(sent_mail(app)[-1])

    # A city that is no regional centre stays as it was written.
    organizer_client.post("/manage/events/industrial-russia-2019/edit", data=event_form(**english_texts,
                                                                                      city="Сколково"))
    assert "Сколково · Expocentre" in client.get(event).get_data(as_text=True)
    # The organizers' own English name for the city wins over the reference data's.
    organizer_client.post("/manage/events/industrial-russia-2019/edit",
                          data=event_form(**english_texts, city_en="Moscow, Russia"))
    assert "Moscow, Russia · Expocentre" in client.get(event).get_data(as_text=True)


def test_english_texts_need_their_russian_ones_and_fall_back_to_them(app, organizer_client, client, event):
    """A city or venue only in English would be missing from the Russian pages: refused. An event without an
    English consent text shows its Russian one to English readers; a changed Russian consent text with the
    English default left beside it is pointed out."""
    refused = organizer_client.post(f"/manage/events/{event.slug}/edit", data=event_form(
        slug=event.slug, city="", city_en="Moscow", venue="", venue_en="Expocentre")).get_data(as_text=True)
    assert 'id="city_en-errors"' in refused and 'id="venue_en-errors"' in refused
    assert "Укажите город и по-русски" in refused

    client.get("/lang/en")
    consent = client.get(f"/events/{event.slug}/consent").get_data(as_text=True)
    assert "152-ФЗ" in consent  # no English text given: the Russian one, which is in force

    offered = organizer_client.get("/manage/events/new").get_data(as_text=True)
    assert "Federal Law No. 152-FZ" in offered  # the English default beside the Russian one
    changed = organizer_client.post(f"/manage/events/{event.slug}/edit", data=event_form(
        slug=event.slug, consent_text="Новый текст согласия.", consent_text_en=DEFAULT_CONSENT_TEXT_EN),
        follow_redirects=True).get_data(as_text=True)
    assert "Текст согласия на английском остался прежним" in changed


def test_every_page_has_an_icon(client):
    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/").get_data(as_text=True)
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data


def test_hints_keep_their_placeholders_in_both_languages(event, organizer_client):
    edit = f"/manage/events/{event.slug}/edit"
    assert "Часть веб-адреса: /events/&lt;адрес&gt;" in organizer_client.get(edit).get_data(as_text=True)
    devices = f"/manage/events/{event.slug}/checkin/devices"
    organizer_client.post(devices, data={"name": "Вход, телефон 1"})
    assert "Authorization: Bearer ‹ключ›" in organizer_client.get(devices).get_data(as_text=True)
    organizer_client.get("/lang/en")
    assert "Part of the web address: /events/&lt;slug&gt;" in organizer_client.get(edit).get_data(as_text=True)
    organizer_client.post(devices, data={"name": "Entrance, phone 2"})
    assert "Authorization: Bearer ‹device key›" in organizer_client.get(devices).get_data(as_text=True)


def test_time_zones_are_named_as_people_in_russia_name_them(event, organizer_client):
    form = organizer_client.get(f"/manage/events/{event.slug}/edit").get_data(as_text=True)
    assert '<option selected value="Europe/Moscow">Москва (МСК)</option>' in form
    assert '<option value="Asia/Sakhalin">Сахалин (МСК+8)</option>' in form
    assert "Москва (МСК)" in organizer_client.get(f"/manage/events/{event.slug}").get_data(as_text=True)
