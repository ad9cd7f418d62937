"""The outbox under a bulk approval: how long the organizer waits for 500 registrations approved, and how many
letters a second the sender then hands to a mail server, each beside a baseline measured in the same run.

1. The organizer's bulk approval, as the participant list sends it (POST /manage/events/bench/participants/bulk,
   action=approve, 500 ids), through the Flask test client, logged in: 500 registrations confirmed, their badges issued
   (their QR pictures drawn by a job later), 500 letters queued, all in the request's one transaction, and the job that
   sends them queued once it commits (the job queue is a SQLite file in a temporary folder; no consumer runs, so nothing
   is sent meanwhile). Each round approves 500 other pending registrations; beside it, in the same round: a bare Flask
   route taking the same form (the floor), and the same request again, when the 500 are confirmed already (what the page
   costs with nothing to change). Then one bulk «reject» of 500 more, for the letters below.
2. The sender: send_due() in an app context, as the job runs it, with MAIL_BACKEND=smtp, to an SMTP sink (aiosmtpd
   in a thread on loopback, which takes every letter): letters a second for the 500 «rejected» letters (no
   attachment: the floor of writing a letter and handing it over), then for the first round's 500 confirmation
   letters, each of which renders its holder's A6 badge and attaches it. (The other rounds' letters are put off
   so that each sending measures 500.)

Budget: the bulk approval of 500 answered within 1 s, with all 500 letters queued.

    .venv/bin/python bench/outbox.py [--batch 500] [--rounds 3] [--database-url postgresql://...]
"""

import argparse
import os
import statistics
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

from common import bench_app, bench_event, database_kind, scratch_database
from flask import Flask, redirect, request
from servers import free_port, machine_load
from sqlalchemy import func, select, update

from conference.accounts.services import create_user
from conference.badges.models import Badge
from conference.extensions import db
from conference.mail.models import Letter
from conference.mail.services import send_due
from conference.registration.models import Participant
from conference.timeutil import utcnow

BULK = "/manage/events/bench/participants/bulk"
PASSWORD = "bench-password"


class Sink:
    """An SMTP server that takes every letter and counts it (and the ones with a PDF attached)."""

    def __init__(self):
        self.letters = self.with_pdf = 0
        self.bytes = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self.lock:
            self.letters += 1
            self.bytes += len(envelope.content)
            self.with_pdf += b"application/pdf" in envelope.content
        return "250 OK"


def bare_app() -> Flask:
    """The floor: Flask parsing the same form and answering with the same redirect, nothing else."""
    app = Flask("bare")

    @app.post(BULK)
    def bulk():
        ids = [int(value) for value in request.form.getlist("ids") if value.isdigit()]
        return redirect(f"/manage/events/bench/participants/?done={len(ids)}")

    return app


def timed_post(client, data: dict) -> float:
    started = time.perf_counter()
    response = client.post(BULK, data=data)
    seconds = time.perf_counter() - started
    assert response.status_code == 302, (response.status_code, response.get_data(as_text=True)[:500])
    return seconds


def letters(kind_reason: str, ids: list[int]) -> int:
    return db.session.scalar(select(func.count()).select_from(Letter).where(
        Letter.participant_id.in_(ids), Letter.status == "queued", Letter.kind == "registration",
        Letter.params["reason"].as_string() == kind_reason))


def send(app: Flask, sink: Sink, label: str) -> float:
    """send_due() as the job runs it (an app context of its own); letters a second."""
    before = sink.letters
    with app.app_context():
        started = time.perf_counter()
        outcomes = send_due()
        seconds = time.perf_counter() - started
    count = sink.letters - before
    assert outcomes == {"sent": count}, f"{label}: {outcomes}, the sink took {count}"
    print(f"{label:<46} {count} letters in {seconds:6.2f} s: {count / seconds:7.1f} letters/s", flush=True)
    return count / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=500, help="registrations approved at once")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""),
                        help="a PostgreSQL server: the bench creates its own database there and drops it after")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-outbox-"))
    with scratch_database(args.database_url, folder, "bench_outbox") as database_url:
        run(args, database_url)


def run(args, database_url: str) -> None:
    from aiosmtpd.controller import Controller

    app = bench_app(database_url)
    with app.app_context():
        started = time.perf_counter()
        event = bench_event(args.batch * (args.rounds + 1), status="pending")
        ids = list(db.session.scalars(select(Participant.id).where(Participant.event_id == event.id)
                                      .order_by(Participant.id)))
        create_user("organizer@example.org", PASSWORD, "organizer")
        db.session.commit()
        print(f"loaded {len(ids)} pending registrations in {time.perf_counter() - started:.1f} s "
              f"({database_kind(database_url)}); {machine_load()}", flush=True)
    batches = [ids[start:start + args.batch] for start in range(0, len(ids), args.batch)]

    client = app.test_client()
    assert client.post("/login", data={"email": "organizer@example.org", "password": PASSWORD}).status_code == 302
    bare = bare_app().test_client()
    # Warm-up: templates compiled, the organizer's first page; no registration changes (an empty selection).
    for _ in range(3):
        client.post(BULK, data={"action": "approve"})
        client.get("/manage/events/bench/participants/")
        bare.post(BULK, data={"action": "approve", "ids": ["1"]})

    print(f"\nbulk approval of {args.batch} pending registrations (Flask test client, logged in), in seconds:")
    approvals, unchanged, floors = [], [], []
    for number, batch in enumerate(batches[:args.rounds], start=1):
        form = {"action": "approve", "ids": [str(pid) for pid in batch]}
        floors.append(statistics.median(timed_post(bare, form) for _ in range(5)))
        approvals.append(timed_post(client, form))
        unchanged.append(timed_post(client, form))  # the same 500, confirmed already: nothing changes
        print(f"round {number}: approve {approvals[-1]:6.3f}   the same again, nothing to change "
              f"{unchanged[-1]:6.3f}   bare Flask route {floors[-1] * 1000:6.2f} ms", flush=True)
    rejected = batches[args.rounds]
    reject_seconds = timed_post(client, {"action": "reject", "ids": [str(pid) for pid in rejected]})
    print(f"bulk rejection of {len(rejected)} (letters, no badges): {reject_seconds:.3f} s")

    with app.app_context():
        approved = [pid for batch in batches[:args.rounds] for pid in batch]
        confirmed = db.session.scalar(select(func.count()).where(Participant.id.in_(approved),
                                                                 Participant.status == "confirmed"))
        badges = db.session.scalar(select(func.count()).where(Badge.participant_id.in_(approved),
                                                              Badge.revoked_at.is_(None)))
        queued = [letters("confirmed", batch) for batch in batches[:args.rounds]]
        queued_rejected = letters("rejected", rejected)
    all_queued = all(count == args.batch for count in queued) and queued_rejected == len(rejected)
    print(f"confirmed {confirmed} of {len(approved)}, badges issued {badges}, confirmation letters queued per round "
          f"{queued}, «rejected» letters queued {queued_rejected}: {'all' if all_queued else 'NOT ALL'} queued")

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
    later = utcnow() + timedelta(days=1)
    try:
        print("\nsending (send_due, one SMTP connection, to an aiosmtpd sink in a thread):")
        with app.app_context():  # only the rejections are due
            db.session.execute(update(Letter).where(Letter.participant_id.in_(approved)).values(next_attempt_at=later))
            db.session.commit()
        floor = send(app, sink, f"{len(rejected)} «rejected» letters (no attachment)")
        with app.app_context():  # then the first round's confirmations
            db.session.execute(update(Letter).where(Letter.participant_id.in_(batches[0]))
                               .values(next_attempt_at=utcnow()))
            db.session.commit()
        with_pdf_before = sink.with_pdf
        rate = send(app, sink, f"{len(batches[0])} confirmation letters (badge attached)")
        attached = sink.with_pdf - with_pdf_before
    finally:
        controller.stop()
    print(f"the sink took {sink.letters} letters ({sink.bytes / 1024 / 1024:.1f} MiB), {attached} of the "
          f"confirmations with a PDF")

    print(machine_load())
    approval = statistics.median(approvals)
    print(f"\nbulk approval of {args.batch}: median {approval:.3f} s over {len(approvals)} rounds (worst "
          f"{max(approvals):.3f}), beside {statistics.median(unchanged):.3f} s for the same request with nothing to "
          f"change and {statistics.median(floors) * 1000:.2f} ms for a bare Flask route; budget ≤ 1 s with all "
          f"letters queued: {'within' if approval <= 1 and all_queued else 'OUTSIDE'} budget")
    print(f"sending: {rate:.1f} letters/s with the badge rendered and attached, beside {floor:.1f} letters/s "
          f"without an attachment ({floor / rate:.1f}× as many)")


if __name__ == "__main__":
    main()
