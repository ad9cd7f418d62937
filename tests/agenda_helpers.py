"""Rooms, sessions and registered people made through the real services, for the agenda tests. Each helper is an
organizer's action: committed when it succeeds (as the page's request would), nothing saved when it is refused."""

from datetime import datetime, time

from conference.agenda import services
from conference.agenda.models import AgendaSession, Room
from conference.extensions import db
from conference.registration.models import Participant
from conference.timeutil import local_to_utc


def at(event, day_offset: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time on the event's n-th day, in the event's zone, as UTC."""
    day = event.starts_on.toordinal() + day_offset
    return local_to_utc(datetime.combine(datetime.fromordinal(day).date(), time(hour, minute)), event.timezone)


def make_room(event, name="Большой зал", capacity=100, **fields) -> int:
    room = services.save_room(event, Room(), {"name": name, "capacity": capacity, **fields})
    db.session.commit()
    return room.id


def make_session(event, room_id, start, end, title="Сессия", kind="panel", **fields) -> int:
    session = AgendaSession()
    try:
        services.save_session(event, session, services.SessionData(
            title=title, kind=kind, room_id=room_id, starts_at=start, ends_at=end, **fields))
    except services.AgendaError:
        db.session.rollback()
        raise
    db.session.commit()
    return session.id


def registered(event, register, email: str, last_name: str = "Петров") -> Participant:
    """Registers through the public form (register is the test client's post) and returns the participant."""
    response = register(email=email, last_name=last_name)
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalar(db.select(Participant).where(Participant.email == email))
