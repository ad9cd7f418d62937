"""The outbox: letters queued by the actions that cause them, sent after those commit, retried, accounted for.

Each kind of letter is written by its capability (`@letter_kind`): from the letter's params it gives the subject,
the template and what the template shows, in the letter's language; None when there is nobody left to write to."""

import logging
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import Select, case, event, func, insert, select, update

from conference.extensions import db
from conference.registration.models import Participant
from conference.timeutil import utcnow
from conference.transactions import after_commit, notes

from . import smtp
from .models import Letter, LetterAttempt, LetterStatus

log = logging.getLogger(__name__)

# An attempt that found the server unreachable or busy is tried again after MAIL_RETRY_SECONDS, then twice, four
# times … as long, at most an hour apart; after so many attempts the letter is given up (failed) and shown to the
# organizers.
MAX_ATTEMPTS = 8
MAX_DELAY = timedelta(hours=1)


@dataclass
class Draft:
    subject: str
    template: str  # templates/<template>.txt and .html
    context: dict
    attachments: tuple = ()  # (filename, mimetype, bytes)
    # A letter whose text the event's organizers may have written themselves (CUSTOM_TEXTS): its key there.
    custom_key: str | None = None


LETTER_KINDS: dict[str, Callable[..., Draft | None]] = {}
# Where an event's own texts for the system's letters are looked up (conference.communications.letter_texts): a
# function of (event_id, key, language, the draft's context) giving (subject, text, html), or None for the default.
CUSTOM_TEXTS: list[Callable[..., tuple[str, str, str] | None]] = []


def custom_text_source(find: Callable[..., tuple[str, str, str] | None]):
    CUSTOM_TEXTS.append(find)
    return find


def letter_kind(name: str):
    """Registers the function that writes letters of kind `name` from their params (called in the language)."""
    def register(write: Callable[..., Draft | None]):
        LETTER_KINDS[name] = write
        return write

    return register


def queue_letter(kind: str, to: str, language: str, *, event_id: int | None = None,
                 participant_id: int | None = None, mailing_id: int | None = None, **params) -> Letter:
    """A letter in the outbox, saved with the current action and sent once it is committed."""
    letter = Letter(kind=kind, recipient=to, language=language, event_id=event_id, participant_id=participant_id,
                    mailing_id=mailing_id, params=params, status=LetterStatus.QUEUED, next_attempt_at=utcnow())
    db.session.add(letter)
    _send_after_commit()
    return letter


def _send_after_commit() -> None:
    """Once per transaction, however many letters it queues: a job to send them, enqueued when it commits."""
    queued = notes().get("letters_queued", 0)
    notes()["letters_queued"] = queued + 1
    if not queued:
        after_commit(_send_soon)


def _send_soon() -> None:
    """(A queue that cannot be reached is logged by transactions.after_commit: the periodic run sends them.)"""
    from .tasks import send_letters  # (tasks imports this module)

    send_letters()


def queued_count() -> int:
    """Letters queued by the current action so far (for the page that says how many)."""
    return notes().get("letters_queued", 0)


# ---- sending ---------------------------------------------------------------------------------------------

# Letters a run claims (and writes) at once; each is still handed over on its own (see send_due). Small enough that
# its last letter is reached well within the lease (MAIL_SENDING_LEASE) even when every letter before it waits out
# SMTP_TIMEOUT.
BATCH = 20


def send_due(batch: int = BATCH) -> dict[str, int]:
    """Sends the letters that are due, over one connection to the mail server.

    A batch of letters is claimed in one statement (two workers never claim the same letter) and written, with
    the registrations they go to loaded in one query. Then letter by letter its hand-over is committed (together
    with the outcomes of the letters before it) and it goes to the server: a crash leaves at most the letter in
    hand unaccounted for, at one commit per letter. (Writing the whole batch before the first of those commits
    keeps what the letters share, a mailing and its event, loaded once: a commit expires every object the session
    holds.) A run that handled any letter leaves one run of the sender for when the first letter still queued is
    due: a letter whose retry was set by an earlier run is not left to the periodic safety net. Returns how many
    ended how."""
    recover_interrupted()
    outcomes: dict[str, int] = {}
    while claimed := _claim(batch):
        finished: list[dict] = []
        with _holding_what_is_loaded():
            db.session.scalars(select(Participant).where(Participant.id.in_(
                {letter.participant_id for letter in claimed if letter.participant_id}))).all()
            written = [(letter, _written(letter, finished)) for letter in claimed]
        for letter, message in written:
            if message is not None:
                _hand_over(letter, message, finished)
        _record(finished)
        db.session.commit()
        for letter in finished:
            outcomes[letter["outcome"]] = outcomes.get(letter["outcome"], 0) + 1
        db.session.expunge_all()  # a batch's objects need not stay in memory
    if outcomes:  # (a run that found nothing leaves nothing: the run that handled letters last covers them)
        _send_later()
    return outcomes


@contextmanager
def _holding_what_is_loaded():
    """Every object the session loads meanwhile is held until the end: the session's identity map holds objects
    weakly, and a mailing that no letter references once written would be loaded again for the next one."""
    held, session = [], db.session()

    def hold(_session, instance):
        held.append(instance)

    event.listen(session, "loaded_as_persistent", hold)
    try:
        yield
    finally:
        event.remove(session, "loaded_as_persistent", hold)


def _claim(batch: int) -> list:
    """The next due letters, taken by this worker (status «sending») and committed, in the order queued. On
    PostgreSQL a letter another worker is claiming is skipped rather than waited for; SQLite writes one at a
    time anyway."""
    now = utcnow()
    due = (select(Letter.id).where(Letter.status == LetterStatus.QUEUED, Letter.next_attempt_at <= now)
           .order_by(Letter.id).limit(batch).with_for_update(skip_locked=True))
    claimed = db.session.execute(
        update(Letter).where(Letter.id.in_(due.scalar_subquery()), Letter.status == LetterStatus.QUEUED)
        .values(status=LetterStatus.SENDING, claimed_at=now, handed_at=None, attempts=Letter.attempts + 1)
        .returning(Letter.id, Letter.kind, Letter.recipient, Letter.language, Letter.event_id,
                   Letter.participant_id, Letter.params, Letter.attempts, Letter.claimed_at)
        .execution_options(synchronize_session=False)).all()
    db.session.commit()
    return sorted(claimed, key=lambda letter: letter.id)


def _written(letter, finished: list[dict]) -> tuple | None:
    """The claimed letter's message; None (its outcome added to `finished`) when it cannot be written or there is
    nobody left to write to."""
    try:
        message = _write(letter)
    except Exception as error:  # noqa: BLE001 - a letter that cannot be written is reported, not retried forever
        log.exception("could not write letter %s", letter.id)
        db.session.rollback()
        _finished(finished, letter, LetterStatus.FAILED, f"{type(error).__name__}: {error}")
        return None
    if message is None:
        _finished(finished, letter, LetterStatus.DROPPED, "")
    return message


def _hand_over(letter, message: tuple, finished: list[dict]) -> None:
    """The hand-over committed, the letter handed to the mail server, its outcome added to `finished` (nothing when
    its lease ran out and another worker has taken it since)."""
    _record(finished)
    letters = Letter.__table__  # (the letter's state is written as rows, without the ORM's bookkeeping per letter)
    handed = db.session.connection().execute(
        update(letters).where(letters.c.id == letter.id, letters.c.status == LetterStatus.SENDING,
                              letters.c.claimed_at == letter.claimed_at, letters.c.handed_at.is_(None))
        .values(handed_at=utcnow(), subject=message[1][:300]))
    db.session.commit()  # from now on it may arrive: after a crash it is never sent again by itself
    if handed.rowcount != 1:
        return
    try:
        smtp.send_mail(*message)
    except Exception as error:  # noqa: BLE001 - SMTP errors come in many classes: failure_kind sorts them
        kind, answer = smtp.failure_kind(error), smtp.server_answer(error)
        log.warning("letter %s to %s: %s (%s)", letter.id, letter.recipient, answer, kind)
        if kind == "retry" and letter.attempts < MAX_ATTEMPTS:
            _finished(finished, letter, LetterStatus.QUEUED, answer, outcome="retry",
                      next_attempt_at=utcnow() + retry_delay(letter.attempts))
            return
        if kind == "unknown":
            answer = f"no answer once the letter was sent (it may have arrived): {answer}"
        _finished(finished, letter, LetterStatus.FAILED, answer)
        return
    _finished(finished, letter, LetterStatus.SENT, "", sent_at=utcnow())


def _finished(finished: list[dict], letter, status: str, answer: str, outcome: str | None = None,
              **values) -> None:
    """Notes how the letter ended, to be saved by _record with the next commit."""
    finished.append({"id": letter.id, "status": status, "last_answer": answer, "started_at": letter.claimed_at,
                     "outcome": outcome or status, **values})


def _record(finished: list[dict]) -> None:
    """Saves the outcomes noted since the last call (each letter's state and its attempt) in the current
    transaction."""
    unsaved = [letter for letter in finished if not letter.get("saved")]
    letters = Letter.__table__
    for letter in unsaved:
        letter["saved"] = True
        db.session.connection().execute(update(letters).where(letters.c.id == letter["id"]).values(
            {key: value for key, value in letter.items() if key not in ("id", "started_at", "outcome", "saved")}))
    if unsaved:
        db.session.connection().execute(insert(LetterAttempt.__table__), [
            {"letter_id": letter["id"], "started_at": letter["started_at"], "outcome": letter["outcome"],
             "answer": letter["last_answer"]} for letter in unsaved])


def retry_delay(attempts: int) -> timedelta:
    return min(timedelta(seconds=current_app.config["MAIL_RETRY_SECONDS"] * 2 ** (attempts - 1)), MAX_DELAY)


def _send_later() -> None:
    """A run of the sender when the first queued letter is due (the periodic run each minute is only the safety
    net)."""
    from .tasks import send_letters

    first = db.session.scalar(select(func.min(Letter.next_attempt_at)).where(Letter.status == LetterStatus.QUEUED))
    if first is not None:
        send_letters.schedule(delay=max((first - utcnow()).total_seconds(), 0.1))


def _write(letter: Letter) -> tuple | None:
    """(to, subject, text, html, attachments), or None when there is nobody left to write to."""
    write = LETTER_KINDS[letter.kind]
    if letter.participant_id is None and "participant" in letter.params:
        return None  # its registration was deleted (an id of SQLite's may since belong to somebody else)
    with force_locale(letter.language):
        draft = write(**letter.params)
        if draft is None:
            return None
        holder = draft.context.get("participant")
        if draft.context.get("link") and holder is not None and holder.email != letter.recipient:
            return None  # the address was changed since: the private link must not go to the old one
        return letter.recipient, *rendered(draft, letter.event_id, letter.language), draft.attachments


def rendered(draft: Draft, event_id: int | None, language: str) -> tuple[str, str, str]:
    """The draft's subject, text and HTML: the event's own words for this letter if its organizers wrote them
    (CUSTOM_TEXTS), else its templates'. Called under the letter's locale."""
    custom = next((written for find in CUSTOM_TEXTS if draft.custom_key and event_id
                   and (written := find(event_id, draft.custom_key, language, draft.context))), None)
    if custom is not None:
        return custom
    return (draft.subject, render_template(f"{draft.template}.txt", **draft.context),
            render_template(f"{draft.template}.html", **draft.context))


def recover_interrupted() -> None:
    """Letters a worker took and never finished (it was killed, or its machine went down): one that had not been
    handed over yet is queued again; one that had may have arrived, and is shown as failed for an organizer to
    decide. A worker is given MAIL_SENDING_LEASE seconds from its claim before it counts as gone (a batch's last
    letter is handed over seconds after the claim: see BATCH)."""
    stale = utcnow() - timedelta(seconds=current_app.config["MAIL_SENDING_LEASE"])
    interrupted = db.session.scalars(select(Letter).where(Letter.status == LetterStatus.SENDING,
                                                          Letter.claimed_at < stale))
    for letter in interrupted.all():
        if letter.handed_at is None:
            letter.status = LetterStatus.QUEUED
            db.session.add(LetterAttempt(letter_id=letter.id, started_at=letter.claimed_at, outcome="interrupted",
                                         answer="interrupted before it was handed over"))
        else:
            letter.status = LetterStatus.FAILED
            letter.last_answer = "interrupted while handing over: it may have arrived"
            db.session.add(LetterAttempt(letter_id=letter.id, started_at=letter.claimed_at,
                                         outcome=LetterStatus.FAILED, answer=letter.last_answer))
    db.session.commit()


def forget_participants(participant_ids: list[int] | Select) -> None:
    """Erasure (conference.privacy): letters still queued to these registrations never leave (their address is
    erased now), and the outbox keeps of every letter its kind, date and outcome, not the address."""
    queued = Letter.status == LetterStatus.QUEUED
    db.session.execute(update(Letter).where(Letter.participant_id.in_(participant_ids)).values(
        recipient="", status=case((queued, LetterStatus.DROPPED.value), else_=Letter.status),
        last_answer=case((queued, "personal data erased"), else_=Letter.last_answer))
        .execution_options(synchronize_session=False))  # one pass over the letters, however many


def forget_recipients(kind: str) -> None:
    """Letters of this kind that have left (or will never leave) keep no address: those that go to an address whose
    registration is erased (conference.privacy)."""
    db.session.execute(update(Letter).where(Letter.kind == kind, Letter.recipient != "",
                                            Letter.status.in_((LetterStatus.SENT, LetterStatus.DROPPED)))
                       .values(recipient="").execution_options(synchronize_session=False))


# ---- the organizers' view --------------------------------------------------------------------------------

def letters_of(event_id: int, status: str = "", limit: int = 500) -> list[Letter]:
    query = select(Letter).where(Letter.event_id == event_id).order_by(Letter.id.desc()).limit(limit)
    if status:
        query = query.where(Letter.status == status)
    return list(db.session.scalars(query))


def status_counts(event_id: int) -> dict[str, int]:
    rows = db.session.execute(select(Letter.status, func.count()).where(Letter.event_id == event_id)
                              .group_by(Letter.status))
    return dict(rows.all())


def letters_to(participant_id: int) -> list[Letter]:
    """Every letter to this participant, the latest first (their page's history)."""
    return list(db.session.scalars(select(Letter).where(Letter.participant_id == participant_id)
                                   .order_by(Letter.id.desc())))


def latest_letter(participant_id: int, kind: str) -> Letter | None:
    """The latest letter of this kind to this participant."""
    return db.session.scalar(select(Letter).where(Letter.participant_id == participant_id, Letter.kind == kind)
                             .order_by(Letter.id.desc()).limit(1))


def send_all_failed_again(event_id: int) -> int:
    """After a long outage of the mail server: every failed letter of the event queued anew, but those that may
    have arrived (their text went out without an answer), which an organizer decides one by one."""
    failed = db.session.scalars(select(Letter).where(Letter.event_id == event_id, Letter.status == LetterStatus.FAILED,
                                                     ~Letter.last_answer.contains("may have arrived"))).all()
    return sum(send_again(letter) for letter in failed)


def send_again(letter: Letter) -> bool:
    """An organizer's «send again» for a failed letter: queued anew, its earlier attempts kept."""
    if letter.status != LetterStatus.FAILED:
        return False
    letter.status, letter.next_attempt_at, letter.handed_at, letter.attempts = LetterStatus.QUEUED, utcnow(), None, 0
    _send_after_commit()
    return True
