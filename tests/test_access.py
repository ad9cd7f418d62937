"""Who may open what: every staff page is checked for anonymous visitors, check-in staff and organizers."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest

from conference.accounts.services import add_member, create_user
from conference.agenda import services
from conference.agenda.models import AgendaSession, Room
from conference.badges import services as badges
from conference.checkin.models import ENTRANCE, CheckIn
from conference.communications.models import Mailing
from conference.downloads.services import make_now
from conference.extensions import db
from conference.mail.models import Letter
from conference.registration.models import Participant
from conference.resolutions.models import Recommendation
from conference.resolutions.services import RecommendationData, bodies, load_defaults, projects, save_recommendation

from .conftest import action


def staff_urls(app, event, ids) -> list[tuple[str, str]]:
    """Every /manage route of the app, filled with real arguments: a new staff page is covered automatically."""
    samples = {"slug": event.slug, "kind": "subjects", "row_id": 1, "fmt": "csv", "device_id": 1, "key": "confirmed",
               "language": "ru", **ids}
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/manage"):
            continue
        url = rule.rule
        for argument in rule.arguments:  # <name>, <int:name>, <any(…):name>
            url = re.sub(rf"<(?:[^<>]*:)?{argument}>", str(samples[argument]), url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((method, url))
    return urls


@pytest.fixture
def participant_id(app, client, event, form_data):
    """The ids a staff URL may need: a participant, a room, a session and a recommendation of the event, and a
    check-in staff member's account."""
    client.post(f"/events/{event.slug}/register", data=form_data())
    with action(app):
        room = services.save_room(event, Room(), {"name": "Большой зал", "capacity": 100})
        session = AgendaSession()
        starts = datetime.combine(event.starts_on, time(10), tzinfo=UTC)
        services.save_session(event, session, services.SessionData(
            title="Пленарное заседание", kind="plenary", room_id=room.id, starts_at=starts,
            ends_at=starts + timedelta(hours=2)))
        load_defaults()
        body, project = bodies()[0], projects()[0]
        recommendation = save_recommendation(event, Recommendation(), RecommendationData(
            text="Рекомендовать…", body_ids=[body.id], session_ids=[session.id], project_ids=[project.id]))
        volunteer = create_user("door@example.org", "door-pass-1", "checkin")
        add_member(event.id, volunteer)  # an account the event's organizers may edit (it works on their event alone)
        participant = db.session.scalars(db.select(Participant)).one()
        batch = badges.new_batch(event, [participant], badges.A6, None)
        make_now(batch)
        mailing = Mailing(event_id=event.id, subject="Напоминание", body="Ждём вас, {name}!", filters={})
        db.session.add(mailing)
        db.session.add(CheckIn(event_id=event.id, participant_id=participant.id, checkpoint=ENTRANCE,
                               checked_in_at=starts))  # who came has a certificate
        db.session.commit()
        return {"participant_id": participant.id, "room_id": room.id, "download_id": batch.id,
                "letter_id": db.session.scalars(db.select(Letter.id)).first(), "user_id": volunteer.id,
                "session_id": session.id, "mailing_id": mailing.id, "recommendation_id": recommendation.id,
                "check_in_id": 999_999,  # (no check-in of the API's to undo: the arrival above stays)
                "addressee_id": recommendation.addressees[0].id, "body_id": body.id, "project_id": project.id}


def test_the_matrix_covers_the_staff_pages(app, event, participant_id):
    urls = {url for _, url in staff_urls(app, event, participant_id)}
    assert f"/manage/events/{event.slug}/participants/" in urls
    assert "/manage/directories/subjects/" in urls
    assert len(urls) >= 12


def test_anonymous_visitors_are_sent_to_log_in(app, client, event, participant_id):
    for method, url in staff_urls(app, event, participant_id):
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert response.location.startswith("/login"), (method, url)


def scanner_pages(event) -> list[str]:
    """The one staff page that check-in staff may open, with its service worker and manifest (for scanning offline)."""
    page = f"/manage/events/{event.slug}/checkin/"
    return [page, f"{page}worker.js", f"{page}manifest.webmanifest"]


def test_checkin_staff_get_a_friendly_403(app, checkin_client, event, participant_id):
    for page in scanner_pages(event):
        assert checkin_client.get(page).status_code == 200, page
    for method, url in staff_urls(app, event, participant_id):
        if url in scanner_pages(event):
            continue
        response = checkin_client.open(url, method=method)
        assert response.status_code == 403, (method, url)
        assert "Доступ запрещён" in response.get_data(as_text=True)


# Pages for administrators alone (the whole installation's): organizers get a 403 there.
ADMIN_ONLY = ("/manage/access-log/",)


def test_organizers_open_every_staff_page(app, organizer_client, event, participant_id):
    for method, url in staff_urls(app, event, participant_id):
        if method != "GET":
            continue
        response = organizer_client.get(url)
        assert response.status_code == (403 if url in ADMIN_ONLY else 200), (url, response.status_code)


def test_admins_are_organizers_too(app, make_user, event, participant_id):
    from .conftest import log_in

    client = app.test_client()
    log_in(client, make_user("admin"))
    assert client.get(f"/manage/events/{event.slug}/participants/").status_code == 200
    for url in ADMIN_ONLY:
        assert client.get(url).status_code == 200, url


def test_log_in_sends_back_to_the_page_asked_for_but_never_off_site(app, make_user, event):
    from .conftest import PASSWORD

    email = make_user("organizer")
    client = app.test_client()
    target = f"/manage/events/{event.slug}/participants/"
    response = client.post(f"/login?next={target}", data={"email": email, "password": PASSWORD})
    assert response.location == target
    client.post("/logout")
    response = client.post("/login?next=https://evil.example/", data={"email": email, "password": PASSWORD})
    assert response.location == "/manage/"
