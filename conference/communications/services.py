"""What the communications capability does: an organizer's letter to a group of participants, written once in
Russian and English, sent to each recipient in their language as a letter of the outbox, with its progress and
history.

A draft names its recipients by the participant list's filters (or a selection) and counts them anew each time;
confirming it freezes the list, and a job queues one letter per recipient. The queuing may be cut short (a worker
killed) and run again: the outbox holds at most one letter of a mailing per participant
(uq_letter_mailing_participant), so nobody gets it twice."""

import dataclasses
import re

from flask import url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from conference import tokens
from conference.agenda.models import SignupStatus
from conference.agenda.services import personal_calendar, signups_of
from conference.events.services import event_city
from conference.extensions import db
from conference.i18n import date_range
from conference.jobs import enqueue_after_commit
from conference.mail.models import Letter, LetterStatus
from conference.mail.services import Draft, letter_kind, queue_letter
from conference.registration.models import Participant, RegistrationStatus
from conference.registration.services import (
    ParticipantFilter,
    confirmation_attachments,
    filtered_query,
    self_service_url,
)
from conference.timeutil import utcnow

from . import certificates
from .models import Mailing

# What a letter's text may name, in braces, and what each becomes for its recipient.
# Those of every letter, a group letter's and the event's own texts of the system's letters alike (common_values
# and the link).
PLACEHOLDERS = {
    "name": _l("the name and patronymic («Анна Петровна»)"),
    "link": _l("the private link to their registration"),
    "title": _l("the event's title"),
    "dates": _l("the event's dates"),
    "venue": _l("the event's city and venue"),
}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
URL = re.compile(r"https?://[^\s<>\"']+")
CHUNK = 500  # letters queued per transaction


class AlreadySent(Exception):
    """The mailing was sent already: sending it again is refused."""


class RecipientsChanged(Exception):
    """The list counted now is not the one the organizer confirmed: they are shown the new count."""

    def __init__(self, count: int):
        super().__init__(count)
        self.count = count


def unknown_placeholders(text: str) -> list[str]:
    return sorted({name for name in PLACEHOLDER.findall(text or "") if name not in PLACEHOLDERS})


def criteria_of(mailing: Mailing) -> ParticipantFilter:
    return ParticipantFilter(**{field.name: mailing.filters[field.name]
                                for field in dataclasses.fields(ParticipantFilter) if field.name in mailing.filters})


def set_recipients(mailing: Mailing, criteria: ParticipantFilter, participant_ids: list[int] | None) -> None:
    """The list's filters, or a selection in it (its ids)."""
    mailing.filters = dataclasses.asdict(criteria)
    mailing.participant_ids = sorted(set(participant_ids)) if participant_ids else None


def recipients_query(mailing: Mailing):
    """The recipients: the selection (or, once sent, the list frozen then), or whoever the filters find; never an
    erased registration (it keeps no address)."""
    if mailing.participant_ids is not None:
        # The ids written into the statement (they are integers), not bound one by one: a list of 70,000 would
        # exceed the bound parameters SQLite (32,766) and PostgreSQL (65,535) take in one statement.
        chosen = bindparam("chosen", [int(id_) for id_ in mailing.participant_ids], expanding=True,
                           literal_execute=True)
        query = select(Participant).where(Participant.event_id == mailing.event_id,
                                          Participant.id.in_(chosen)).order_by(Participant.id)
    else:
        query = filtered_query(mailing.event, criteria_of(mailing))
    if mailing.is_news:
        query = query.where(Participant.news_opt_out_at.is_(None))
    return query.where(Participant.erased_at.is_(None))


def recipient_ids(mailing: Mailing) -> list[int]:
    return list(db.session.scalars(recipients_query(mailing).with_only_columns(Participant.id)))


def count_recipients(mailing: Mailing) -> int:
    return db.session.scalar(select(func.count()).select_from(recipients_query(mailing).order_by(None).subquery()))


def recipient(mailing: Mailing, participant_id: int | None) -> Participant | None:
    """One of the recipients, by id (None if that participant is not one)."""
    if not participant_id:
        return None
    return db.session.scalar(recipients_query(mailing).where(Participant.id == participant_id))


def some_recipients(mailing: Mailing, limit: int = 200) -> list[Participant]:
    """For choosing whose letter to preview."""
    return list(db.session.scalars(recipients_query(mailing).limit(limit)))


# ---- writing one letter ----------------------------------------------------------------------------------

def written(mailing: Mailing, participant: Participant, sample: bool = False) -> tuple[str, str, Markup]:
    """The subject, text and HTML the participant gets, in their language. A sample for the organizer (the
    preview, a test letter) shows where the private link goes, never the participant's link itself."""
    # The words of the text used, in its language: an English recipient of a letter with no English text reads
    # the Russian one, its dates in Russian too.
    language = "en" if participant.language == "en" and (mailing.body_en or "").strip() else "ru"
    with force_locale(language):
        values = dict(common_values(participant, mailing.event, language),
                      link=str(_l("(the participant's private link)")) if sample else self_service_url(participant))
    text = fill(mailing.localized("body", language), values)
    return " ".join(fill(mailing.localized("subject", participant.language), values).split()), text, as_html(text)


def common_values(participant: Participant | None, event, language: str) -> dict[str, str]:
    """The placeholders every letter may use (but the link, which a sample names rather than gives), in
    `language`; called under its locale."""
    return {
        "name": " ".join(part for part in (participant.first_name, participant.patronymic) if part)
        if participant else "",
        "title": event.display_title(language),
        "dates": date_range(event.starts_on, event.ends_on),
        "venue": ", ".join(part for part in (event_city(event, language), event.localized("venue", language))
                           if part),
    }


def fill(text: str, values: dict[str, str]) -> str:
    """The text with each known {placeholder} replaced; an unknown one is left as written."""
    return PLACEHOLDER.sub(lambda match: values.get(match[1], match[0]), text)


def as_html(text: str) -> Markup:
    """Paragraphs for blank lines, line breaks for the others, addresses as links; everything else escaped."""
    def linked(line: str) -> str:
        pieces, last = [], 0
        for match in URL.finditer(line):
            pieces += [escape(line[last:match.start()]), Markup('<a href="{0}">{0}</a>').format(match[0])]
            last = match.end()
        pieces.append(escape(line[last:]))
        return Markup("").join(pieces)

    paragraphs = [paragraph for paragraph in re.split(r"\n\s*\n", text.strip()) if paragraph.strip()]
    return Markup("\n").join(Markup("<p>{}</p>").format(Markup("<br>").join(linked(line) for line in
                                                                             paragraph.split("\n")))
                             for paragraph in paragraphs)


@letter_kind("mailing")
def mailing_letter(mailing: int, participant: int | None = None, sample_of: int | None = None) -> Draft | None:
    """A recipient's letter, or (`sample_of`) a test letter to the organizer showing that recipient's. (A test
    letter names its participant apart: the outbox drops a letter whose `participant` has no registration.)"""
    test = sample_of is not None
    held, holder = db.session.get(Mailing, mailing), db.session.get(Participant, sample_of or participant)
    if held is None or holder is None or holder.erased_at is not None:
        return None
    if held.is_news and holder.news_opt_out_at is not None and not test:
        return None  # unsubscribed since the letter was queued
    confirmed = holder.status == RegistrationStatus.CONFIRMED
    if held.purpose == "reminder" and not confirmed and not test:
        return None  # cancelled (or declined) since the reminder's list was made: nothing to remind of
    subject, text, html = written(held, holder, sample=test)
    attachments = []
    if held.attach_badge and confirmed and not test:  # (a badge is issued to the confirmed alone)
        attachments += [attachment for _, attachment in confirmation_attachments.send(holder) if attachment]
    if held.attach_calendar and not test and any(signup.status == SignupStatus.REGISTERED
                                                 for signup in signups_of(holder).values()):
        attachments.append((f"{held.event.slug}-my-sessions.ics", "text/calendar",
                            personal_calendar(holder, holder.language)))
    if held.attach_certificate and not test and certificates.attended(holder):
        attachments.append((f"certificate-{held.event.slug}.pdf", "application/pdf",
                            certificates.render_certificates([holder])))
    context = {"text": text, "html": html, "event": held.event, "unsubscribe": None}
    if held.is_news:
        context["unsubscribe"] = str(_l("(the link to unsubscribe)")) if test else unsubscribe_url(holder)
    if not test:  # (the outbox drops a letter with a link whose participant's address has changed since)
        context.update(participant=holder, link=True)
    if test:
        subject = str(_l("[Test] %(subject)s", subject=subject))
    return Draft(subject=subject, template="communications/letter",
                 context=context, attachments=tuple(attachments))


# ---- news, and unsubscribing from it ------------------------------------------------------------------------

NEWS = "news"  # the purpose of the links that unsubscribe a participant from an event's news


def unsubscribe_url(participant: Participant) -> str:
    return url_for("communications_public.news", token=tokens.sign(NEWS, {"p": participant.id}), _external=True)


def participant_from_news_token(token: str) -> Participant | None:
    """The participant an unsubscribe link names. It does not expire: a reminder read a year later still
    unsubscribes. Raises tokens.InvalidToken for a tampered link."""
    payload = tokens.unsign(NEWS, token, None)
    participant_id = payload.get("p") if isinstance(payload, dict) else None
    participant = db.session.get(Participant, participant_id) if isinstance(participant_id, int) else None
    return participant if participant is not None and participant.erased_at is None else None


def set_news(participant: Participant, wanted: bool) -> None:
    participant.news_opt_out_at = None if wanted else (participant.news_opt_out_at or utcnow())


def send_test(mailing: Mailing, participant: Participant, to: str) -> None:
    """The letter as `participant` will get it (in their language), to the organizer's own address."""
    queue_letter("mailing", to, participant.language, event_id=mailing.event_id, mailing=mailing.id,
                 sample_of=participant.id)


# ---- sending to the group --------------------------------------------------------------------------------

def confirm_sending(mailing: Mailing, confirmed_count: int) -> None:
    """The organizer's «send to N participants»: the list is frozen as counted now, if it is still N; the job
    queues the letters once this commits."""
    from .tasks import queue_mailing  # (tasks imports this module)

    if mailing.sent_at is not None:
        raise AlreadySent()
    ids = recipient_ids(mailing)
    if len(ids) != confirmed_count:
        raise RecipientsChanged(len(ids))
    mailing.participant_ids, mailing.recipients, mailing.sent_at = ids, len(ids), utcnow()
    enqueue_after_commit(queue_mailing, mailing.id)


def queue_letters(mailing_id: int) -> int:
    """One letter per recipient not yet given one, CHUNK at a time, each chunk committed (and sent) on its own.
    Run again after an interruption, it queues only those left; two runs at once cannot both queue one letter."""
    mailing = db.session.get(Mailing, mailing_id)
    if mailing is None or mailing.sent_at is None:
        return 0
    queued = 0
    while mailing.all_queued_at is None:
        have = select(Letter.participant_id).where(Letter.mailing_id == mailing.id, Letter.participant_id.is_not(None))
        left = db.session.execute(
            recipients_query(mailing).where(Participant.id.not_in(have))
            .with_only_columns(Participant.id, Participant.email, Participant.language).limit(CHUNK)).all()
        if not left:  # (a recipient erased or unsubscribed since the list was frozen is left out)
            mailing.all_queued_at = utcnow()
            db.session.commit()
            break
        for participant_id, email, language in left:
            queue_letter("mailing", email, language, event_id=mailing.event_id, participant_id=participant_id,
                         mailing_id=mailing.id, mailing=mailing.id, participant=participant_id)
        try:
            db.session.flush()
        except IntegrityError:  # another run queued some of these meanwhile: count again
            db.session.rollback()
            mailing = db.session.get(Mailing, mailing_id)
            continue
        queued += len(left)
        db.session.commit()
    return queued


def unfinished() -> list[int]:
    """Mailings confirmed whose letters are not all queued (a job cut short): the periodic run finishes them."""
    return list(db.session.scalars(select(Mailing.id).where(Mailing.sent_at.is_not(None),
                                                            Mailing.all_queued_at.is_(None))))


def progress(mailing: Mailing) -> dict[str, int]:
    """How the mailing's letters stand (test letters are not its letters: they carry no mailing_id)."""
    rows = db.session.execute(select(Letter.status, func.count()).where(Letter.mailing_id == mailing.id)
                              .group_by(Letter.status))
    return dict(rows.all())


def letters_of(mailing: Mailing, status: str = "", limit: int = 1000) -> list[tuple[Letter, Participant | None]]:
    """The mailing's letters (of one status), with their recipients, the first `limit` of them."""
    query = (select(Letter, Participant).outerjoin(Participant, Participant.id == Letter.participant_id)
             .where(Letter.mailing_id == mailing.id).order_by(Letter.id).limit(limit))
    return list(db.session.execute(query.where(Letter.status == status) if status else query).all())


def mailings_of(event_id: int) -> list[Mailing]:
    return list(db.session.scalars(select(Mailing).where(Mailing.event_id == event_id)
                                   .order_by(Mailing.created_at.desc())))


def is_done(counts: dict[str, int], mailing: Mailing) -> bool:
    waiting = counts.get(LetterStatus.QUEUED, 0) + counts.get(LetterStatus.SENDING, 0)
    return mailing.all_queued_at is not None and not waiting
