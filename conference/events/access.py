"""The event a page is about, or a 404; and a row of one of the event's tables, or a 404."""

from flask import abort

from conference.extensions import db

from .models import Event
from .services import get_event


def event_or_404(slug: str) -> Event:
    event = get_event(slug)
    if event is None:
        abort(404)
    return event


def of_event_or_404(model, row_id: int, event: Event):
    """A row of one of the event's tables (a participant, a session, a recommendation, a device), or a 404: an id
    taken from another event's pages is as unknown here as one that does not exist."""
    row = db.session.get(model, row_id)
    if row is None or row.event_id != event.id:
        abort(404)
    return row
