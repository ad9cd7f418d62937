"""What the benchmarks share: a throw-away database with many generated participants."""

import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from conference import create_app  # noqa: E402
from conference.cli import refresh_statistics  # noqa: E402
from conference.demo import FEMALE_FIRST, LAST_NAMES, MALE_FIRST, WORDS  # noqa: E402
from conference.directories.models import FederalSubject, OrganizationType  # noqa: E402
from conference.directories.services import load_reference_data  # noqa: E402
from conference.events.models import Event  # noqa: E402
from conference.extensions import db  # noqa: E402
from conference.registration.models import Participant, searchable  # noqa: E402
from conference.timeutil import utcnow  # noqa: E402


def bench_app(database_url: str = ""):
    folder = tempfile.mkdtemp(prefix="bench-")
    uri = database_url or f"sqlite:///{folder}/bench.db"
    return create_app({"SQLALCHEMY_DATABASE_URI": uri, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                       "MAIL_BACKEND": "file", "MAIL_FILE_DIR": f"{folder}/mail", "SERVER_NAME": "localhost"})


def bench_event(count: int, status: str | None = None) -> Event:
    """Migrates, loads reference data and an event with `count` generated participants (inside an app context)."""
    upgrade()
    load_reference_data()
    event = Event(slug="bench", title="Промышленная Россия 4.0", starts_on=utcnow().date(), ends_on=utcnow().date(),
                  consent_text="…", consent_version="1", city="Москва")
    db.session.add(event)
    db.session.commit()
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
            "category": "participant",
            "status": status or rng.choice(["confirmed"] * 8 + ["pending", "cancelled"]),
            "language": "ru", "consent_version": "1", "consent_given_at": now, "created_at": now, "updated_at": now,
            "link_key": f"bench{number}",
            # Core inserts skip the ORM hook that fills this in.
            "search_text": searchable(f"{last} {first}  {email} {organization}"),
        })
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Participant), rows[start:start + 5000])
    db.session.commit()
    refresh_statistics()  # as `make run` does at start and `flask refresh-statistics` after an import
    return event
