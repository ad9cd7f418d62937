"""Fixtures: a migrated database per test (SQLite file, or PostgreSQL when DATABASE_URL names one), staff clients,
events and participants made through the real services."""

import itertools
import os
import re
import shutil
import socket
from contextlib import contextmanager
from datetime import date, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from conference import create_app
from conference.accounts.services import add_member, create_user, find_user
from conference.demo import DEMO_SLUG, create_demo
from conference.directories.models import Country, FederalSubject, OrganizationType
from conference.directories.services import load_reference_data
from conference.events.models import Event
from conference.events.services import DEFAULT_CONSENT_TEXT, get_event
from conference.extensions import db

DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith(("postgresql", "postgres"))
PASSWORD = "correct-horse-battery"
_numbers = itertools.count()


def base_config(database_uri: str, tmp_path: Path) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_BACKEND": "file",
        "MAIL_FILE_DIR": str(tmp_path / "mail"),
        "SERVER_NAME": "localhost",
    }


def _postgres_url(database: str) -> str:
    url = make_url(DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    return url.set(database=database).render_as_string(hide_password=False)


def _admin_engine():
    return create_engine(_postgres_url("postgres"), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def template_database(tmp_path_factory):
    """Migrated once, with reference data; every test gets a copy."""
    folder = tmp_path_factory.mktemp("template")
    if ON_POSTGRES:
        name = f"conference_template_{os.getpid()}"
        admin = _admin_engine()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        uri = _postgres_url(name)
    else:
        uri = f"sqlite:///{folder / 'template.db'}"
    app = create_app(base_config(uri, folder))
    with app.app_context():
        upgrade()
        load_reference_data()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    yield uri
    if ON_POSTGRES:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def database_uri(template_database, tmp_path):
    if ON_POSTGRES:
        name = f"conference_test_{os.getpid()}_{next(_numbers)}"
        template_name = make_url(template_database).database
        admin = _admin_engine()
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
        yield _postgres_url(name)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path / "test.db"
        shutil.copy(make_url(template_database).database, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def app_config(database_uri, tmp_path) -> dict:
    """Tests change settings here before the app is made (e.g. CSRF on, rate limits on)."""
    return base_config(database_uri, tmp_path)


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@contextmanager
def action(app):
    """What the tests do to the database between requests, as a command does it: one transaction, committed when
    the block runs through (services only flush), rolled back when it raises."""
    with app.app_context():
        yield
        session = db.session()
        session.expire_on_commit = False  # what the block hands back stays readable once it is over
        session.commit()


@pytest.fixture
def ctx(app):
    """An application context for calling services directly."""
    with app.app_context():
        yield
        db.session.remove()


# ---- data made through the services --------------------------------------------------------------------

@pytest.fixture
def make_event(app):
    def make(members: tuple[str, ...] = (), **fields) -> Event:
        """An event; `members` are emails of staff accounts who work on it (see make_user)."""
        number = next(_numbers)
        values = {
            "slug": f"forum-{number}",
            "title": f"Промышленный форум {number}",
            "title_en": f"Industrial forum {number}",
            "starts_on": date.today() + timedelta(days=30),
            "ends_on": date.today() + timedelta(days=31),
            "city": "Москва",
            "venue": "Экспоцентр",
            "timezone": "Europe/Moscow",
            "moderation": False,
            "consent_text": DEFAULT_CONSENT_TEXT,
            "consent_version": "2026-1",
        }
        values.update(fields)
        with app.app_context():
            event = Event(**values)
            db.session.add(event)
            db.session.flush()
            for email in members:
                add_member(event.id, find_user(email))
            db.session.commit()
            db.session.refresh(event)
            db.session.expunge(event)
        return event

    return make


@pytest.fixture
def demo(app) -> str:
    """The seed's forum, made as `flask demo` makes it (rooms, sessions, hundreds of participants, arrivals,
    recommendations): its slug."""
    with app.test_request_context():
        create_demo()
        db.session.commit()
    return DEMO_SLUG


@pytest.fixture
def event(make_event):
    return make_event()


def reference_ids(app) -> dict:
    with app.app_context():
        return {
            "subject": {s.code: s.id for s in db.session.scalars(select(FederalSubject))},
            "country": {c.code: c.id for c in db.session.scalars(select(Country))},
            "org_type": {t.code: t.id for t in db.session.scalars(select(OrganizationType))},
        }


@pytest.fixture
def refs(app):
    return reference_ids(app)


@pytest.fixture
def form_data(refs):
    """A valid registration form, as a browser would post it."""

    def make(**overrides) -> dict:
        data = {
            "last_name": "Сидорова",
            "first_name": "Анна",
            "patronymic": "Петровна",
            "email": "anna.sidorova@example.org",
            "phone": "8 (916) 123-45-67",
            "organization": "АО «Технопарк Сколково»",
            "organization_type_id": str(refs["org_type"]["technopark"]),
            "position": "Директор по развитию",
            "residence": "ru",
            "subject_id": str(refs["subject"]["SAK"]),
            "country_id": "0",
            "city": "Южно-Сахалинск",
            "consent": "y",
        }
        data.update(overrides)
        return data

    return make


@pytest.fixture
def make_user(app):
    """A staff account, member of `events` (organizers and check-in staff act on those alone; admins on all)."""
    def make(role: str, email: str | None = None, events: tuple[Event | str, ...] = ()):
        with app.app_context():
            user = create_user(email or f"{role}{next(_numbers)}@example.com", PASSWORD, role)
            for event in events:  # an Event, or the slug of one (the demo's)
                add_member((get_event(event) if isinstance(event, str) else event).id, user)
            db.session.commit()
            return user.email

    return make


def join(app, email: str, *events: Event) -> None:
    """Makes a staff account a member of more events (an organizer_client's `email`, say)."""
    with app.app_context():
        for event in events:
            add_member(event.id, find_user(email))
        db.session.commit()


def log_in(client, email: str) -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


def log_in_page(page, base: str, email: str) -> None:
    """A staff account signed in on the log-in page in a real browser, as a person does it; waits for its landing
    page (the events to manage, or to scan at)."""
    page.goto(f"{base}/login")
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(re.compile(r"/(manage|checkin)/"))


def staff_client(app, email: str):
    """A test client logged in as `email`, which it remembers (`client.email`)."""
    client = app.test_client()
    log_in(client, email)
    client.email = email
    return client


@pytest.fixture
def organizer_client(app, make_user, event):
    """An organizer of the `event` fixture (and of no other event unless a test adds them: join)."""
    return staff_client(app, make_user("organizer", events=(event,)))


@pytest.fixture
def checkin_client(app, make_user, event):
    """A check-in volunteer at the `event` fixture."""
    return staff_client(app, make_user("checkin", events=(event,)))


# ---- mail written by the file backend -------------------------------------------------------------------

def sent_mail(app) -> list:
    folder = Path(app.config["MAIL_FILE_DIR"])
    if not folder.exists():
        return []
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(path.read_bytes()) for path in sorted(folder.glob("*.eml"))]


def mail_text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


pytest_plugins = ["tests.browser"]


def free_port() -> int:
    """A loopback port nobody listens on (yet): for a server a test starts, or for a mail server that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
