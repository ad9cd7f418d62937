"""The system's own letters (registration received, approved, declined, cancelled; a session moved; a seat from the
waiting list) in the event's own words: organizers write a subject and text per letter and language, with
placeholders, and the outbox uses them instead of the default letter (mail.services.CUSTOM_TEXTS), keeping what the
letter carries (the badge). A letter without its own text is the default one."""

import re

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from conference.agenda.models import AgendaSession
from conference.agenda.services import time_span
from conference.extensions import db
from conference.mail.services import custom_text_source
from conference.registration.models import Participant

from .models import LETTER_TEXT_KEYS, LetterText
from .services import PLACEHOLDER, as_html, common_values, fill
from .services import PLACEHOLDERS as EVERY_LETTER

LABELS = {
    "registered": _l("Registration received"), "confirmed": _l("Registration approved"),
    "rejected": _l("Registration declined"), "cancelled": _l("Registration cancelled"),
    "session_moved": _l("A session moved"), "seat_promoted": _l("A seat from the waiting list"),
}
OF_A_SESSION = {"session": _l("the session's title"), "when": _l("its day, time and room")}
PLACEHOLDERS = {
    "registered": EVERY_LETTER, "confirmed": EVERY_LETTER, "rejected": EVERY_LETTER, "cancelled": EVERY_LETTER,
    "session_moved": {**EVERY_LETTER, **OF_A_SESSION, "before": _l("its day, time and room before")},
    "seat_promoted": {**EVERY_LETTER, **OF_A_SESSION},
}
# What the form offers to start from: the default letters' words, with placeholders.
DEFAULTS = {
    "registered": (_l("Registration received: {title}"),
                   _l("Hello, {name}!\n\nWe have received your registration for «{title}», {dates}, {venue}.\n\n"
                      "Your private link to view, change or cancel it: {link}")),
    "confirmed": (_l("Registration confirmed: {title}"),
                  _l("Hello, {name}!\n\nYour registration for «{title}» is confirmed. We look forward to seeing you "
                     "{dates}, {venue}. Your badge is attached.\n\nYour private link: {link}")),
    "rejected": (_l("Registration declined: {title}"),
                 _l("Hello, {name}!\n\nUnfortunately, the organizers of «{title}» have declined your registration.")),
    "cancelled": (_l("Registration cancelled: {title}"),
                  _l("Hello, {name}!\n\nYour registration for «{title}» has been cancelled.\n\n{link}")),
    "session_moved": (_l("Session moved: {session}"),
                      _l("Hello, {name}!\n\nThe session «{session}», which you signed up for, has moved.\n"
                         "Now: {when}.\nBefore: {before}.\n\nYour sessions: {link}")),
    "seat_promoted": (_l("A seat is yours: {session}"),
                      _l("Hello, {name}!\n\nA seat has become free in «{session}» ({when}), and it is now yours.\n\n"
                         "If you can no longer come, cancel it so that the next person gets it: {link}")),
}


def unknown_placeholders(key: str, text: str) -> list[str]:
    return sorted({name for name in PLACEHOLDER.findall(text or "") if name not in PLACEHOLDERS[key]})


def text_of(event_id: int, key: str, language: str) -> LetterText | None:
    return db.session.scalar(select(LetterText).where(LetterText.event_id == event_id, LetterText.key == key,
                                                      LetterText.language == language))


def texts_of(event_id: int) -> dict[tuple[str, str], LetterText]:
    return {(text.key, text.language): text
            for text in db.session.scalars(select(LetterText).where(LetterText.event_id == event_id))}


def default_of(key: str, language: str) -> tuple[str, str]:
    with force_locale(language):
        return str(DEFAULTS[key][0]), str(DEFAULTS[key][1])


def values(context: dict, language: str) -> dict[str, str]:
    """The placeholders' values from what the default letter would show."""
    session = context.get("session")
    found = dict(common_values(context.get("participant"), context["event"], language),
                 link=context.get("link") if isinstance(context.get("link"), str) else "")
    if session is not None:
        found["session"] = session.localized("title", language)
        found["when"] = f"{context.get('span', '')}, {session.room.localized('name', language)}"
        found["before"] = f"{context.get('was_span', '')}, {context.get('was_room', '')}"
    return found


def written(subject: str, body: str, context: dict, language: str) -> tuple[str, str, str]:
    with force_locale(language):  # (the dates in the text's language, on the organizer's preview page too)
        found = values(context, language)
    text = fill(body, found)
    return re.sub(r"\s+", " ", fill(subject, found)).strip(), text, str(as_html(text))


@custom_text_source
def events_own_text(event_id: int, key: str, language: str, context: dict) -> tuple[str, str, str] | None:
    if key not in LETTER_TEXT_KEYS:
        return None
    own = text_of(event_id, key, language)
    return written(own.subject, own.body, context, language) if own else None


def sample_context(event, language: str) -> dict:
    """What the preview fills the placeholders from: the event's first registration and first session."""
    participant = db.session.scalar(select(Participant).where(Participant.event_id == event.id,
                                                              Participant.erased_at.is_(None)).order_by(Participant.id))
    session = db.session.scalar(select(AgendaSession).where(AgendaSession.event_id == event.id)
                                .order_by(AgendaSession.starts_at))
    with force_locale(language):
        link = str(_l("(the participant's private link)"))
        span = time_span(session) if session else ""
    return {"participant": participant, "event": event, "session": session, "span": span, "was_span": span,
            "was_room": session.room.localized("name", language) if session else "", "link": link}
