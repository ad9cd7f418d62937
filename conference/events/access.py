"""The event a page is about, or a 404."""

from flask import abort

from .models import Event
from .services import get_event


def event_or_404(slug: str) -> Event:
    event = get_event(slug)
    if event is None:
        abort(404)
    return event
