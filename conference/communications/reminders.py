"""Reminders: a letter to the confirmed participants so many days before the event (Event.reminder_days), with the
badge and the personal calendar, sent once by the periodic run: a mailing of its own («reminder»), news that an
unsubscribed participant does not get, its progress and history on its page like any other."""

from datetime import datetime, time, timedelta

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from conference.events.models import Event
from conference.extensions import db
from conference.i18n import date_range
from conference.registration.models import RegistrationStatus
from conference.registration.services import ParticipantFilter
from conference.timeutil import local_to_utc, utcnow

from . import services
from .models import Mailing

SENT_AT = time(10)  # the reminder leaves at 10:00 where the event takes place

SUBJECT = _l("Reminder: «%(title)s», %(dates)s")
TEXT = _l("Hello, {name}!\n\nThis is a reminder: «%(title)s» takes place {dates}, {venue}. Your badge is attached; "
          "print it or keep it on your phone, and take it to the entrance. The sessions you hold a seat at are in the "
          "attached calendar.\n\nYour registration: {link}")


def due_at(event: Event) -> datetime:
    day = event.starts_on - timedelta(days=event.reminder_days)
    return local_to_utc(datetime.combine(day, SENT_AT), event.timezone)


def send_due_reminders(now: datetime | None = None) -> int:
    """Every reminder that is due and not sent yet (an event that starts before it would have been due, too: a
    setting made late still reminds). Each event's is claimed by a conditional update, so that two runs never send
    it twice."""
    now = now or utcnow()
    sent = 0
    for event in db.session.scalars(select(Event).where(Event.reminder_days.is_not(None),
                                                        Event.reminder_sent_at.is_(None))).all():
        starts = local_to_utc(datetime.combine(event.starts_on, time()), event.timezone)
        if not (due_at(event) <= now < starts):
            continue
        claimed = db.session.execute(update(Event).where(Event.id == event.id, Event.reminder_sent_at.is_(None))
                                     .values(reminder_sent_at=now).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            continue  # another run has it
        mailing = reminder_of(event)
        db.session.add(mailing)
        db.session.flush()
        services.confirm_sending(mailing, services.count_recipients(mailing))
        db.session.commit()
        sent += 1
    return sent


def reminder_of(event: Event) -> Mailing:
    texts = {}
    for language in ("ru", "en"):
        with force_locale(language):
            title = event.display_title(language)
            texts[language] = (str(SUBJECT) % {"title": title, "dates": date_range(event.starts_on, event.ends_on)},
                               str(TEXT) % {"title": title})
    mailing = Mailing(event_id=event.id, event=event, purpose="reminder", is_news=True, attach_badge=True,
                      attach_calendar=True, subject=texts["ru"][0], body=texts["ru"][1], subject_en=texts["en"][0],
                      body_en=texts["en"][1])
    services.set_recipients(mailing, ParticipantFilter(status=RegistrationStatus.CONFIRMED.value), None)
    return mailing
