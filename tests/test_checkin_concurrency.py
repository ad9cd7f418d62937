"""Two scanners reading one badge at the same instant make one check-in: many parallel requests at a real server
(gunicorn, several processes and threads, as in production), on SQLite and on PostgreSQL, whichever this run uses."""

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conference.badges import services as badges
from conference.checkin.models import CheckIn, Scan
from conference.checkin.services import add_device
from conference.events.services import get_event
from conference.extensions import db
from conference.registration.models import Participant

from .conftest import action, free_port

PARALLEL = 48



@pytest.fixture
def server(app, database_uri, tmp_path):
    """The app under gunicorn in its own processes, on the test's database."""
    port = free_port()
    env = dict(os.environ, DATABASE_URL=database_uri, SECRET_KEY="concurrency-test", MAIL_BACKEND="file",
               MAIL_FILE_DIR=str(tmp_path / "mail"), RATELIMIT_ENABLED="0", INSTANCE_PATH=str(tmp_path),
               PUBLIC_URL=f"http://127.0.0.1:{port}")
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "--workers", "4", "--threads", "8", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         "conference:create_app()"], env=env, cwd=Path(__file__).parent.parent)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/api/v1/openapi.yaml", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def badge_and_device(app, client, event, form_data):
    client.post(f"/events/{event.slug}/register", data=form_data())
    client.post(f"/events/{event.slug}/register", data=form_data(email="second@example.org", last_name="Второв"))
    with action(app):
        people = list(db.session.scalars(select(Participant).order_by(Participant.id)))
        tokens = [badges.current_badge(person).token for person in people]
        _device, device_token = add_device(get_event(event.slug), "Вход", None)
    return tokens, device_token


def scan_all_at_once(url: str, device_token: str, bodies: list[dict]) -> list[tuple[int, dict]]:
    """Every request on its own connection, released together by a barrier."""
    barrier = threading.Barrier(len(bodies))
    results: list = [None] * len(bodies)

    def scan(index: int) -> None:
        request = urllib.request.Request(url, data=json.dumps(bodies[index]).encode(), method="POST", headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {device_token}"})
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                results[index] = (response.status, json.load(response))
        except urllib.error.HTTPError as error:
            results[index] = (error.code, json.load(error))

    threads = [threading.Thread(target=scan, args=(index,)) for index in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_parallel_scans_of_one_badge_make_one_check_in(app, event, server, badge_and_device):
    (token, _), device_token = badge_and_device
    url = f"{server}/api/v1/events/{event.slug}/checkins"
    results = scan_all_at_once(url, device_token, [
        {"token": token, "checkpoint": "entrance", "nonce": uuid.uuid4().hex} for _ in range(PARALLEL)])
    statuses = sorted(status for status, _body in results)
    assert statuses == [201] + [409] * (PARALLEL - 1)
    first = next(body for status, body in results if status == 201)
    # Every "already" names the one check-in that happened.
    assert {body["check_in"]["id"] for status, body in results if status == 409} == {first["check_in"]["id"]}
    with action(app):
        assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1
        assert db.session.scalar(select(func.count()).select_from(Scan)) == PARALLEL


def test_parallel_retries_of_one_scan_are_recorded_once(app, event, server, badge_and_device):
    (_, token), device_token = badge_and_device
    url = f"{server}/api/v1/events/{event.slug}/checkins"
    key = uuid.uuid4().hex
    results = scan_all_at_once(url, device_token, [{"token": token, "nonce": key} for _ in range(PARALLEL)])
    assert {status for status, _body in results} == {201}  # the same scan, answered the same way
    assert sum(1 for _status, body in results if not body.get("repeated")) == 1
    with action(app):
        assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1
        assert db.session.scalar(select(func.count()).select_from(Scan)) == 1
