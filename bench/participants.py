"""How fast the organizer's participant list and a registration POST are with 20,000 participants loaded.

Prints median and p95 for each, beside a bare Flask route timed in the same run through the same test client
(the floor: what Flask itself costs on this machine right now). Budget: list p95 within 50 ms.

    .venv/bin/python bench/participants.py [--participants 20000] [--rounds 200] [--database-url URL]
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from conference import create_app  # noqa: E402
from conference.accounts.services import create_user  # noqa: E402
from conference.cli import refresh_statistics  # noqa: E402
from conference.demo import FEMALE_FIRST, LAST_NAMES, MALE_FIRST, WORDS  # noqa: E402
from conference.directories.models import FederalDistrict, FederalSubject, OrganizationType  # noqa: E402
from conference.directories.services import load_reference_data  # noqa: E402
from conference.events.models import Event  # noqa: E402
from conference.extensions import db  # noqa: E402
from conference.registration.models import Participant  # noqa: E402
from conference.timeutil import utcnow  # noqa: E402


def load_participants(event: Event, count: int) -> None:
    rng = random.Random(20_000)
    subjects = list(db.session.scalars(select(FederalSubject.id)))
    types = list(db.session.scalars(select(OrganizationType.id)))
    now = utcnow()
    rows = []
    for number in range(count):
        last, first = rng.choice(LAST_NAMES), rng.choice(MALE_FIRST + FEMALE_FIRST)
        email = f"p{number}@example.org"
        organization = f"АО «{rng.choice(WORDS)}-{number % 700}»"
        rows.append({
            "event_id": event.id, "last_name": last, "first_name": first, "patronymic": "", "email": email,
            "phone": "", "organization": organization, "organization_type_id": rng.choice(types),
            "position": "Инженер", "subject_id": rng.choice(subjects), "country_id": None, "city": "",
            "category": "participant", "status": rng.choice(["confirmed"] * 8 + ["pending", "cancelled"]),
            "language": "ru", "consent_version": "1", "consent_given_at": now, "created_at": now, "updated_at": now,
            # Core inserts skip the ORM hook that fills this in.
            "search_text": f"{last} {first}  {email} {organization}".lower(),
        })
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Participant), rows[start:start + 5000])
    db.session.commit()


def timed(call, rounds: int) -> list[float]:
    for _ in range(5):  # warm-up: templates compiled, caches filled
        call(0)
    samples = []
    for index in range(rounds):
        started = time.perf_counter()
        call(index)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def report(name: str, samples: list[float], baseline: float | None = None) -> float:
    median = statistics.median(samples)
    p95 = statistics.quantiles(samples, n=20)[18]
    ratio = f"  {median / baseline:6.1f}× bare" if baseline else ""
    print(f"{name:<44} median {median:7.2f} ms   p95 {p95:7.2f} ms{ratio}")
    return p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="bench-participants-")
    uri = args.database_url or f"sqlite:///{folder}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "MAIL_BACKEND": "file", "MAIL_FILE_DIR": f"{folder}/mail"})
    with app.app_context():
        upgrade()
        load_reference_data()
        event = Event(slug="bench", title="Бенчмарк", starts_on=utcnow().date(), ends_on=utcnow().date(),
                      consent_text="…", consent_version="1")
        db.session.add(event)
        db.session.commit()
        started = time.perf_counter()
        load_participants(event, args.participants)
        print(f"loaded {args.participants} participants in {time.perf_counter() - started:.1f} s ({uri.split(':')[0]})")
        refresh_statistics()  # as `make run` does at start and `flask refresh-statistics` after an import
        create_user("bench@example.com", "bench-password", "organizer")
        district = db.session.scalar(select(FederalDistrict.id).where(FederalDistrict.code == "VFD"))
        subject = db.session.scalar(select(FederalSubject.id).where(FederalSubject.code == "TA"))
        org_type = db.session.scalar(select(OrganizationType.id).where(OrganizationType.code == "technopark"))

    bare = Flask("bare")
    bare.add_url_rule("/", "index", lambda: "ok")
    bare_client = bare.test_client()
    baseline = statistics.median(timed(lambda i: bare_client.get("/"), args.rounds))

    client = app.test_client()
    client.post("/login", data={"email": "bench@example.com", "password": "bench-password"})
    base = "/manage/events/bench/participants/"
    views = {
        "list, first page": {},
        "list, page 150 of 400": {"page": 150},
        "list, search «иванов»": {"text": "иванов"},
        "list, district + status, by organization": {"district_id": district, "status": "confirmed",
                                                     "sort": "organization"},
        "list, region + organization type": {"subject_id": subject, "organization_type_id": org_type},
    }
    print(f"{'bare Flask route (baseline)':<44} median {baseline:7.2f} ms")
    list_p95 = []
    for name, query in views.items():
        def fetch(_, query=query):
            response = client.get(base, query_string=query)
            assert response.status_code == 200, response.status_code
        list_p95.append(report(name, timed(fetch, args.rounds), baseline))

    form = {"last_name": "Петрова", "first_name": "Анна", "patronymic": "", "phone": "", "organization": "АО «Тест»",
            "organization_type_id": str(org_type), "position": "Инженер", "residence": "ru",
            "subject_id": str(subject), "country_id": "0", "city": "", "consent": "y"}

    def register(index):
        email = f"new{index}-{time.time_ns()}@example.org"
        response = client.post("/events/bench/register", data=dict(form, email=email))
        assert response.status_code == 302, response.status_code
    report("registration POST (saves, writes the email)", timed(register, args.rounds), baseline)
    print(f"worst list p95: {max(list_p95):.1f} ms (budget: 50 ms)")


if __name__ == "__main__":
    main()
