"""Staff log-in sessions end on the server: logging out ends every copy of the cookie, and a session left alone
for PERMANENT_SESSION_LIFETIME is refused; the instance folder and the SQLite file are for our user alone."""

import os
import stat
import time
from datetime import timedelta

from sqlalchemy import text

from conference import create_app
from conference.extensions import db

from .conftest import action, log_in

STAFF_PAGE = "/manage/"


def test_logging_out_ends_a_copied_session_cookie(app, make_user):
    email = make_user("organizer")
    browser, thief = app.test_client(), app.test_client()
    log_in(browser, email)
    copied = browser.get_cookie("session")
    thief.set_cookie("session", copied.value)
    assert thief.get(STAFF_PAGE).status_code == 200  # the copy works while the session is open
    assert browser.post("/logout").status_code == 302
    assert thief.get(STAFF_PAGE).status_code == 302  # to the log-in page: the copy ended with it
    log_in(browser, email)  # logging in again opens a new session
    assert browser.get(STAFF_PAGE).status_code == 200


def test_a_session_left_alone_ends(app, app_config, make_user):
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=12)  # the default; shortened here
    quick = create_app(dict(app_config, PERMANENT_SESSION_LIFETIME=timedelta(seconds=2)))
    client = quick.test_client()
    log_in(client, make_user("organizer"))
    assert client.get(STAFF_PAGE).status_code == 200
    time.sleep(1.2)
    assert client.get(STAFF_PAGE).status_code == 200  # a request renews it
    time.sleep(1.2)
    assert client.get(STAFF_PAGE).status_code == 200
    copied = client.get_cookie("session").value
    time.sleep(3.5)  # the signature counts whole seconds
    stale = quick.test_client()
    stale.set_cookie("session", copied)
    assert stale.get(STAFF_PAGE).status_code == 302  # refused by the server, whatever the browser kept


def test_the_database_file_is_for_our_user_alone(app_config, tmp_path):
    path = tmp_path / "fresh.db"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    fresh = create_app(dict(app_config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}"))
    with action(fresh):
        db.session.execute(text("SELECT 1"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    instance = fresh.instance_path
    assert stat.S_IMODE(os.stat(instance).st_mode) == 0o700
