"""schedule.json for schedule apps, read as they read it: against c3voc's JSON schema (tests/schemas/), with its
days, rooms, times and people; and the public JSON and calendars answered 304 to a client that holds them."""

import json
import re
import uuid
from datetime import datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import icalendar
import pytest
from jsonschema import Draft6Validator, FormatChecker
from sqlalchemy import select

from conference.agenda import services
from conference.agenda.models import AgendaSession
from conference.demo import DEMO_SLUG, create_demo
from conference.extensions import db

from .agenda_helpers import at, make_room, make_session, registered
from .conftest import action

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "c3voc-schedule.schema.json").read_text())
HH_MM = re.compile(r"^[0-9]{2}:[0-9]{2}$")


def schema_errors(document: dict) -> list[str]:
    """What c3voc's schema finds wrong, formats (uuid, date, date-time) included. One format it asks is not what
    frab, pretalx and the schema's own pretalx example publish, nor what schedule apps read: an event's "start" is
    "HH:MM" (its date and offset are in "date"), so that one is checked here instead."""
    errors = []
    for error in Draft6Validator(SCHEMA, format_checker=FormatChecker()).iter_errors(document):
        if error.validator == "format" and error.path and error.path[-1] == "start" and "rooms" in error.path:
            assert HH_MM.match(error.instance), error.instance
            continue
        errors.append(f"{'/'.join(map(str, error.path))}: {error.message}")
    return errors


def events_of(document: dict) -> list[dict]:
    return [entry for day in document["schedule"]["conference"]["days"]
            for entries in day["rooms"].values() for entry in entries]


@pytest.fixture
def own_instance(app, tmp_path):
    app.instance_path = str(tmp_path / "instance")  # this test's cache of versions, no other's


def test_the_demo_program_validates_in_both_languages(app, client, own_instance):
    with app.test_request_context():
        create_demo()
        db.session.commit()
        public = db.session.scalars(select(AgendaSession).where(AgendaSession.is_public)).all()
        titles_en = {session.id: session.title_en for session in public}
    for language in ("ru", "en"):
        response = client.get(f"/events/{DEMO_SLUG}/schedule.json?lang={language}")
        assert response.status_code == 200 and response.mimetype == "application/json"
        document = response.get_json()
        assert schema_errors(document) == []
        conference = document["schedule"]["conference"]
        assert conference["title"] == {"ru": "Промышленная Россия 4.0", "en": "Industrial Russia 4.0"}[language]
        assert (conference["start"], conference["end"], conference["daysCount"]) == ("2018-11-23", "2018-11-23", 1)
        assert conference["acronym"] == "industrial_russia_2018" and conference["time_zone_name"] == "Europe/Moscow"
        entries = events_of(document)
        assert sorted(entry["id"] for entry in entries) == sorted(titles_en)
        for entry in entries:
            assert entry["date"].startswith("2018-11-23T") and entry["date"].endswith("+03:00")
            assert entry["date"][11:16] == entry["start"]
            assert entry["language"] == ("en" if language == "en" and titles_en[entry["id"]] else "ru")
            if entry["language"] == "en":
                assert entry["title"] == titles_en[entry["id"]]
        assert len({entry["guid"] for entry in entries}) == len(entries)


def test_days_rooms_and_the_same_people_across_sessions(app, client, event, form_data, own_instance):
    """A two-day event: a speaker (a participant) and a guest (named on the form) in a session each day, an off-site
    venue, a session an organizer put after the last day, an internal one that stays out."""
    with app.test_request_context():
        live = db.session.merge(event)
        speaker = registered(live, lambda **kw: client.post(f"/events/{event.slug}/register", data=form_data(**kw)),
                             "speaker@example.org", last_name="Кузнецов")
        hall = make_room(live, "Большой зал", 300)
        plant = make_room(live, "Завод «Северсталь»", 40, address="Череповец, ул. Мира, 30")
        guest = [services.ExternalSpeaker("Орлова  Наталья", "Эксперт", "АРКТ", "", "")]
        first = make_session(live, hall, at(live, 0, 10), at(live, 0, 11, 30), title="Пленарное заседание",
                             kind="plenary", speaker_ids=[speaker.id], moderator_ids=[speaker.id],
                             external_speakers=guest)
        second = make_session(live, plant, at(live, 1, 9), at(live, 1, 17), title="Выездное заседание",
                              kind="expert_council", speaker_ids=[speaker.id],
                              external_speakers=[services.ExternalSpeaker("Орлова Наталья", "", "", "", "")])
        late = make_session(live, hall, at(live, 2, 12), at(live, 2, 13), title="Итоги", kind="round_table")
        make_session(live, hall, at(live, 0, 12), at(live, 0, 13), title="Штаб", is_public=False)
    document = client.get(f"/events/{event.slug}/schedule.json").get_json()
    assert schema_errors(document) == []
    conference = document["schedule"]["conference"]
    days = conference["days"]
    assert [day["date"] for day in days] == [(event.starts_on + timedelta(days=n)).isoformat() for n in range(3)]
    assert conference["daysCount"] == 3 and conference["end"] == days[-1]["date"]
    assert days[0]["day_start"] == f"{days[0]['date']}T00:00:00+03:00" and days[0]["day_end"] == days[1]["day_start"]
    assert [list(day["rooms"]) for day in days] == [["Большой зал"], ["Завод «Северсталь»"], ["Большой зал"]]
    by_id = {entry["id"]: entry for entry in events_of(document)}
    assert set(by_id) == {first, second, late}
    assert (by_id[first]["start"], by_id[first]["duration"], by_id[second]["duration"]) == ("10:00", "01:30", "08:00")
    assert by_id[first]["url"].endswith(f"/events/{event.slug}/program#session-{first}")
    # The speaker who also moderates is one person of the first session; the speaker and the guest are the same
    # people in both sessions (the guest known by her name, however its spaces were typed).
    (speaker_1, guest_1), (speaker_2, guest_2) = (by_id[key]["persons"] for key in (first, second))
    assert speaker_1 == speaker_2 and speaker_1["public_name"] == "Кузнецов Анна Петровна"
    assert (guest_1["id"], guest_1["guid"]) == (guest_2["id"], guest_2["guid"]) != (speaker_1["id"], speaker_1["guid"])
    assert uuid.UUID(guest_1["guid"]).version == 5
    # A participant's guid is keyed with the site's secret: not one anybody can compute from row numbers 1, 2, …
    with app.test_request_context():
        from conference.agenda.schedule import _namespace
        guessed = {str(uuid.uuid5(_namespace(), f"person/participant/{number}")) for number in range(1, 1000)}
    assert speaker_1["guid"] not in guessed
    rooms = {room["name"]: room for room in conference["rooms"]}
    assert rooms["Завод «Северсталь»"]["description"] == "Череповец, ул. Мира, 30"

    # Ids stay as they were from one download to the next, and a session's guid does not move with its time.
    with action(app):
        session = db.session.get(AgendaSession, second)
        session.starts_at += timedelta(hours=1)
    again = {entry["id"]: entry for entry in events_of(client.get(f"/events/{event.slug}/schedule.json").get_json())}
    assert again[second]["guid"] == by_id[second]["guid"] and again[second]["start"] == "10:00"
    assert again[first]["persons"] == by_id[first]["persons"]


def test_the_program_page_links_its_schedule_json(client, event):
    page = client.get(f"/events/{event.slug}/program").get_data(as_text=True)
    assert f'href="/events/{event.slug}/schedule.json?lang=ru"' in page


# ---- answered 304 to a client that holds the version ------------------------------------------------------

def conditional_urls(app, event) -> list[str]:
    with app.test_request_context():
        live = db.session.merge(event)
        room = make_room(live)
        session = make_session(live, room, at(live, 0, 10), at(live, 0, 11), title="Пленарное заседание")
    return [f"/events/{event.slug}/schedule.json", f"/events/{event.slug}/program.ics",
            f"/events/{event.slug}/sessions/{session}.ics"]


def test_public_json_and_calendars_answer_304_until_they_change(app, client, event, own_instance):
    urls = conditional_urls(app, event)
    first = {url: client.get(url) for url in urls}
    for url, response in first.items():
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-cache", url
        etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
        assert client.get(url).headers["ETag"] == etag, url  # the same version, the same tag
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304, url
        assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304, url
        assert client.get(url, headers={"If-None-Match": '"another"', "If-Modified-Since": modified}) \
            .status_code == 200, url  # If-None-Match decides when both are sent (RFC 9110)
        earlier = format_datetime(parsedate_to_datetime(modified) - timedelta(seconds=1), usegmt=True)
        assert client.get(url, headers={"If-Modified-Since": earlier}).status_code == 200, url

    with action(app):
        db.session.scalars(select(AgendaSession)).one().title = "Пленарное заседание (перенесено)"
    for url, response in first.items():
        again = client.get(url, headers={"If-None-Match": response.headers["ETag"],
                                         "If-Modified-Since": response.headers["Last-Modified"]})
        assert again.status_code == 200 and "перенесено" in again.get_data(as_text=True), url
        assert parsedate_to_datetime(again.headers["Last-Modified"]) > \
            parsedate_to_datetime(response.headers["Last-Modified"]), url
        # Without an ETag, the time alone: the old version's time no longer stands for the new one.
        assert client.get(url, headers={"If-Modified-Since": response.headers["Last-Modified"]}).status_code == 200


def test_a_calendars_stamp_is_when_it_last_changed(app, client, event, own_instance):
    for url in conditional_urls(app, event)[1:]:
        response = client.get(url)
        calendar = icalendar.Calendar.from_ical(response.data)
        stamps = {entry.decoded("dtstamp") for entry in calendar.walk("VEVENT")}
        assert stamps == {parsedate_to_datetime(response.headers["Last-Modified"])}, url


def test_any_site_may_read_the_schedule_without_credentials(app, client, event, own_instance):
    url = conditional_urls(app, event)[0]
    response = client.get(url, headers={"Origin": "https://schedule.example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    # A browser's fetch that sends If-None-Match asks first (a preflight); so is the 304 readable.
    preflight = client.options(url, headers={"Origin": "https://schedule.example.org",
                                             "Access-Control-Request-Method": "GET",
                                             "Access-Control-Request-Headers": "if-none-match"})
    assert preflight.status_code == 204 and preflight.headers["Access-Control-Allow-Methods"] == "GET"
    assert "if-none-match" in preflight.headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    unchanged = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.headers["Access-Control-Allow-Origin"] == "*"
    assert client.post(url).status_code == 405


def test_an_unknown_event_has_no_schedule(client):
    assert client.get("/events/no-such-event/schedule.json").status_code == 404


def test_times_across_a_change_of_offset_keep_their_own(app, client, make_event, own_instance):
    """A zone that changed its offset (Moscow: +04:00 until 26 October 2014) gives each time its own offset."""
    event = make_event(starts_on=datetime(2014, 10, 25).date(), ends_on=datetime(2014, 10, 26).date())
    with app.test_request_context():
        live = db.session.merge(event)
        room = make_room(live)
        make_session(live, room, at(live, 0, 10), at(live, 0, 11))
        make_session(live, room, at(live, 1, 10), at(live, 1, 11))
    document = client.get(f"/events/{event.slug}/schedule.json").get_json()
    assert schema_errors(document) == []
    assert [entry["date"] for entry in events_of(document)] == ["2014-10-25T10:00:00+04:00",
                                                                 "2014-10-26T10:00:00+03:00"]
