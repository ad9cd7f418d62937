"""The public program as schedule.json for schedule apps: the frab format, as pretalx and the c3voc tools publish
it (schedule → conference → days → rooms → events), checked in the tests against c3voc's JSON schema."""

import hashlib
import hmac
import json
import uuid
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from flask_babel import force_locale

from conference.events.models import Event
from conference.timeutil import to_zone

from .labels import KIND_LABELS
from .models import AgendaSession, SessionPerson
from .services import rooms

TIMESLOT = "00:05"  # the grid apps draw the program on: sessions start on the minute, mostly on a 5-minute mark


def _namespace() -> uuid.UUID:
    """The root of this site's guids: stable from one download to the next, and unlike another site's (c3voc's
    tools merge the schedules of several)."""
    return uuid.uuid5(uuid.NAMESPACE_URL,
                      f"{current_app.config['PREFERRED_URL_SCHEME']}://{current_app.config['SERVER_NAME']}/")


def _keyed(text: str) -> str:
    secret = current_app.config["SECRET_KEY"]
    return hmac.new(secret.encode() if isinstance(secret, str) else secret, text.encode(), hashlib.sha256).hexdigest()


def _guid(kind: str, key: object) -> str:
    return str(uuid.uuid5(_namespace(), f"{kind}/{key}"))


def _hours(delta: timedelta) -> str:
    minutes = int(delta.total_seconds()) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _midnight(day: date, zone: str) -> str:
    return datetime.combine(day, time(), tzinfo=ZoneInfo(zone)).isoformat()


def _acronym(event: Event) -> str:
    """c3voc's schema wants at least four of [a-z0-9_] (a hyphen only before a year and a word): the slug so."""
    return event.slug.replace("-", "_").ljust(4, "_")


def person(entry: SessionPerson, event: Event) -> dict:
    """frab's person: the same id and guid in every session of the event, whether a registered participant or a
    guest named on the session form (known by their name). The id is the guid's first 52 bits: a number that
    JavaScript holds exactly. A participant's is keyed with the site's secret: nobody can try row numbers 1, 2, …
    to learn whose it is."""
    if entry.participant is not None and entry.participant.erased_at is not None:
        key = _keyed(f"erased/{entry.id}")  # («спикер»: not the id the named person had, which feeds copied before)
    elif entry.participant_id is not None:
        key = _keyed(f"participant/{entry.participant_id}")
    else:
        key = f"guest/{event.id}/{' '.join(entry.external_name.casefold().split())}"
    guid = uuid.UUID(_guid("person", key))
    return {"id": guid.int >> 76, "guid": str(guid), "public_name": entry.name}


def schedule_json(event: Event, sessions: list[AgendaSession], language: str) -> dict:
    """The schedule in `language` (the event's English texts where given, Russian otherwise). Days run from the
    event's first to its last, and take in a session an organizer put outside them; a session belongs to the day it
    starts on. Its "version" is a digest of the rest: it changes when anything in it does."""
    zone = event.timezone
    with force_locale(language):
        kinds = {kind: str(label) for kind, label in KIND_LABELS.items()}
    by_day: dict = defaultdict(lambda: defaultdict(list))
    for session in sessions:
        room = session.room.localized("name", language)
        by_day[to_zone(session.starts_at, zone).date()][room].append(_event(event, session, language, kinds))
    first = min([event.starts_on, *by_day])
    last = max([event.ends_on, *by_day])
    days = []
    for index in range((last - first).days + 1):
        day = first + timedelta(days=index)
        days.append({"index": index + 1, "date": day.isoformat(), "day_start": _midnight(day, zone),
                     "day_end": _midnight(day + timedelta(days=1), zone), "rooms": dict(by_day.get(day, {}))})
    conference = {
        "acronym": _acronym(event), "title": event.localized("title", language),
        "start": first.isoformat(), "end": last.isoformat(), "daysCount": len(days), "timeslot_duration": TIMESLOT,
        "time_zone_name": zone,
        "url": url_for("agenda.program", slug=event.slug, _external=True),
        "rooms": [{"name": room.localized("name", language), "guid": _guid("room", room.id), "capacity": room.capacity,
                   "description": ", ".join(filter(None, [room.floor, room.localized("address", language)])) or None}
                  for room in rooms(event)],
        "tracks": [{"name": kinds[kind]} for kind in KIND_LABELS if any(s.kind == kind for s in sessions)],
        "days": days,
    }
    version = hashlib.sha256(json.dumps(conference, sort_keys=True).encode()).hexdigest()[:16]
    return {"$schema": "https://c3voc.de/schedule/schema.json",
            "generator": {"name": "conference"},
            "schedule": {"version": version, "conference": conference}}


def _event(event: Event, session: AgendaSession, language: str, kinds: dict[str, str]) -> dict:
    starts = to_zone(session.starts_at, event.timezone)
    # The language the session is told in: English only where the organizer gave its English title.
    told_in = "en" if language == "en" and session.title_en.strip() else "ru"
    return {
        "id": session.id,
        "guid": _guid("session", session.id),
        "date": starts.isoformat(),
        "start": f"{starts:%H:%M}",
        "duration": _hours(session.ends_at - session.starts_at),
        "room": session.room.localized("name", language),
        "slug": f"{event.slug}-{session.id}",
        "url": url_for("agenda.program", slug=event.slug, _anchor=f"session-{session.id}", _external=True),
        "title": session.localized("title", told_in),
        "subtitle": "",
        "track": kinds[session.kind],
        "type": session.kind,
        "language": told_in,
        "abstract": session.localized("description", told_in),
        "description": "",
        # A moderator who also speaks is one person of the session.
        "persons": list({entry["guid"]: entry for entry in (person(p, event) for p in session.people)}.values()),
        "links": [{"url": url_for("agenda.session_calendar", slug=event.slug, session_id=session.id,
                                  _external=True), "title": "iCalendar"}],
        "attachments": [],
    }
