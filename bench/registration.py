"""A registration as a visitor sends it, under gunicorn: how long the POST takes with its letter queued and its
badge issued, beside baselines measured in the same run.

Loads 20,000 participants into an event without moderation (a registration is confirmed at once: its badge is
issued, QR code drawn, and its letter queued in the same transaction, the job that sends it queued after the
commit), then runs two gunicorn servers with the same settings: the app as deployed (CSRF on, rate limits off so
that one address can register 300 times; the job queue a SQLite file in a temporary folder, and no consumer, so that
no letter is sent meanwhile), and a bare Flask app whose one POST route parses the same form and redirects.

Each visitor, one after another, as a browser does: GETs the registration page (its cookie and CSRF token), then
POSTs the form with a new email; the answer is the redirect to the private page. Timed apart: the GET (baseline:
the same page, no write), the POST (the figure), and the same POST to the bare route (the floor: gunicorn, Flask and
this machine, now), each on a new connection as gunicorn's sync workers close every one. Afterwards the database is
asked whether every registration is there, confirmed, with its badge and its queued letter.

Budget: the registration POST's p95 ≤ 50 ms.

    .venv/bin/python bench/registration.py [--visitors 300] [--participants 20000] [--workers 2]
        [--database-url postgresql://...]
"""

import argparse
import http.client
import os
import re
import shutil
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, redirect, request
from servers import free_port, machine_load, start_gunicorn, stop_servers

PAGE = "/events/bench/register"


def bare_app() -> Flask:
    """The floor: the same form parsed and answered with a redirect, no database, no CSRF."""
    app = Flask("bare")

    @app.post(PAGE)
    def register():
        return redirect(f"/my/{len(request.form.get('email', ''))}/registered")

    return app


def prepare(database_url: str, participants: int) -> dict:
    """The event and its participants; the form's reference ids (a region, an organization type)."""
    from common import bench_app, bench_event
    from sqlalchemy import select

    from conference.directories.models import FederalSubject, OrganizationType
    from conference.extensions import db

    app = bench_app(database_url)
    with app.app_context():
        bench_event(participants)
        ids = {"subject": db.session.scalar(select(FederalSubject.id).where(FederalSubject.code == "SAK")),
               "org_type": db.session.scalar(select(OrganizationType.id).where(OrganizationType.code == "technopark"))}
        db.session.remove()
        db.engine.dispose()  # gunicorn's workers open their own connections
    return ids


def form(ids: dict, number: int) -> dict:
    """As tests/conftest.py's form_data, with a new email."""
    return {"last_name": "Сидорова", "first_name": "Анна", "patronymic": "Петровна",
            "email": f"visitor{number}-{os.getpid()}@example.org", "phone": "8 (916) 123-45-67",
            "organization": "АО «Технопарк Сколково»", "organization_type_id": str(ids["org_type"]),
            "position": "Директор по развитию", "residence": "ru", "subject_id": str(ids["subject"]),
            "country_id": "0", "city": "Южно-Сахалинск", "consent": "y"}


def exchange(port: int, method: str, path: str, body: bytes = b"", headers: dict | None = None) \
        -> tuple[float, int, http.client.HTTPMessage, bytes]:
    """One request on a new connection: (seconds, status, headers, body)."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        response = connection.getresponse()
        content = response.read()
    finally:
        connection.close()
    return time.perf_counter() - started, response.status, response.msg, content


def visit(app_port: int, bare_port: int, data: dict) -> tuple[float, float, float]:
    """A visitor's GET, POST, and the bare POST: their seconds."""
    get_seconds, status, headers, page = exchange(app_port, "GET", PAGE)
    assert status == 200, status
    cookie = "; ".join(value.split(";", 1)[0] for value in headers.get_all("Set-Cookie", []))
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
    body = urlencode(dict(data, csrf_token=token)).encode()
    sent = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    post_seconds, status, headers, answer = exchange(app_port, "POST", PAGE, body, sent)
    assert status == 302 and "/registered" in headers.get("Location", ""), (status, answer[:1000])
    bare_seconds, status, _, _ = exchange(bare_port, "POST", PAGE, body, sent)
    assert status == 302, status
    return get_seconds, post_seconds, bare_seconds


def percentiles(samples: list[float]) -> dict:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": statistics.median(samples), "p95": cuts[94], "p99": cuts[98], "max": max(samples)}


def show(name: str, samples: list[float], floor: dict | None = None) -> dict:
    figures = percentiles(samples)
    ratio = f"   {figures['p50'] / floor['p50']:5.1f}× the bare POST's p50" if floor else ""
    print(f"{name:<40} p50 {figures['p50'] * 1000:7.2f}   p95 {figures['p95'] * 1000:7.2f}   "
          f"p99 {figures['p99'] * 1000:7.2f}   max {figures['max'] * 1000:7.2f} ms{ratio}", flush=True)
    return figures


def stored(database_url: str, emails: list[str]) -> dict:
    from common import sqlalchemy_url
    from sqlalchemy import create_engine, func, select

    from conference.badges.models import Badge
    from conference.mail.models import Letter
    from conference.registration.models import Participant

    engine = create_engine(sqlalchemy_url(database_url))
    with engine.connect() as connection:
        ids = select(Participant.id).where(Participant.email.in_(emails))
        figures = {
            "registered": connection.scalar(select(func.count()).where(Participant.email.in_(emails))),
            "confirmed": connection.scalar(select(func.count()).where(Participant.email.in_(emails),
                                                                      Participant.status == "confirmed")),
            "badges": connection.scalar(select(func.count()).where(Badge.participant_id.in_(ids),
                                                                   Badge.qr_png.is_not(None))),
            "letters_queued": connection.scalar(select(func.count()).where(
                Letter.participant_id.in_(ids), Letter.status == "queued")),
        }
    engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visitors", type=int, default=300)
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--warmup", type=int, default=10, help="visitors before the measured ones")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""),
                        help="a PostgreSQL server: the bench creates its own database there and drops it after")
    args = parser.parse_args()
    from common import database_kind, scratch_database

    folder = Path(tempfile.mkdtemp(prefix="bench-registration-"))
    servers = []
    with ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, folder, ignore_errors=True)
        database_url = cleanup.enter_context(scratch_database(args.database_url, folder, "bench_registration"))
        cleanup.callback(stop_servers, servers)
        started = time.perf_counter()
        ids = prepare(database_url, args.participants)
        print(f"loaded {args.participants} participants in {time.perf_counter() - started:.1f} s "
              f"({database_kind(database_url)}); gunicorn {args.workers} × {args.worker_class}; {machine_load()}",
              flush=True)
        jobs = folder / "jobs.db"
        ports = {"app": free_port(), "bare": free_port()}
        for name, spec in (("app", "conference:create_app()"), ("bare", "registration:bare_app()")):
            env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="bench-registration", MAIL_BACKEND="file",
                       MAIL_FILE_DIR=str(folder / "mail"), RATELIMIT_ENABLED="0", INSTANCE_PATH=str(folder),
                       JOBS_URL=f"sqlite:///{jobs}", PUBLIC_URL=f"http://127.0.0.1:{ports[name]}")
            servers.append(start_gunicorn(spec, args, env, ports[name], folder / f"{name}.log"))

        for number in range(args.warmup):  # workers import lazily and fill their caches on the first requests
            visit(ports["app"], ports["bare"], form(ids, -1 - number))
        emails, gets, posts, bares = [], [], [], []
        for number in range(args.visitors):
            data = form(ids, number)
            emails.append(data["email"])
            get_seconds, post_seconds, bare_seconds = visit(ports["app"], ports["bare"], data)
            gets.append(get_seconds)
            posts.append(post_seconds)
            bares.append(bare_seconds)

        print(f"\n{args.visitors} visitors, one after another (each request on a new connection); {machine_load()}")
        floor = show("bare Flask POST (floor)", bares)
        show("GET of the registration page", gets, floor)
        figures = show("registration POST (letter queued, badge)", posts, floor)
        from huey import SqliteHuey

        pending = SqliteHuey("conference", filename=str(jobs)).pending_count()
        rows = stored(database_url, emails)
        complete = all(rows[key] == args.visitors for key in rows)
        print(f"\nof {args.visitors} registrations: {rows['registered']} saved, {rows['confirmed']} confirmed, "
              f"{rows['badges']} badges with their QR code, {rows['letters_queued']} letters queued; {pending} "
              f"sending jobs waiting in the queue (no consumer): {'complete' if complete else 'INCOMPLETE'}")
        print(f"registration POST p95 {figures['p95'] * 1000:.1f} ms (budget ≤ 50 ms): "
              f"{'within' if figures['p95'] <= 0.05 and complete else 'OUTSIDE'} budget")


if __name__ == "__main__":
    main()
