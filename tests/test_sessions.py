"""Staff log-in sessions end on the server: logging out ends every copy of the cookie, and a log-in left alone
for STAFF_IDLE_LIMIT is refused; the instance folder and the SQLite file are for our user alone."""

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


def test_a_staff_session_left_alone_ends(app, app_config, make_user):
    assert app.config["STAFF_IDLE_LIMIT"] == timedelta(hours=12)  # the default; shortened here
    quick = create_app(dict(app_config, STAFF_IDLE_LIMIT=timedelta(seconds=2)))
    client = quick.test_client()
    log_in(client, make_user("organizer"))
    for _ in range(3):  # each request renews it
        assert client.get(STAFF_PAGE).status_code == 200
        time.sleep(1.2)
    copied = client.get_cookie("session").value
    time.sleep(2.5)
    stale = quick.test_client()
    stale.set_cookie("session", copied)
    assert stale.get(STAFF_PAGE).status_code == 302  # refused by the server, whatever the browser kept
    assert client.get(STAFF_PAGE).status_code == 302


def test_a_visitors_session_does_not_end_with_the_staff_limit(app_config, event):
    """A registration form's CSRF token lives in the session: a long pause must not make it stale."""
    quick = create_app(dict(app_config, STAFF_IDLE_LIMIT=timedelta(seconds=1), WTF_CSRF_ENABLED=True))
    visitor = quick.test_client()
    visitor.get("/lang/en")
    time.sleep(2.5)
    assert "Register" in visitor.get(f"/events/{event.slug}").get_data(as_text=True)  # still in English


def test_the_database_file_is_for_our_user_alone(app_config, tmp_path):
    instance = create_app(app_config).instance_path
    os.chmod(instance, 0o755)  # as a folder made before this rule, or by hand
    path = tmp_path / "fresh.db"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    fresh = create_app(dict(app_config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}"))
    with action(fresh):
        db.session.execute(text("SELECT 1"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(os.stat(instance).st_mode) == 0o700


def test_the_job_queue_file_is_for_our_user_alone(tmp_path):
    """The embedded queue (instance/jobs.db) holds jobs with addresses and names, as the database does."""
    from conference.jobs import _make_queue

    path = tmp_path / "jobs.db"
    path.touch()
    os.chmod(path, 0o644)  # as a queue made before this rule
    _make_queue(f"sqlite:///{path}").storage.enqueue(b"a job")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for companion in (tmp_path / "jobs.db-wal", tmp_path / "jobs.db-shm"):  # made with the database's mode
        assert not companion.exists() or stat.S_IMODE(companion.stat().st_mode) == 0o600, companion
