"""What the benchmarks share: a throw-away database with many generated participants, and a throw-away instance
folder (its job queue, its cached PDFs, its development key), so that a bench never writes into instance/.

The job queue is a SQLite file in that folder and no consumer runs: a bench's actions queue their jobs (the sending
of letters) as the app does, and nothing sends them meanwhile. A bench that sends letters calls the sender itself."""

import os
import random
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Before conference is imported: its config reads INSTANCE_PATH, and its job queue JOBS_URL, once, at import. Child
# processes (gunicorn, a measured case) inherit both.
BENCH_INSTANCE = Path(os.environ.setdefault("BENCH_INSTANCE", tempfile.mkdtemp(prefix="bench-instance-")))
BENCH_INSTANCE.mkdir(parents=True, exist_ok=True)
os.environ["INSTANCE_PATH"] = str(BENCH_INSTANCE)
os.environ["JOBS_URL"] = f"sqlite:///{BENCH_INSTANCE / 'jobs.db'}"

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

# ---- throw-away databases ----------------------------------------------------------------------------------

def fresh_postgres_database(url: str, prefix: str = "bench") -> tuple[str, str]:
    """A new database beside the one in `url`, so that the bench never touches real data: (its URL, its name)."""
    import psycopg

    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://"))
    name = f"{prefix}_{os.getpid()}"
    with psycopg.connect(urlunsplit(parts), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}")), name


def drop_postgres_database(url: str, name: str) -> None:
    import psycopg

    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://"))
    with psycopg.connect(urlunsplit(parts), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sqlalchemy_url(url: str) -> str:
    # The app's config does this for DATABASE_URL; bench_app() hands its URL to SQLAlchemy as it is.
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


@contextmanager
def scratch_database(server_url: str, folder: Path, prefix: str = "bench"):
    """The URL of an empty database for one run: a SQLite file in `folder`, or, given a PostgreSQL server's URL
    (--database-url), a database of its own there, dropped at the end."""
    if not server_url.startswith(("postgres://", "postgresql")):
        yield f"sqlite:///{folder}/bench.db"
        return
    server_url = server_url.replace("postgres://", "postgresql://", 1)
    url, name = fresh_postgres_database(server_url, prefix)
    try:
        yield url
    finally:
        drop_postgres_database(server_url, name)


def database_kind(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgres") else "SQLite"


# ---- the app and its data ----------------------------------------------------------------------------------

def bench_app(database_url: str = ""):
    folder = tempfile.mkdtemp(prefix="bench-")
    uri = sqlalchemy_url(database_url) or f"sqlite:///{folder}/bench.db"
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


def bench_program(event: Event) -> None:
    """A day's program like the forum's (see seed/): two halls and an off-site venue, a plenary, an expert council
    with a project session, a seminar, round tables and the awards, with speakers and moderators from outside, so
    that the public program and its PDF are real. Rooms and sessions as the agenda's editor leaves them: no clash.
    Flushed, not committed: the caller's action commits."""
    from datetime import UTC, datetime, time, timedelta

    from conference.agenda.models import AgendaSession, Room, SessionPerson

    rooms = [Room(event_id=event.id, name="Конгресс-холл", capacity=600, floor="1"),
             Room(event_id=event.id, name="Зал «Москва»", capacity=120, floor="2"),
             Room(event_id=event.id, name="Технопарк «Сколково»", capacity=80,
                  address="Большой бульвар, 42, стр. 1")]
    db.session.add_all(rooms)
    db.session.flush()
    day = datetime.combine(event.starts_on, time(7, 0), tzinfo=UTC)  # 10:00 in Moscow
    program = [  # (room, start in minutes from 10:00, length, kind, title)
        (0, 0, 150, "plenary", "Пленарное заседание «Промышленная Россия 4.0: цифровая трансформация отраслей»"),
        (1, 180, 120, "seminar", "Практический семинар «Меры государственной поддержки промышленных предприятий»"),
        (0, 180, 90, "round_table", "Круглый стол «Кадры для цифровой промышленности»"),
        (2, 180, 120, "expert_council", "Заседание экспертного совета по развитию промышленных кластеров"),
        (2, 300, 90, "project_session", "Проектная сессия «Дорожная карта кластеров до 2024 года»"),
        (0, 300, 90, "round_table", "Круглый стол «Индустриальные парки и технопарки в регионах»"),
        (1, 330, 60, "panel", "Панельная дискуссия «Экспорт промышленной продукции»"),
        (0, 420, 60, "awards", "Церемония награждения победителей конкурса «Лидеры промышленности»"),
    ]
    people = [("Иванов Сергей Петрович", "Заместитель министра", "Минпромторг России"),
              ("Смирнова Елена Викторовна", "Директор департамента", "Фонд развития промышленности"),
              ("Кузнецов Андрей Олегович", "Генеральный директор", "АО «Технопарк Сколково»"),
              ("Попова Марина Игоревна", "Председатель", "Ассоциация кластеров и технопарков России"),
              ("Васильев Дмитрий Николаевич", "Министр промышленности", "Правительство Сахалинской области"),
              ("Соколова Ольга Андреевна", "Проректор", "Калининградский государственный технический университет"),
              ("Михайлов Игорь Юрьевич", "Исполнительный директор", "Российский экспортный центр"),
              ("Новикова Татьяна Сергеевна", "Руководитель проектного офиса", "Агентство стратегических инициатив")]
    for number, (room, start, length, kind, title) in enumerate(program):
        begins = day + timedelta(minutes=start)
        session = AgendaSession(event_id=event.id, room_id=rooms[room].id, kind=kind, title=title,
                                description="Обсуждение практики регионов и предложений в итоговые рекомендации.",
                                starts_at=begins, ends_at=begins + timedelta(minutes=length), is_public=True)
        db.session.add(session)
        db.session.flush()
        # A moderator and a speaker each, never the same person in two sessions at once.
        for order in range(2):
            name, position, organization = people[(2 * number + order) % len(people)]
            db.session.add(SessionPerson(session_id=session.id, role="moderator" if order == 0 else "speaker",
                                         external_name=name, external_position=position,
                                         external_organization=organization, sort_order=order))
    db.session.flush()
