"""How fast the organizer's live dashboard answers for a big forum, beside a page of the same layout without figures.

bench/report.py's forum (20,000 participants, 200 sessions with sign-ups, 100,000 check-ins, 30 adopted
recommendations, in a throw-away SQLite database), its registrations spread over the 90 days before the event; then,
through the Flask test client as a signed-in organizer, each page asked for many times after one warm-up request:
  - the event's settings form (the baseline: the same layout, the same sign-in and membership checks, no figures);
  - the dashboard, whole;
  - its figures alone (what the page asks for every half minute).
Budget on a 2-core machine: the dashboard in 200 ms or less.

    .venv/bin/python bench/dashboard.py [--participants 20000] [--check-ins 100000] [--requests 15]
"""

import argparse
import statistics
import tempfile
import time
from datetime import timedelta

from common import bench_app
from report import peak_mb, prepare

PASSWORD = "bench-password-123"


def spread_registrations(database: str, days: int) -> None:
    """Registrations made over the weeks before the event, as they come in, rather than all at one moment."""
    from sqlalchemy import select

    from conference.extensions import db
    from conference.registration.models import Participant
    from conference.timeutil import utcnow

    app = bench_app(database)
    with app.app_context():
        now = utcnow()
        for participant_id in db.session.scalars(select(Participant.id)):
            db.session.execute(Participant.__table__.update().where(Participant.id == participant_id).values(
                created_at=(now - timedelta(days=participant_id % days, minutes=participant_id * 7 % 600))
))
        db.session.commit()


def organizer(database: str) -> None:
    from conference.accounts.services import add_member, create_user
    from conference.events.services import get_event
    from conference.extensions import db

    app = bench_app(database)
    with app.app_context():
        add_member(get_event("bench").id, create_user("organizer@example.org", PASSWORD, "organizer"))
        db.session.commit()


def measure(database: str, paths: dict[str, str], requests: int) -> dict[str, list[float]]:
    app = bench_app(database)
    client = app.test_client()
    assert client.post("/login", data={"email": "organizer@example.org", "password": PASSWORD}).status_code == 302
    timings = {}
    for name, path in paths.items():
        assert client.get(path).status_code == 200, name  # warm: templates compiled, connection open
        timings[name] = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(path)
            timings[name].append(time.perf_counter() - started)
            assert response.status_code == 200
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--check-ins", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=15)
    args = parser.parse_args()
    database = f"sqlite:///{tempfile.mkdtemp(prefix='bench-dashboard-')}/dashboard.db"
    started = time.perf_counter()
    prepare(database, args.participants, args.sessions, args.check_ins)
    spread_registrations(database, days=90)
    organizer(database)
    print(f"prepared {args.participants} participants, {args.sessions} sessions, {args.check_ins} check-ins "
          f"in {time.perf_counter() - started:.0f} s")
    timings = measure(database, {"settings form (baseline)": "/manage/events/bench/edit",
                                 "dashboard": "/manage/events/bench",
                                 "figures (its refresh)": "/manage/events/bench/figures"}, args.requests)
    for name, seconds in timings.items():
        ordered = sorted(seconds)
        print(f"{name:<26} median {statistics.median(ordered) * 1000:6.0f} ms   "
              f"p90 {ordered[int(len(ordered) * 0.9)] * 1000:6.0f} ms   max {ordered[-1] * 1000:6.0f} ms")
    print(f"peak memory of this process (preparing included): {peak_mb():.0f} MB")
    print("budget: the dashboard ≤ 200 ms")


if __name__ == "__main__":
    main()
