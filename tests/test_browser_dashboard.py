"""In a real browser: the organizer's dashboard refreshes its figures in place, and says so when the log-in has
ended rather than showing the log-in page inside it."""

import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from conference.badges import services as badges
from conference.extensions import db
from conference.registration.models import Participant

from .conftest import action, log_in_page

pytestmark = pytest.mark.browser


def test_the_dashboard_refreshes_its_figures_and_says_when_the_log_in_has_ended(
        live_server, page, app, event, make_user, client, form_data, checkin_client, artifacts):
    assert client.post(f"/events/{event.slug}/register", data=form_data()).status_code == 302
    with action(app):
        token = badges.current_badge(db.session.scalar(select(Participant))).token
    log_in_page(page, live_server.url, make_user("organizer", events=(event,)))
    page.goto(f"{live_server.url}/manage/events/{event.slug}")
    came = page.locator('[data-figure="attended"] .number')
    assert came.inner_text() == "—"  # nobody checked in yet

    assert checkin_client.post(f"/api/v1/events/{event.slug}/checkins", json={
        "token": token, "nonce": uuid.uuid4().hex}).status_code == 201
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # as when the tab comes back into view
    expect(came).to_have_text("1")
    assert page.locator('[data-figure="came-share"] .number').inner_text() == "100 %"
    page.screenshot(path=str(artifacts / "dashboard-refreshed.png"), full_page=True)

    page.context.clear_cookies()  # the log-in ends (another tab logged out, the session expired)
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    page.locator("#figures-logged-out").wait_for()
    assert "Войдите снова" in page.locator("#figures-logged-out").inner_text()
    assert came.inner_text() == "1" and page.locator("#dashboard-figures form").count() == 0  # no log-in page inside
