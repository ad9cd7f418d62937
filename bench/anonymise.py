"""How long anonymising an event of 20,000 registrations takes (the retention job, or an organizer's «anonymise
now»), beside the baseline measured in the same run on the same rows: one bare UPDATE statement that writes the same
personal fields of every row of the event (what the database alone costs, the search index's triggers included).

The event is over, as at the end of its retention period: statuses stay, nobody is cancelled. Each registration
has a badge and a letter sent, as after a real forum, which anonymising revokes and forgets too (the baseline
leaves them). Peak memory is Python's (tracemalloc) during each step.

    .venv/bin/python bench/anonymise.py [--participants 20000] [--database-url URL]
"""

import argparse
import os
import time
import tracemalloc
from datetime import timedelta

from common import bench_app, bench_event
from sqlalchemy import func, insert, select, update

from conference.badges.models import Badge
from conference.extensions import db
from conference.mail.models import Letter
from conference.privacy.services import ERASED, anonymise_event
from conference.registration.models import Participant


def measured(step) -> tuple[float, float, object]:
    tracemalloc.start()
    started = time.perf_counter()
    result = step()
    db.session.commit()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, peak, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    args = parser.parse_args()

    app = bench_app(args.database_url)
    with app.app_context():
        event = bench_event(args.participants)
        event.starts_on = event.ends_on = event.starts_on - timedelta(days=400)  # over, its period passed
        ids = list(db.session.scalars(select(Participant.id).where(Participant.event_id == event.id)))
        db.session.execute(insert(Badge), [{"participant_id": pid, "token": f"{pid:040d}"} for pid in ids])
        db.session.execute(insert(Letter), [
            {"participant_id": pid, "event_id": event.id, "recipient": f"p{pid}@example.org", "language": "ru",
             "kind": "registration", "params": {"participant": pid, "reason": "registered"}, "status": "sent"}
            for pid in ids])
        db.session.commit()
        print(f"{args.participants} registrations ({db.engine.dialect.name})")

        def bare_update():
            return db.session.execute(update(Participant).where(Participant.event_id == event.id).values(
                last_name=ERASED, first_name="", patronymic="", phone="", organization="", position="", city="",
                search_text=ERASED)).rowcount

        seconds, peak, rows = measured(bare_update)
        print(f"{'baseline: one bare UPDATE of the same fields':<48} {seconds:7.2f} s   peak {peak:7.1f} MB "
              f"({rows} rows)")
        base = seconds
        seconds, peak, rows = measured(lambda: anonymise_event(event, "retention"))
        print(f"{'anonymise_event (the retention job)':<48} {seconds:7.2f} s   peak {peak:7.1f} MB "
              f"({rows} rows)  {seconds / base:5.1f}× baseline")
        left = db.session.scalar(select(func.count()).where(Participant.event_id == event.id,
                                                            Participant.erased_at.is_(None)))
        assert left == 0, left
        assert db.session.scalar(select(func.count()).select_from(Badge).where(Badge.revoked_at.is_(None))) == 0
        assert db.session.scalar(select(func.count()).select_from(Letter).where(Letter.recipient != "")) == 0


if __name__ == "__main__":
    main()
