"""One action, one transaction: a busy database refuses the whole action with 503 (the form kept, ready to send
again), and reading a page never writes."""

import re
import sqlite3
from contextlib import contextmanager

import pytest
import yaml
from sqlalchemy import create_engine, func, inspect, select, text, update
from sqlalchemy.engine import make_url

from conference.badges.models import Badge
from conference.checkin.services import add_device
from conference.events.services import get_event
from conference.extensions import db
from conference.mail.models import Letter
from conference.mail.services import queue_letter, send_due
from conference.registration.models import Participant
from conference.timeutil import utcnow
from conference.transactions import savepoint

from .conftest import ON_POSTGRES, action, free_port, mail_text, sent_mail


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
    assert busy.get_json()["result"] == "busy" and "Отправьте тот же запрос ещё раз" in busy.get_json()["message"]
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
    event = make_event(moderation=moderation, members=(organizer_client.email,))
    response = client.post(f"/events/{event.slug}/register", data=form_data())
    link = response.location.removesuffix("/registered")
    with action(app):
        participant_id = db.session.scalar(select(Participant.id))
        db.session.execute(update(Badge).values(qr_png=None))  # as migration 0015 issues badges: no picture yet
    before = snapshot(app)
    manage = f"/manage/events/{event.slug}"
    for url in (f"{link}", f"{link}/badge.pdf", f"{link}/sessions", f"/events/{event.slug}/program.pdf",
                f"{manage}/participants/", f"{manage}/participants/{participant_id}",
                f"{manage}/participants/{participant_id}/badge.pdf", f"{manage}/letters/", f"{manage}"):
        reader = organizer_client if url.startswith("/manage") else client
        assert reader.get(url).status_code == 200, url
    after = snapshot(app)
    changed = [name for name in before if before[name] != after[name]]
    # A kept render is a cache, written in a transaction of its own; so is the record that the organizer looked at
    # a participant's page and badge (privacy.access_log), the one write a reading makes on purpose.
    assert set(changed) <= {"badge_render", "data_access"} and "data_access" in changed
    with action(app):  # the badge exists from the confirmation on, and downloading it did not mark it printed
        badge = db.session.scalars(select(Badge)).one()
        assert badge.printed_at is None and badge.print_count == 0


def test_a_busy_database_gives_a_logged_in_organizer_the_503_page_too(app, client, make_event, form_data,
                                                                       organizer_client, database_uri):
    event = make_event(moderation=True, members=(organizer_client.email,))
    client.post(f"/events/{event.slug}/register", data=form_data())
    with action(app):
        participant_id = db.session.scalar(select(Participant.id))
    with database_held(database_uri, event.id):
        busy = organizer_client.post(f"/manage/events/{event.slug}/participants/bulk",
                                     data={"action": "approve", "ids": [str(participant_id)]})
    assert busy.status_code == 503 and "Попробовать ещё раз" in busy.get_data(as_text=True)
    assert "Выйти" in busy.get_data(as_text=True)  # the page around it, logged in, as usual


def test_letters_and_jobs_wait_for_the_actions_commit_not_a_savepoints(app, event, form_data, client):
    client.post(f"/events/{event.slug}/register", data=form_data())
    before = len(sent_mail(app))
    with action(app):
        participant = db.session.scalars(select(Participant)).one()
        queue_letter("registration", participant.email, "ru", event_id=event.id, participant_id=participant.id,
                     participant=participant.id, reason="link")
        with savepoint():
            participant.city = "Корсаков"
        assert len(sent_mail(app)) == before  # a savepoint released is not the action's end
    assert len(sent_mail(app)) == before + 1


def test_a_letter_that_no_longer_fits_is_not_sent(app, client, make_event, form_data, organizer_client):
    """Written when it is sent: a «confirmed» after a decline, or a private link for an address changed since,
    is dropped rather than sent."""
    event = make_event(moderation=True, members=(organizer_client.email,))
    client.post(f"/events/{event.slug}/register", data=form_data())
    with action(app):
        participant_id = db.session.scalar(select(Participant.id))
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())  # the server down
    organizer_client.post(f"/manage/events/{event.slug}/participants/{participant_id}/status",
                          data={"action": "approve"})
    organizer_client.post(f"/manage/events/{event.slug}/participants/{participant_id}/status",
                          data={"action": "reject"})
    app.config["MAIL_BACKEND"] = "file"  # the server back
    with action(app):
        db.session.execute(update(Letter).values(next_attempt_at=utcnow()))
        send_due()
    with action(app):
        outcomes = {letter.params["reason"]: letter.status for letter in db.session.scalars(select(Letter))}
    assert outcomes["confirmed"] == "dropped" and outcomes["rejected"] == "sent"


def test_a_private_link_never_goes_to_an_address_changed_since(app, client, event, form_data):
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())  # the server down
    response = client.post(f"/events/{event.slug}/register", data=form_data(email="typo@example.org"))
    link = response.location.removesuffix("/registered")
    client.post(f"{link}/edit", data=form_data(email="right@example.org"))
    app.config["MAIL_BACKEND"] = "file"
    with action(app):
        db.session.execute(update(Letter).values(next_attempt_at=utcnow()))
        send_due()
    to_old = [message for message in sent_mail(app) if message["To"] == "typo@example.org"]
    assert len(to_old) == 1 and "/my/" not in mail_text(to_old[0])  # only «your email was changed», no link
    with action(app):
        statuses = {(letter.recipient, letter.params["reason"]): letter.status
                    for letter in db.session.scalars(select(Letter))}
    assert statuses[("typo@example.org", "registered")] == "dropped"
    assert statuses[("right@example.org", "email_changed")] == "sent"
