"""CSRF is really enforced when it is on (the other tests switch it off for brevity)."""

import re

import pytest
from sqlalchemy import func, select

from conference.extensions import db
from conference.registration.models import Participant

from .conftest import PASSWORD


@pytest.fixture
def app_config(app_config):
    return dict(app_config, WTF_CSRF_ENABLED=True)


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_registration_without_a_token_is_refused_and_saves_nothing(app, client, event, form_data):
    response = client.post(f"/events/{event.slug}/register", data=form_data())
    assert response.status_code == 400
    assert "без действительного ключа безопасности" in response.get_data(as_text=True)
    with app.app_context():
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
