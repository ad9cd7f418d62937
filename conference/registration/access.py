"""The guard of every page reached through a participant's private link."""

from flask import abort

from conference import tokens

from .models import Participant
from .services import participant_from_token


def participant_or_abort(token: str) -> Participant:
    """404 for a tampered link, 410 for an expired one."""
    try:
        participant = participant_from_token(token)
    except tokens.InvalidToken as error:
        abort(410 if error.expired else 404)
    if participant is None:
        abort(404)
    return participant
