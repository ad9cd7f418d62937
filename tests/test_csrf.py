"""CSRF is really enforced when it is on (the other tests switch it off for brevity)."""

import re

import pytest
from sqlalchemy import func, select

from conference.extensions import db
from conference.registration.models import Participant

from .conftest import PASSWORD, action


@pytest.fixture
def app_config(app_config):
    return dict(app_config, WTF_CSRF_ENABLED=True)


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_registration_without_a_token_is_refused_and_saves_nothing(app, client, event, form_data):
    response = client.post(f"/events/{event.slug}/register", data=form_data())
    assert response.status_code == 400
    assert "без действительного ключа безопасности" in response.get_data(as_text=True)
    with action(app):
        assert db.session.scalar(select(func.count()).select_from(Participant)) == 0


def test_registration_with_the_page_token_succeeds(app, client, event, form_data):
    token = csrf_token(client.get(f"/events/{event.slug}/register").get_data(as_text=True))
    response = client.post(f"/events/{event.slug}/register", data=form_data(csrf_token=token))
    assert response.status_code == 302


def test_log_in_and_staff_actions_need_the_token(app, client, make_user, event):
    email = make_user("organizer")
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 400
    token = csrf_token(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token}).status_code == 302
    bulk = client.post(f"/manage/events/{event.slug}/participants/bulk", data={"action": "approve", "ids": "1"})
    assert bulk.status_code == 400
    assert client.post("/logout").status_code == 400


def test_the_check_in_api_needs_the_csrf_header_with_a_staff_session_but_not_with_a_device_token(
        app, client, make_user, event):
    from conference.checkin.services import add_device
    from conference.events.services import get_event

    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": make_user("checkin", events=(event,)), "password": PASSWORD,
                                "csrf_token": token})
    url = f"/api/v1/events/{event.slug}/checkins"
    refused = client.post(url, json={"token": "1" * 40, "nonce": "n1"})
    assert refused.status_code == 400 and refused.get_json()["result"] == "csrf_failed"
    passed = client.post(url, json={"token": "1" * 40, "nonce": "n2"}, headers={"X-CSRFToken": token})
    assert passed.status_code == 404 and passed.get_json()["result"] == "unknown_badge"

    with action(app):
        _device, device_token = add_device(get_event(event.slug), "Вход", None)
    device = app.test_client().post(url, json={"token": "1" * 40, "nonce": "n3"},
                                    headers={"Authorization": f"Bearer {device_token}"})
    assert device.status_code == 404


def test_team_forms_need_the_csrf_token(app, make_user, event):
    client = app.test_client()
    token_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', token_page).group(1)
    client.post("/login", data={"email": make_user("organizer", events=(event,)), "password": PASSWORD,
                                "csrf_token": token})
    volunteer = make_user("checkin")
    assert client.post(f"/manage/events/{event.slug}/team/add", data={"email": volunteer}).status_code == 400
    assert client.post(f"/manage/events/{event.slug}/team/invite", data={"email": "x@example.org", "role": "checkin"}) \
        .status_code == 400
    assert volunteer not in team_of(app, event)
    page = client.get(f"/manage/events/{event.slug}/team").get_data(as_text=True)
    assert page.count('name="csrf_token"') >= 2
    added = client.post(f"/manage/events/{event.slug}/team/add", data={"email": volunteer, "csrf_token": token})
    assert added.status_code == 302
    assert volunteer in team_of(app, event)


def team_of(app, event) -> set[str]:
    from conference.accounts.services import members_of

    with app.app_context():
        return {user.email for user in members_of(event.id)}


def test_the_press_release_forms_need_the_csrf_token(app, make_user, event):
    from conference.reports.models import PressRelease

    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": make_user("organizer", events=(event,)), "password": PASSWORD,
                                "csrf_token": token})
    page = f"/manage/events/{event.slug}/press-release/ru"
    assert client.post(page, data={"text": "Итоги", "version": ""}).status_code == 400
    assert client.post(f"{page}/redraft").status_code == 400
    with action(app):
        assert db.session.scalar(select(func.count()).select_from(PressRelease)) == 0
    # Each page's form carries its token, and is accepted with it.
    form = client.get(page).get_data(as_text=True).split('<form method="post" novalidate class="form press-release"')[1]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)[1]
    assert client.post(page, data={"text": "Итоги", "version": "", "csrf_token": token}).status_code == 302
    form = client.get(f"{page}/redraft").get_data(as_text=True).split('<section class="narrow">')[1]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)[1]
    assert client.post(f"{page}/redraft", data={"csrf_token": token}).status_code == 302
