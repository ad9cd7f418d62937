"""Email through a real SMTP server on loopback (aiosmtpd), and what happens when the server is down."""

import asyncio
import re
import socket
import threading
import time
from datetime import timedelta
from email import policy
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller
from markupsafe import Markup
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from conference.events.models import Event
from conference.extensions import db
from conference.mail.models import Letter
from conference.mail.services import LETTER_KINDS, Draft, letter_kind, queue_letter, send_due
from conference.registration.models import Participant
from conference.timeutil import utcnow

from .conftest import action, free_port, mail_text


class Inbox:
    def __init__(self):
        self.messages = []
        self.connections = []  # the client's address and port of each letter's connection
        self.hang_up_before = set()  # numbers of the letters (1, 2, …) the server answers «421» before taking
        self.unknown = set()  # addresses the server refuses (550)
        self.slow_letters = {}  # letter number (1, 2, …): seconds the server takes before it answers its text
        self.quits = 0

    def clear(self):
        self.messages.clear(), self.connections.clear()
        self.quits = 0

    async def handle_MAIL(self, server, session, envelope, address, options):  # noqa: N802 - aiosmtpd's hook
        if len(self.messages) + 1 in self.hang_up_before:
            self.hang_up_before.discard(len(self.messages) + 1)
            return "421 Too many messages on this connection, closing"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802 - aiosmtpd's hook
        if address in self.unknown:
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope)
        self.connections.append(session.peer)
        await asyncio.sleep(self.slow_letters.get(len(self.messages), 0))
        return "250 Message accepted for delivery"

    async def handle_QUIT(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.quits += 1
        return "221 Bye"



@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def app_config(app_config, smtp_server):
    controller, _ = smtp_server
    return dict(app_config, MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port,
                MAIL_FROM="Промышленная Россия <noreply@example.org>")


def test_registration_mail_goes_through_smtp(client, event, form_data, smtp_server):
    _, inbox = smtp_server
    response = client.post(f"/events/{event.slug}/register", data=form_data())
    assert response.status_code == 302
    [envelope] = inbox.messages
    assert envelope.rcpt_tos == ["anna.sidorova@example.org"]
    assert b"Subject: =?utf-8?" in envelope.content  # the Russian subject is encoded, as mail clients expect
    message = BytesParser(policy=policy.default).parsebytes(envelope.content)
    assert message["Subject"] == f"Заявка получена: {event.title}"
    # The letter's link is signed a moment after the page's, so the two differ in their timestamp: open it.
    own_link = re.search(r"http://localhost(/my/[\w.\-]+)", mail_text(message)).group(1)
    assert "Сидорова Анна Петровна" in client.get(own_link).get_data(as_text=True)
    assert f'href="http://localhost{own_link}"' in message.get_body(preferencelist=("html",)).get_content()
    confirmation = client.get(response.location).get_data(as_text=True)
    assert "Мы отправили на адрес anna.sidorova@example.org письмо" in confirmation


def test_a_dead_mail_server_loses_no_registration(app, client, event, form_data):
    app.config["SMTP_PORT"] = free_port()  # nobody listens there
    response = client.post(f"/events/{event.slug}/register", data=form_data())
    assert response.status_code == 302
    with action(app):
        assert db.session.scalar(select(func.count()).select_from(Participant)) == 1
    page = client.get(response.location).get_data(as_text=True)
    assert "Сейчас не удалось отправить письмо" in page and "/my/" in page


def pending_ids(app, client, event, form_data, count=3) -> list[str]:
    """Registers p0@, p1@, … at an event with moderation: their ids, as the list's checkboxes send them."""
    for number in range(count):
        client.post(f"/events/{event.slug}/register", data=form_data(email=f"p{number}@example.org"))
    with action(app):
        return [str(pid) for pid in db.session.scalars(select(Participant.id))]


def approve(organizer_client, event, ids):
    return organizer_client.post(f"/manage/events/{event.slug}/participants/bulk",
                                 data={"action": "approve", "ids": ids})


def test_a_bulk_approval_sends_its_letters_over_one_connection(app, client, make_event, form_data, organizer_client,
                                                              smtp_server):
    _, inbox = smtp_server
    event = make_event(moderation=True, members=(organizer_client.email,))
    ids = pending_ids(app, client, event, form_data)
    assert len(set(inbox.connections)) == 3  # a request each: «registration received»
    inbox.clear()
    approve(organizer_client, event, ids)
    assert sorted(envelope.rcpt_tos[0] for envelope in inbox.messages) == [
        "p0@example.org", "p1@example.org", "p2@example.org"]
    assert len(set(inbox.connections)) == 1 and inbox.quits == 1  # closed with the request, politely
    assert all(b"Content-Type: application/pdf" in envelope.content for envelope in inbox.messages)  # the badges


def test_a_connection_the_server_closes_is_replaced_and_no_letter_lost(app, client, make_event, form_data,
                                                                       organizer_client, smtp_server):
    _, inbox = smtp_server
    event = make_event(moderation=True, members=(organizer_client.email,))
    ids = pending_ids(app, client, event, form_data)
    inbox.clear()
    inbox.hang_up_before = {2}  # a limit of one letter per connection, say
    approve(organizer_client, event, ids)
    assert len(inbox.messages) == 3 and len(set(envelope.rcpt_tos[0] for envelope in inbox.messages)) == 3
    assert len(set(inbox.connections)) == 2


def test_a_refused_address_fails_alone(app, client, make_event, form_data, organizer_client, smtp_server):
    _, inbox = smtp_server
    event = make_event(moderation=True, members=(organizer_client.email,))
    ids = pending_ids(app, client, event, form_data)
    inbox.clear()
    inbox.unknown = {"p1@example.org"}
    approve(organizer_client, event, ids)
    assert sorted(envelope.rcpt_tos[0] for envelope in inbox.messages) == ["p0@example.org", "p2@example.org"]
    assert len(set(inbox.connections)) == 1  # the connection stays open after a refusal
    with action(app):
        assert set(db.session.scalars(select(Participant.status))) == {"confirmed"}


def test_a_letter_left_without_an_answer_is_not_sent_twice(app, client, make_event, form_data, organizer_client,
                                                            smtp_server):
    _, inbox = smtp_server
    event = make_event(moderation=True, members=(organizer_client.email,))
    ids = pending_ids(app, client, event, form_data)
    inbox.clear()
    app.config["SMTP_TIMEOUT"] = 0.5
    inbox.slow_letters = {1: 1.5}  # the server takes the first letter, then answers after the client gave up
    approve(organizer_client, event, ids)
    time.sleep(1.5)
    assert sorted(envelope.rcpt_tos[0] for envelope in inbox.messages) == [
        "p0@example.org", "p1@example.org", "p2@example.org"]  # each once: the unanswered one may have arrived
    assert len(set(inbox.connections)) == 2  # the connection left waiting was given up, the rest went on a new one


def test_a_mail_server_that_is_down_is_tried_once_per_request(app, client, make_event, form_data, organizer_client,
                                                               smtp_server):
    event = make_event(moderation=True, members=(organizer_client.email,))
    ids = pending_ids(app, client, event, form_data)
    attempts = []
    with socket.create_server(("127.0.0.1", 0)) as listener:  # answers every connection by hanging up
        def hang_up():
            while True:
                try:
                    connection, _ = listener.accept()
                except OSError:
                    return
                attempts.append(1)
                connection.close()

        threading.Thread(target=hang_up, daemon=True).start()
        app.config["SMTP_PORT"] = listener.getsockname()[1]
        response = approve(organizer_client, event, ids)
    assert response.status_code == 302 and len(attempts) == 1  # not once per letter
    with action(app):
        assert set(db.session.scalars(select(Participant.status))) == {"confirmed"}


# ---- the outbox ----------------------------------------------------------------------------------------------

def letters(app) -> list[Letter]:
    with action(app):
        return list(db.session.scalars(select(Letter).options(selectinload(Letter.tries)).order_by(Letter.id)))


def test_letters_wait_for_a_mail_server_that_is_down_and_go_out_once_when_it_is_back(
        app, client, make_event, form_data, organizer_client):
    event = make_event(moderation=True, members=(organizer_client.email,))
    ids = pending_ids(app, client, event, form_data, count=20)
    port = free_port()  # nobody listens there yet
    app.config["SMTP_PORT"] = port
    response = approve(organizer_client, event, ids)
    page = organizer_client.get(response.location).get_data(as_text=True)
    assert "20 регистраций обновлено." in page and "20 писем поставлено в очередь" in page
    approvals = [letter for letter in letters(app) if letter.params["reason"] == "confirmed"]
    assert len(approvals) == 20 and {letter.status for letter in approvals} == {"queued"}
    assert all(letter.attempts == 1 and "MailServerUnreachable" in letter.last_answer for letter in approvals)
    assert all([attempt.outcome for attempt in letter.tries] == ["retry"] for letter in approvals)

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with action(app):  # a minute later, say
            db.session.execute(update(Letter).values(next_attempt_at=utcnow()))
            assert send_due() == {"sent": 20}
            assert send_due() == {}  # nothing twice
    finally:
        controller.stop()
    approved = sorted(envelope.rcpt_tos[0] for envelope in inbox.messages
                      if "подтверждена" in BytesParser(policy=policy.default).parsebytes(envelope.content)["Subject"])
    assert approved == sorted(f"p{number}@example.org" for number in range(20)) and len(inbox.messages) == 20
    for letter in letters(app):
        if letter.params["reason"] == "confirmed":
            assert letter.status == "sent" and [attempt.outcome for attempt in letter.tries] == ["retry", "sent"]


def test_a_letter_whose_retry_is_later_than_the_next_run_still_has_a_run_of_its_own(
        app, client, make_event, form_data, smtp_server):
    """Two letters waiting for their retries, the second later: the run that sends the first must leave a run for
    the second (before, it was left to the periodic run a minute later)."""
    from conference.jobs import queue

    _, inbox = smtp_server
    event = make_event(moderation=True)
    pending_ids(app, client, event, form_data, count=2)
    with action(app):
        first, second = db.session.scalars(select(Letter).order_by(Letter.id)).all()
        first.status = second.status = "queued"
        first.next_attempt_at, second.next_attempt_at = utcnow(), utcnow() + timedelta(seconds=40)
        db.session.commit()
        first_to, second_due = first.recipient, second.next_attempt_at
        queue.flush()  # no run is scheduled yet
        inbox.clear()
        assert send_due() == {"sent": 1}
        assert [envelope.rcpt_tos[0] for envelope in inbox.messages] == [first_to]
        [run] = queue.scheduled()
        assert run.name.endswith("send_letters")
        assert abs((run.eta - second_due.replace(tzinfo=None)).total_seconds()) < 1  # (huey: naive UTC)
        assert send_due() == {}  # a run with nothing due leaves nothing: the run above covers the second
        assert len(queue.scheduled()) == 1


def test_a_refused_letter_is_listed_with_the_answer_and_can_be_sent_again(
        app, client, make_event, form_data, organizer_client, smtp_server):
    _, inbox = smtp_server
    event = make_event(moderation=True, members=(organizer_client.email,))
    ids = pending_ids(app, client, event, form_data)
    inbox.clear()
    inbox.unknown = {"p1@example.org"}
    approve(organizer_client, event, ids)
    [failed] = [letter for letter in letters(app) if letter.status == "failed"]
    assert failed.recipient == "p1@example.org" and failed.last_answer == "550 No such user here"
    listing = organizer_client.get(f"/manage/events/{event.slug}/letters/?status=failed").get_data(as_text=True)
    assert "p1@example.org" in listing and "550 No such user here" in listing and "Отправить ещё раз" in listing
    assert "1 письмо не отправлено" in organizer_client.get(f"/manage/events/{event.slug}").get_data(as_text=True)

    inbox.unknown = set()  # the address put right at the mail server
    again = organizer_client.post(f"/manage/events/{event.slug}/letters/{failed.id}/again", follow_redirects=True)
    assert "Письмо на p1@example.org снова поставлено в очередь." in again.get_data(as_text=True)
    nothing_left = organizer_client.post(f"/manage/events/{event.slug}/letters/again", follow_redirects=True)
    assert "0 неотправленных писем снова поставлено в очередь." in nothing_left.get_data(as_text=True)
    assert [envelope.rcpt_tos[0] for envelope in inbox.messages][-1] == "p1@example.org"
    [resent] = [letter for letter in letters(app) if letter.id == failed.id]
    assert resent.status == "sent" and [attempt.outcome for attempt in resent.tries] == ["failed", "sent"]


def test_an_unanswered_letter_is_listed_as_failed_and_never_sent_again_by_itself(
        app, client, make_event, form_data, organizer_client, smtp_server):
    _, inbox = smtp_server
    event = make_event(moderation=True, members=(organizer_client.email,))
    ids = pending_ids(app, client, event, form_data)
    inbox.clear()
    app.config["SMTP_TIMEOUT"] = 0.5
    inbox.slow_letters = {1: 1.5}
    approve(organizer_client, event, ids)
    time.sleep(1.5)
    [unanswered] = [letter for letter in letters(app) if letter.status == "failed"]
    assert unanswered.last_answer.startswith("no answer once the letter was sent (it may have arrived)")
    with action(app):
        db.session.execute(update(Letter).values(next_attempt_at=utcnow() - timedelta(hours=1)))
        assert send_due() == {}
    assert len(inbox.messages) == 3


def test_a_worker_gone_mid_letter_leaves_it_queued_or_failed_by_whether_it_was_handed_over(
        app, client, event, form_data):
    client.post(f"/events/{event.slug}/register", data=form_data())
    client.post(f"/events/{event.slug}/register", data=form_data(email="second@example.org"))
    long_ago = utcnow() - timedelta(seconds=app.config["MAIL_SENDING_LEASE"] + 1)
    with action(app):
        first, second = db.session.scalars(select(Letter).order_by(Letter.id)).all()
        first.status, first.claimed_at, first.handed_at = "sending", long_ago, None  # killed while writing it
        second.status, second.claimed_at, second.handed_at = "sending", long_ago, long_ago  # killed in its DATA
    with action(app):
        assert send_due() == {"sent": 1}
    first, second = letters(app)
    assert first.status == "sent" and [attempt.outcome for attempt in first.tries] == ["sent", "interrupted", "sent"]
    assert second.status == "failed" and "may have arrived" in second.last_answer


def test_an_action_that_is_refused_queues_no_letter(app, client, make_event, form_data):
    event = make_event(capacity=1)
    client.post(f"/events/{event.slug}/register", data=form_data())
    before = letters(app)
    refused = client.post(f"/events/{event.slug}/register", data=form_data(email="second@example.org"))
    assert refused.status_code == 200 and "second@example.org" not in refused.get_data(as_text=True)
    assert len(letters(app)) == len(before) == 1


def test_a_letter_another_worker_took_over_while_its_batch_was_written_is_sent_by_that_worker_alone(
        app, event, smtp_server):
    """A run writes its whole batch before it hands the first letter over. Should the lease on a letter run out
    meanwhile and another worker claim it, the hand-over (conditional on this run's claim) leaves it to the other."""
    _, inbox = smtp_server
    taken_over = []

    @letter_kind("test_taken_over")
    def write(number: int) -> Draft:
        if number == 1:  # while the first is written, another worker claims the second (its own connection)
            with db.engine.begin() as other:
                other.execute(update(Letter).where(Letter.id == taken_over[0])
                              .values(claimed_at=utcnow() + timedelta(seconds=1), attempts=Letter.attempts + 1))
        text = f"Письмо {number}"
        return Draft(subject=text, template="communications/letter",
                     context={"text": text, "html": Markup(f"<p>{text}</p>"), "event": db.session.get(
                         Event, event.id), "unsubscribe": None})

    try:
        with action(app):  # (due later: the run its commit starts finds nothing to send)
            queued = [queue_letter("test_taken_over", f"{name}@example.org", "ru", event_id=event.id, number=number)
                      for number, name in ((1, "first"), (2, "second"))]
            for letter in queued:
                letter.next_attempt_at = utcnow() + timedelta(hours=1)
            db.session.flush()
            taken_over.append(queued[1].id)
        with action(app):
            db.session.execute(update(Letter).values(next_attempt_at=utcnow()))
            db.session.commit()
            assert send_due() == {"sent": 1}
    finally:
        LETTER_KINDS.pop("test_taken_over")
    assert [envelope.rcpt_tos for envelope in inbox.messages] == [["first@example.org"]]
    first, second = letters(app)
    assert first.status == "sent" and second.status == "sending" and second.handed_at is None
    assert second.attempts == 2 and second.tries == []  # the other worker's, to finish
