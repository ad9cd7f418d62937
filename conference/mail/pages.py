"""What the pages whose actions write letters say about them (for any capability's views)."""

from flask import flash
from flask_babel import ngettext

from .services import queued_count


def tell_letters_queued() -> None:
    """How many letters the current action queued (the «Letters» page then says whether they left)."""
    count = queued_count()
    if count:
        flash(ngettext("%(num)d letter queued: see «Letters» for whether it went out.",
                       "%(num)d letters queued: see «Letters» for whether they went out.", count), "info")
