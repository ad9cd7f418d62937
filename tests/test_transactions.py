"""One action, one transaction: a busy database refuses the whole action with 503 (the form kept, ready to send
again), and reading a page never writes."""

import re
import sqlite3
from contextlib import contextmanager

import pytest
import yaml
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from conference.badges.models import Badge
from conference.checkin.services import add_device
from conference.events.services import get_event
from conference.extensions import db
from conference.mail.models import Letter
from conference.registration.models import Participant

from .conftest import ON_POSTGRES, action


@contextmanager
def database_held(database_uri: str, event_id: int):
    """Another action holding the database (SQLite: its write lock) or the event's row and the scans' table
    (PostgreSQL), as a long import or a stuck transaction would, for as long as the block runs."""
    if ON_POSTGRES:
        engine = create_engine(database_uri)
        with engine.connect() as connection:
            connection.execute(text("SELECT id FROM event WHERE id = :id FOR UPDATE"), {"id": event_id})
            connection.execute(text("LOCK TABLE scan IN EXCLUSIVE MODE"))
            yield
            connection.rollback()
        engine.dispose()
    else:
        holder = sqlite3.connect(make_url(database_uri).database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        yield
        holder.rollback()
        holder.close()


def test_a_busy_database_answers_503_and_the_form_comes_back_to_be_sent_again(app, client, event, form_data,
                                                                               database_uri):
    typed = form_data(last_name="Занятова", organization="АО «Ждущий & Ко»")
    with database_held(database_uri, event.id):
        busy = client.post(f"/events/{event.slug}/register", data=typed)
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "5"
    page = busy.get_data(as_text=True)
    assert "Сервер занят" in page and "ничего из введённого не потеряно" in page and "Попробовать ещё раз" in page
    kept = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))
    assert kept["last_name"] == "Занятова" and kept["organization"] == "АО «Ждущий &amp; Ко»"
    assert kept["email"] == typed["email"] and kept["csrf_token"]
    with action(app):  # nothing half-saved: no participant, no letter
        assert db.session.scalar(select(func.count()).select_from(Participant)) == 0
        assert db.session.scalar(select(func.count()).select_from(Letter)) == 0

    # The same fields sent again, once the database is free, register the person.
    again = client.post(f"/events/{event.slug}/register", data=dict(typed, organization="АО «Ждущий & Ко»"))
    assert again.status_code == 302
    with action(app):
        assert db.session.scalar(select(Participant.organization)) == "АО «Ждущий & Ко»"


def test_a_busy_database_answers_a_scan_with_a_documented_503(app, client, event, form_data, database_uri):
    client.post(f"/events/{event.slug}/register", data=form_data())
    with action(app):
        token = db.session.scalar(select(Badge.token))
        _device, device_token = add_device(get_event(event.slug), "Вход", None)
    url = f"/api/v1/events/{event.slug}/checkins"
    body = {"token": token, "checkpoint": "entrance", "nonce": "busy-1"}
    headers = {"Authorization": f"Bearer {device_token}"}
    with database_held(database_uri, event.id):
        busy = client.post(url, json=body, headers=headers)
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "5"
    assert busy.get_json()["result"] == "busy" and "Send the same request again" in busy.get_json()["message"]
    assert client.post(url, json=body, headers=headers).status_code == 201  # the same scan, sent again, counts
    spec = yaml.safe_load(client.get("/api/v1/openapi.yaml").get_data(as_text=True))
    documented = spec["paths"]["/events/{slug}/checkins"]["post"]["responses"]["503"]
    assert "busy" in documented["description"] and "Retry-After" in documented["headers"]


def snapshot(app) -> dict[str, tuple]:
    """Every table's row count and a digest of its rows: what «nothing was written» means."""
    with action(app):
        tables = inspect(db.engine).get_table_names()
        return {name: tuple(map(tuple, db.session.execute(text(f'SELECT * FROM "{name}" ORDER BY 1')).all()))
                for name in tables if name not in ("alembic_version",) and not name.startswith("participant_search")}


@pytest.mark.parametrize("moderation", [False])
def test_reading_pages_and_files_writes_nothing(app, client, organizer_client, make_event, form_data, moderation):
    event = make_event(moderation=moderation)
    response = client.post(f"/events/{event.slug}/register", data=form_data())
    link = response.location.removesuffix("/registered")
    with action(app):
        participant_id = db.session.scalar(select(Participant.id))
    before = snapshot(app)
    manage = f"/manage/events/{event.slug}"
    for url in (f"{link}", f"{link}/badge.pdf", f"{link}/sessions", f"/events/{event.slug}/program.pdf",
                f"{manage}/participants/", f"{manage}/participants/{participant_id}",
                f"{manage}/participants/{participant_id}/badge.pdf", f"{manage}/letters/", f"{manage}"):
        reader = organizer_client if url.startswith("/manage") else client
        assert reader.get(url).status_code == 200, url
    after = snapshot(app)
    changed = [name for name in before if before[name] != after[name]]
    assert changed in ([], ["badge_render"])  # a kept render is a cache, written in a transaction of its own
    with action(app):  # the badge exists from the confirmation on, and downloading it did not mark it printed
        badge = db.session.scalars(select(Badge)).one()
        assert badge.printed_at is None and badge.print_count == 0
