"""Events: several editions side by side, created and edited by organizers."""

from datetime import UTC, datetime

from sqlalchemy import select

from conference.events.models import Event
from conference.extensions import db


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
    with app.app_context():
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


def test_bad_event_input_is_refused_field_by_field(app, organizer_client, event):
    page = organizer_client.post("/manage/events/new", data=event_form(
        slug="Bad Slug!", ends_on="2019-11-01", capacity="0", registration_closes_at="2019-08-01T00:00",
        title="")).get_data(as_text=True)
    for field in ("slug", "ends_on", "capacity", "registration_closes_at", "title"):
        assert f'id="{field}-errors"' in page, field
    taken = organizer_client.post("/manage/events/new", data=event_form(slug=event.slug)).get_data(as_text=True)
    assert "Этот адрес уже занят другим мероприятием" in taken or 'id="slug-errors"' in taken
    with app.app_context():
        assert db.session.scalar(select(Event).where(Event.slug == "industrial-russia-2019")) is None


def test_dashboard_counts_by_status(organizer_client, client, event, form_data):
    client.post(f"/events/{event.slug}/register", data=form_data())
    page = organizer_client.get(f"/manage/events/{event.slug}").get_data(as_text=True)
    assert "Подтверждена" in page and "<span class=\"number\">1</span>" in page
    assert "открыта" in page and "без ограничения" in page
