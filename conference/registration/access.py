"""The guard of every page reached through a participant's private link (an erased registration's pages say only
that its data is erased)."""

from flask import abort, make_response, render_template

from conference import tokens
from conference.events.services import list_events
from conference.i18n import speak_the_language_of

from .models import Participant
from .services import participant_from_token


def participant_or_abort(token: str) -> Participant:
    """The participant of a private link; for a damaged or replaced link (404) or an expired one (410), the page
    that says so and leads to «send the link again» of each event."""
    try:
        participant = participant_from_token(token)
    except tokens.InvalidToken as error:
        _link_refused(410 if error.expired else 404)
    if participant is None:
        _link_refused(404)
    speak_the_language_of(participant.language)
    if participant.erased_at is not None:  # nothing is left to show or change: every page of the link says so
        abort(make_response(render_template("registration/erased.html", event=participant.event), 410))
    return participant


def _link_refused(code: int):
    abort(make_response(render_template("registration/link_refused.html", code=code, events=list_events()), code))
