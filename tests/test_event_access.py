"""Access per event: the role × route × event matrix. Organizers and check-in staff of event A, and a device of
event A, are refused at event B on every staff page and every staff API call (404, as if B did not exist; check-in
staff get the 403 of their role first where the page is not theirs at all); admins pass everywhere. The routes are
read from the app's URL map, so a new page or API call is covered without touching this file."""

import re

import pytest

from conference.accounts.models import User
from conference.accounts.services import add_member
from conference.checkin import services as checkin
from conference.extensions import db

from .conftest import action, log_in
from .test_access import participant_id  # noqa: F401  (the fixture: real rows of the event, for the URLs' ids)

EVENT_PAGES = "/manage/events/<slug>"
EVENT_API = "/api/v1/events/<slug>/"
DESTRUCTIVE = ("/delete", "/remove", "/revoke", "/anonymise")
PUBLIC_API = {"agenda.program_api"}  # the public program: anybody reads it, whoever works on the event


def event_routes(app, slug: str, ids: dict) -> list[tuple[str, str, str]]:
    """(method, url, endpoint) of every staff route of one event, pages and API, its ids filled in from `ids` (a
    check-in's id, unknown: the refusal comes before any row is looked up)."""
    samples = {"slug": slug, "fmt": "csv", "device_id": 1, "check_in_id": 1, "key": "confirmed", "language": "ru",
               **ids}
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith((EVENT_PAGES, EVENT_API)) or rule.endpoint in PUBLIC_API:
            continue
        url = rule.rule
        for argument in rule.arguments:  # <name>, <int:name>, <any(…):name>
            url = re.sub(rf"<(?:[^<>]*:)?{argument}>", str(samples[argument]), url)
        routes.extend((method, url, rule.endpoint) for method in sorted(rule.methods - {"HEAD", "OPTIONS"}))
    return routes


@pytest.fixture
def events(app, make_event, event, participant_id):  # noqa: F811
    """Event A, where the staff work, and event B (the `event` fixture, with a participant, a room, a session, a
    recommendation, a letter, a batch of badges and a device), where they do not."""
    with action(app):
        device, _token = checkin.add_device(db.session.merge(event), "Вход B", None)
        add_member(event.id, db.session.get(User, participant_id["user_id"]))  # a team member to remove
    return make_event(), event, dict(participant_id, device_id=device.id)


def client_of(app, make_user, role: str, *events):
    client = app.test_client()
    log_in(client, make_user(role, events=events))
    return client


def refused(response, api: bool) -> bool:
    """The refusal for an event the caller does not work on: exactly what an address without an event gets."""
    if api:
        return response.status_code == 404 and response.get_json()["result"] == "unknown_event"
    return response.status_code == 404


def test_the_matrix_covers_pages_and_api(app, events):
    _a, b, ids = events
    endpoints = {endpoint for _method, _url, endpoint in event_routes(app, b.slug, ids)}
    assert {"reports.dashboard", "team.team", "participants.detail", "checkin_scanner.scanner",
            "checkin_api.api_check_in", "checkin_api.api_undo", "checkin_api.api_checkpoints"} <= endpoints
    assert len(endpoints) >= 40


def test_public_api_calls_stay_public(app, client, events):
    _a, b, _ids = events
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_API:
            assert client.get(rule.rule.replace("<slug>", b.slug)).status_code == 200


@pytest.mark.parametrize("role", ["organizer", "checkin"])
def test_staff_of_one_event_are_refused_at_another(app, make_user, events, role):
    a, b, ids = events
    client = client_of(app, make_user, role, a)
    title = b.title
    for method, url, _endpoint in event_routes(app, b.slug, ids):
        response = client.open(url, method=method, json={} if url.startswith("/api/") else None)
        api = url.startswith("/api/")
        if role == "checkin" and response.status_code == 403 and not api:
            continue  # an organizers' page: refused for the role, before the event is looked at
        assert refused(response, api), (role, method, url, response.status_code)
        assert title not in response.get_data(as_text=True), (method, url)
    # The same account works at its own event (the refusal above is about B, not about the account).
    own = f"/manage/events/{a.slug}" + ("" if role == "organizer" else "/checkin/")
    assert client.get(own).status_code == 200
    assert client.get(f"/api/v1/events/{a.slug}/checkpoints").status_code == 200
    # And at B it is exactly as if B did not exist.
    assert client.get(f"/api/v1/events/{b.slug}/checkpoints").get_json() == \
        client.get("/api/v1/events/no-such-event/checkpoints").get_json()


def test_admins_pass_everywhere_without_being_members(app, make_user, events):
    _a, b, ids = events
    client = client_of(app, make_user, "admin")
    # What removes a row goes last, so that every other route still finds the rows it names.
    routes = sorted(event_routes(app, b.slug, ids), key=lambda route: route[1].endswith(DESTRUCTIVE))
    for method, url, _endpoint in routes:
        api = url.startswith("/api/")
        response = client.open(url, method=method, json={} if api else None)
        assert response.status_code != 403, (method, url)
        if api:
            assert response.get_json().get("result") != "unknown_event", (method, url)
        elif method == "GET":
            assert response.status_code == 200, (method, url, response.status_code)
        else:  # a form posted empty: re-shown, refused as input, or done; never "no such event"
            assert response.status_code != 404, (method, url)


def test_a_device_works_at_its_own_event_alone(app, client, events):
    a, b, ids = events
    with action(app):
        _device, token = checkin.add_device(db.session.merge(a), "Вход", None)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/events/{a.slug}/checkpoints", headers=headers).status_code == 200
    api_routes = [route for route in event_routes(app, b.slug, ids) if route[1].startswith("/api/")]
    assert api_routes
    for method, url, _endpoint in api_routes:
        response = client.open(url, method=method, json={}, headers=headers)
        assert refused(response, api=True), (method, url, response.status_code)
    # Pages never take a device's token: at B as anywhere, it is an anonymous visitor sent to log in.
    assert client.get(f"/manage/events/{b.slug}", headers=headers).status_code == 302


def test_the_shared_lists_name_only_the_callers_own_events(app, make_user, events):
    """The addressees and national projects are shared by every event; their way back to an event (?event=slug)
    names one the organizer works on, never another."""
    a, b, _ids = events
    client = client_of(app, make_user, "organizer", a)
    for lists in ("/manage/recommendations/bodies/", "/manage/recommendations/projects/"):
        assert a.title in client.get(lists, query_string={"event": a.slug}).get_data(as_text=True)
        assert b.title not in client.get(lists, query_string={"event": b.slug}).get_data(as_text=True)
