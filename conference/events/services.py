from blinker import Namespace
from flask import g
from sqlalchemy import column, func, select, table

from conference.directories.models import FederalSubject
from conference.extensions import db
from conference.timeutil import local_to_utc, to_zone, utcnow

from .labels import TIME_ZONE_LABELS
from .models import ConsentText, Event

DEFAULT_CONSENT_TEXT = (
    "Я даю согласие оператору — организатору мероприятия — на обработку моих персональных данных "
    "(фамилия, имя, отчество, адрес электронной почты, номер телефона, организация, должность, регион) "
    "в целях регистрации и участия в мероприятии, подготовки бейджа, учёта посещаемости и подготовки "
    "итогового отчёта в обезличенном виде, в соответствии с Федеральным законом от 27.07.2006 № 152-ФЗ "
    "«О персональных данных». Согласие действует до его отзыва; отозвать его можно, отменив регистрацию "
    "по личной ссылке или написав организатору."
)
# Its translation, for participants who register in English (the Russian text is the one in force).
DEFAULT_CONSENT_TEXT_EN = (
    "I consent to the operator, the organizer of the event, processing my personal data (last name, first name, "
    "patronymic, email address, phone number, organization, position, region) for registering and taking part in "
    "the event, preparing my badge, recording attendance and preparing the final report in anonymized form, in "
    "accordance with Federal Law No. 152-FZ of 27.07.2006 “On Personal Data”. The consent is valid until "
    "withdrawn; it can be withdrawn by cancelling the registration through the private link or by writing to the "
    "organizer."
)


def get_event(slug: str) -> Event | None:
    return db.session.scalar(select(Event).where(Event.slug == slug))


def list_events() -> list[Event]:
    return list(db.session.scalars(select(Event).order_by(Event.starts_on.desc())))


def slug_taken(slug: str, except_event: Event | None = None) -> bool:
    existing = get_event(slug)
    return existing is not None and existing is not except_event


# Sent with the event and new_zone=, before the event's new time zone is saved (in the same transaction): what
# is planned in wall-clock time (the agenda's sessions) keeps its times of day.
time_zone_changing = Namespace().signal("time-zone-changing")
# Sent with the event and changed= (the names of the fields that changed) once it is saved (flushed): the badges
# capability renders anew the kept badges that show the event's title and dates.
event_saved = Namespace().signal("event-saved")


def save_event(event: Event, data: dict) -> Event:
    """`data` holds the form's fields; registration times arrive as wall-clock times in the event's zone. A new
    time zone (one chosen by mistake, put right) keeps the program's sessions at the times of day they were
    planned for, as the registration times keep theirs."""
    zone = data["timezone"]
    for name in ("registration_opens_at", "registration_closes_at"):
        if data.get(name) is not None:
            data[name] = local_to_utc(data[name], zone)
    if event.id is not None and zone != event.timezone:
        time_zone_changing.send(event, new_zone=zone)  # in the same transaction, which saves what receivers change
    changed = {name for name, value in data.items() if getattr(event, name) != value} if event.id else set()
    for name, value in data.items():
        setattr(event, name, value)
    if event.id is None:
        db.session.add(event)
    db.session.flush()
    publish_consent(event)
    if changed:
        event_saved.send(event, changed=changed)
    return event


def publish_consent(event: Event) -> ConsentText:
    """The event's consent text, of its version, as published: kept as a new version, or the version's text put
    right while nobody has agreed to it yet (the event form refuses the rest: agreed_to_consent). A text agreed to
    is never changed: one changed under its version some other way (a script) is published as a version of its
    own, «2019-1.2», which the event then names."""
    published = db.session.scalar(select(ConsentText).where(ConsentText.event_id == event.id,
                                                            ConsentText.version == event.consent_version))
    texts = (event.consent_text, event.consent_text_en or "")
    if published is not None and (published.text, published.text_en) != texts and _agreements_to(published):
        taken = set(db.session.scalars(select(ConsentText.version).where(ConsentText.event_id == event.id)))
        event.consent_version = next(version for number in range(2, 10_000)
                                     if (version := f"{published.version}.{number}"[:40]) not in taken)
        published = None
    if published is None:
        published = ConsentText(event_id=event.id, version=event.consent_version)
        db.session.add(published)
    if (published.text, published.text_en) != texts:
        published.text, published.text_en, published.published_at = *texts, utcnow()
    db.session.flush()
    return published


# The registrations' link to their text, named by its table: registration builds on events, not the reverse.
_agreements = table("participant", column("consent_text_id"))


def _agreements_to(published: ConsentText) -> int:
    """How many registrations agreed to this text."""
    return db.session.scalar(select(func.count()).select_from(_agreements)
                             .where(_agreements.c.consent_text_id == published.id))


def agreed_to_consent(event: Event, version: str, text: str, text_en: str) -> int:
    """How many participants agreed to `version` of the event's consent text as published, if the texts given
    differ from it (0 when they do not, or nobody agreed): a text agreed to is kept as it was, and a changed one
    must be a new version."""
    if event.id is None:
        return 0
    published = db.session.scalar(select(ConsentText).where(ConsentText.event_id == event.id,
                                                            ConsentText.version == version))
    if published is None or (published.text, published.text_en) == (text, text_en or ""):
        return 0
    return _agreements_to(published)


def current_consent(event: Event) -> ConsentText:
    """The version a participant registering now agrees to."""
    published = db.session.scalar(select(ConsentText).where(ConsentText.event_id == event.id,
                                                            ConsentText.version == event.consent_version))
    if published is None or (published.text, published.text_en) != (event.consent_text, event.consent_text_en or ""):
        published = publish_consent(event)  # an event made other than through its form (the demo, a script)
    return published


def event_form_data(event: Event) -> dict:
    """The inverse of save_event's conversion: registration times as wall-clock times in the event's zone."""
    naive = {}
    for name in ("registration_opens_at", "registration_closes_at"):
        value = getattr(event, name)
        naive[name] = to_zone(value, event.timezone).replace(tzinfo=None) if value else None
    return naive


def time_zone_label(zone: str) -> str:
    """«Москва (МСК)» for Europe/Moscow; a zone we do not name, as it is."""
    return str(TIME_ZONE_LABELS.get(zone, zone))


def event_city(event: Event, language: str) -> str:
    """The event's city in `language`: its English name if the organizers gave one, or else, for a regional centre,
    the reference data's («Москва»: «Moscow»)."""
    city = event.localized("city", language).strip()
    if city and language == "en" and not (event.city_en or "").strip():
        return _capitals_en().get(city) or city
    return city


def _capitals_en() -> dict[str, str]:
    """The regional centres' English names by their Russian ones, read once a request (a list of events names a
    city each; the reference data may be edited, so not once a process)."""
    if "capitals_en" not in g:
        g.capitals_en = dict(db.session.execute(select(FederalSubject.capital_ru, FederalSubject.capital_en)).all())
    return g.capitals_en
