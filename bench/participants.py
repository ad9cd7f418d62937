"""How fast the organizer's participant list and a registration POST are with 20,000 participants loaded.

Prints median and p95 for each, beside a bare Flask route timed in the same run through the same test client
(the floor: what Flask itself costs on this machine right now). Budget: list p95 within 50 ms.

    .venv/bin/python bench/participants.py [--participants 20000] [--rounds 200] [--database-url URL]
"""

import argparse
import os
import statistics
import time

from common import bench_app, bench_event
from flask import Flask
from sqlalchemy import select

from conference.accounts.services import create_user
from conference.directories.models import FederalDistrict, FederalSubject, OrganizationType
from conference.extensions import db


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

    app = bench_app(args.database_url)
    with app.app_context():
        started = time.perf_counter()
        bench_event(args.participants)
        print(f"loaded {args.participants} participants in {time.perf_counter() - started:.1f} s "
              f"({db.engine.dialect.name})")
        create_user("bench@example.com", "bench-password", "organizer")
        district = db.session.scalar(select(FederalDistrict.id).where(FederalDistrict.code == "VFD"))
        subject = db.session.scalar(select(FederalSubject.id).where(FederalSubject.code == "TA"))
        org_type = db.session.scalar(select(OrganizationType.id).where(OrganizationType.code == "technopark"))
        db.session.commit()  # services only flush: the bench is the action's boundary

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
    report("registration POST (saves, queues the letter)", timed(register, args.rounds), baseline)
    print(f"worst list p95: {max(list_p95):.1f} ms (budget: 50 ms)")


if __name__ == "__main__":
    main()
