"""The event a page is about, or a 404; a row of one of the event's tables, or a 404; the blueprints of an event's
staff pages, which load it once."""

from flask import Blueprint, abort, g
from flask_login import current_user

from conference.accounts.access import ORGANIZER_ROLES
from conference.accounts.services import may_open_event
from conference.extensions import db, login_manager

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


def event_blueprint(name: str, import_name: str, url_prefix: str = "", roles: tuple[str, ...] = ORGANIZER_ROLES) \
        -> Blueprint:
    """A blueprint of an event's staff pages, under /manage/events/<slug>/…: its event is loaded once per request
    into `g.event` (views take no slug, and url_for fills it in), after the caller's role is checked (an anonymous
    visitor goes to the log-in page before anyone learns whether the event exists), and the caller must be a member
    of it (or an admin): to anybody else an event they do not work on is as unknown as one that does not exist (404),
    before any row of it is looked up."""
    blueprint = Blueprint(name, import_name, url_prefix="/manage/events/<slug>" + url_prefix)

    @blueprint.url_value_preprocessor
    def take_slug(endpoint, values):
        g.event_slug = values.pop("slug")

    @blueprint.url_defaults
    def give_slug(endpoint, values):
        if "slug" not in values and "event" in g:
            values["slug"] = g.event.slug

    @blueprint.before_request
    def load_event():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in roles:
            abort(403)
        event = event_or_404(g.event_slug)
        if not may_open_event(current_user, event.id):
            abort(404)
        g.event = event

    return blueprint
