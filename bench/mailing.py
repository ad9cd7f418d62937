"""A letter to a group of 20,000: how long the job takes to queue its letters, then how many letters a second the
sender hands to a mail server and how much memory the worker needs, beside a baseline measured in the same run: a
bare smtplib loop that builds and sends the same letters (subject, text and HTML, one per recipient with their name)
over one connection to the same sink.

The mail server is an aiosmtpd sink in a thread on loopback that takes every letter. The sender is send_due() in an
app context, as the job runs it (one SMTP connection, each letter claimed, written from its mailing, handed over and
its outcome committed). Memory: how far the process's resident size rises above where it stood when the sending
began, sampled every 50 ms while it runs, for a letter to 2,000 and then to all 20,000: flat means the second rises
no more than the first (tracemalloc would slow the sending it measures several times over). Targets: at least 100
letters a second, memory flat.

    .venv/bin/python bench/mailing.py [--participants 20000] [--database-url postgresql://...]
"""

import argparse
import os
import smtplib
import tempfile
import threading
import time
from email.message import EmailMessage
from pathlib import Path

from common import bench_app, bench_event, database_kind, scratch_database
from servers import free_port, machine_load
from sqlalchemy import select

from conference.communications import services
from conference.communications.models import Mailing
from conference.extensions import db
from conference.mail.services import send_due
from conference.registration.models import Participant
from conference.registration.services import ParticipantFilter

TEXT = "Здравствуйте, {name}!\n\nНапоминаем: конференция пройдёт {dates}, {venue}.\n\nВаша регистрация: {link}"


class Sink:
    def __init__(self):
        self.letters = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self.lock:
            self.letters += 1
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""),
                        help="a PostgreSQL server: the bench creates its own database there and drops it after")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-mailing-"))
    with scratch_database(args.database_url, folder, "bench_mailing") as database_url:
        run(args, database_url)


def mailing_to(event, ids: list[int]) -> int:
    """A confirmed letter to these participants, its letters queued as the job queues them; the seconds that took."""
    mailing = Mailing(event_id=event.id, event=event, subject="Напоминание участникам", body=TEXT)
    services.set_recipients(mailing, ParticipantFilter(), ids)
    db.session.add(mailing)
    db.session.flush()
    mailing.participant_ids, mailing.recipients = ids, len(ids)
    mailing.sent_at = event.created_at
    db.session.commit()
    started = time.perf_counter()
    queued = services.queue_letters(mailing.id)
    seconds = time.perf_counter() - started
    assert queued == len(ids), queued
    return seconds


def sent(app, sink: Sink, count: int, label: str) -> None:
    before = sink.letters
    start_rss, peak, done = rss(), [0.0], threading.Event()

    def sample():
        while not done.wait(0.05):
            peak[0] = max(peak[0], rss() - start_rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with app.app_context():
        started = time.perf_counter()
        outcomes = send_due()
        seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    assert outcomes == {"sent": count} and sink.letters - before == count, (outcomes, sink.letters - before)
    print(f"{label:<34} {count:6d} letters in {seconds:7.2f} s: {count / seconds:7.1f} letters/s, "
          f"resident size rose by at most {peak[0]:5.1f} MiB (from {start_rss:.0f} MiB)", flush=True)


def rss() -> float:
    """The process's resident size now, in MiB (Linux)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def bare_loop(port: int, sink: Sink, sender: str, people: list[tuple[str, str]]) -> None:
    """The baseline: the same letters (from the same sender) built with the standard library and sent over one
    connection."""
    before = sink.letters
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as connection:
        for email, name in people:
            text = TEXT.replace("{name}", name)
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = sender, email, "Напоминание участникам"
            message.set_content(text)
            message.add_alternative("<p>" + text.replace("\n", "<br>") + "</p>", subtype="html")
            connection.send_message(message)
    seconds = time.perf_counter() - started
    count = sink.letters - before
    assert count == len(people)
    print(f"{'baseline: bare smtplib loop':<34} {count:6d} letters in {seconds:7.2f} s: {count / seconds:7.1f} "
          f"letters/s", flush=True)


def run(args, database_url: str) -> None:
    from aiosmtpd.controller import Controller

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    app = bench_app(database_url)
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
    try:
        with app.app_context():
            started = time.perf_counter()
            event = bench_event(args.participants, status="confirmed")
            people = db.session.execute(select(Participant.id, Participant.email, Participant.first_name)
                                        .where(Participant.event_id == event.id).order_by(Participant.id)).all()
            print(f"loaded {len(people)} confirmed registrations in {time.perf_counter() - started:.1f} s "
                  f"({database_kind(database_url)}); {machine_load()}", flush=True)
            ids = [person.id for person in people]
            small = min(2_000, len(ids))
            print(f"\nqueuing (the job): {small} letters in {mailing_to(event, ids[:small]):.2f} s")
        print("\nsending (send_due, one SMTP connection, to an aiosmtpd sink in a thread):")
        sent(app, sink, small, f"a letter to {small}")
        with app.app_context():
            event = db.session.merge(event)
            print(f"queuing (the job): {len(ids)} letters in {mailing_to(event, ids):.2f} s")
        sent(app, sink, len(ids), f"a letter to {len(ids)}")
        bare_loop(controller.port, sink, app.config["MAIL_FROM"],
                  [(person.email, person.first_name) for person in people])
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
