"""No overbooking: seats and places are decided under a lock, against a real gunicorn with 8 worker processes
(the development server, one request at a time, would hide every race), ten times over, on SQLite and on PostgreSQL
(whichever this run uses)."""

import threading
from datetime import UTC, datetime, time, timedelta
from functools import partial

import pytest
from sqlalchemy import func, select

from conference.agenda.models import AgendaSession, Room, SessionSignup
from conference.events.models import Event
from conference.extensions import db
from conference.registration.services import active_count, self_service_token

from .conftest import action, free_port
from .live import Visitor, live_environment, start_gunicorn, written_participants

TRIALS = 10
SECRET = "live-test"  # the server's: the private links made here must open there


@pytest.fixture
def app_config(app_config):
    return dict(app_config, SECRET_KEY=SECRET)


@pytest.fixture
def server(app, database_uri, tmp_path):
    port = free_port()
    process = start_gunicorn(live_environment(database_uri, tmp_path, port, SECRET_KEY=SECRET), port, workers=8)
    yield f"http://127.0.0.1:{port}"
    process.stop()


def all_at_once(preparations: list) -> list:
    """Each preparation in a thread of its own (it fetches its form and returns what sends it), then all the
    sending released together by a barrier; their answers in order."""
    barrier = threading.Barrier(len(preparations))
    results: list = [None] * len(preparations)

    def run(index: int) -> None:
        send = preparations[index]()
        barrier.wait()
        results[index] = send()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(preparations))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def joining(server: str, link: str, session_id: int):
    """A participant on their sessions page, about to press «join, or the waiting list»."""
    visitor = Visitor(server)
    token = visitor.csrf_token(visitor.get(f"{link}/sessions")[1])
    return lambda: visitor.post_with(f"{link}/sessions/{session_id}", {"action": "wait"}, token)


def registering(server: str, slug: str, data: dict):
    """A visitor with the registration form filled in, about to send it."""
    visitor = Visitor(server)
    token = visitor.csrf_token(visitor.get(f"/events/{slug}/register")[1])
    return lambda: visitor.post_with(f"/events/{slug}/register", data, token)


def test_24_people_joining_the_last_seat_at_once_give_one_seat_and_23_places_in_the_waiting_list(
        app, make_event, refs, server):
    event = make_event()
    for trial in range(TRIALS):
        with action(app):
            room = Room(event_id=event.id, name=f"Зал {trial}", capacity=1)
            db.session.add(room)
            db.session.flush()
            starts = datetime.combine(event.starts_on, time(10), tzinfo=UTC) + timedelta(hours=trial)
            session = AgendaSession(event_id=event.id, room_id=room.id, title=f"Семинар {trial}", kind="seminar",
                                    starts_at=starts, ends_at=starts + timedelta(minutes=50))
            db.session.add(session)
            db.session.flush()
            people = written_participants(event, refs, 24, f"t{trial}-")
            links = [f"/my/{self_service_token(person)}" for person in people]
            session_id = session.id

        answers = all_at_once([partial(joining, server, link, session_id) for link in links])
        assert all(status == 200 for status, _ in answers), [status for status, _ in answers]
        with action(app):
            statuses = dict(db.session.execute(select(SessionSignup.status, func.count()).where(
                SessionSignup.session_id == session_id).group_by(SessionSignup.status)).all())
        assert statuses == {"registered": 1, "waiting": 23}, (trial, statuses)


def test_40_people_registering_for_the_last_place_at_once_leave_the_event_exactly_full(
        app, make_event, refs, form_data, server):
    for trial in range(TRIALS):
        event = make_event(capacity=30)
        with action(app):
            written_participants(event, refs, 29, f"r{trial}-")

        answers = all_at_once([partial(registering, server, event.slug, form_data(
            email=f"late{index}@example.org", last_name="Опоздавший")) for index in range(40)])
        registered = [page for status, page in answers if status == 200 and "Вы зарегистрированы" in page]
        full = [page for status, page in answers if status == 200 and "Все места заняты" in page]
        assert len(registered) == 1 and len(full) == 39, (trial, [status for status, _ in answers])
        with action(app):
            assert active_count(db.session.get(Event, event.id)) == 30
