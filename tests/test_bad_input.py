"""Input that a fuzzer sent and that gave a server error: each is now a 400, 413 or 422 with a message, and nothing
already saved is touched (issue 16)."""

import pytest
from icalendar import Calendar

from conference.extensions import db

from .agenda_helpers import at, make_room, make_session
from .conftest import action
from .test_checkin import checked, nonce, people  # noqa: F401  (people: the fixture)


def test_a_nul_in_the_scanners_search_finds_nothing_rather_than_failing(event, checkin_client, people):  # noqa: F811
    page = checkin_client.get(f"/manage/events/{event.slug}/checkin/?q=%00abc")
    assert page.status_code == 200
    assert checkin_client.get(f"/manage/events/{event.slug}/checkin/?q=Ива%00нов").status_code == 200


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_scan_time_at_the_edge_of_the_calendar_is_a_field_error(event, checkin_client, people, moment):  # noqa: F811
    answer = checkin_client.post(f"/api/v1/events/{event.slug}/checkins",
                                 json={"token": people["Иванов"], "nonce": nonce(), "scanned_at": moment})
    assert answer.status_code == 422
    assert answer.get_json()["result"] == "invalid_request" and "scanned_at" in answer.get_json()["errors"]


def test_a_deeply_nested_body_is_a_bad_request(event, checkin_client):
    answer = checkin_client.post(f"/api/v1/events/{event.slug}/checkins", data="[" * 50_000,
                                 content_type="application/json")
    assert answer.status_code in (400, 422)
    assert answer.get_json()["result"] in ("bad_request", "invalid_request")


def test_a_body_over_the_limit_is_refused_before_it_is_read(event, checkin_client):
    answer = checkin_client.post(f"/api/v1/events/{event.slug}/checkins", data=b"[" + b" " * (65 * 1024) + b"]",
                                 content_type="application/json")
    assert checked(answer)["result"] == "too_large"  # as the API's description says
    assert answer.status_code == 413


def test_a_session_id_no_column_can_hold_is_a_field_error(app, event, organizer_client):
    answer = organizer_client.post(f"/manage/events/{event.slug}/recommendations/new", data={
        "text": "Рекомендовать Минпромторгу России расширить программы поддержки.", "status": "draft",
        "session_ids": "99999999999999999999999"})
    assert answer.status_code == 200  # the form again, with the field's error
    assert "одной из выбранных в его программе нет" in answer.get_data(as_text=True)


def test_line_breaks_in_a_title_stay_out_of_the_calendar(app, event, client):
    with action(app):
        hall = make_room(event)
        session_id = make_session(event, hall, at(event, 0, 10), at(event, 0, 11), title="Первая строка\r\nВторая")
    answer = client.get(f"/events/{event.slug}/sessions/{session_id}.ics")
    assert answer.status_code == 200
    entry = Calendar.from_ical(answer.data).walk("VEVENT")[0]
    assert str(entry["SUMMARY"]) == "Первая строка Вторая"
    with action(app):
        assert "\r\n" in db.session.scalar(db.text("SELECT title FROM agenda_session"))  # kept as typed


def test_a_form_over_the_limit_gets_a_page_that_says_so(event, client, form_data):
    answer = client.post(f"/events/{event.slug}/register", data=form_data(position="x" * (1024 * 1024 + 1)))
    assert answer.status_code == 413
    assert "Отправленная форма больше, чем принимает эта страница" in answer.get_data(as_text=True)



def test_a_wrong_method_says_which_are_allowed(event, client):
    api = client.get(f"/api/v1/events/{event.slug}/checkins")
    assert api.status_code == 405 and "POST" in api.headers["Allow"]
    assert api.get_json()["result"] == "method_not_allowed"
    page = client.post(f"/events/{event.slug}")
    assert page.status_code == 405 and "GET" in page.headers["Allow"]


def test_an_unauthenticated_call_says_how_to_authenticate(event, client):
    answer = client.post(f"/api/v1/events/{event.slug}/checkins", json={"token": "1", "nonce": nonce()})
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_checkpoints_of_no_event_are_a_documented_404(checkin_client):
    answer = checkin_client.get("/api/v1/events/0/checkpoints")
    assert answer.status_code == 404
    assert checked(answer, "/events/{slug}/checkpoints", "get")["result"] == "unknown_event"
