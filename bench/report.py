"""How long the post-event report takes and how much memory it needs for a big forum, beside WeasyPrint's floor.

A throw-away SQLite database gets 20,000 participants, 200 sessions with sign-ups, 100,000 check-ins and 30 adopted
recommendations (in one process); then each measurement runs in a fresh process, so that its peak memory (max RSS)
is its own (three processes each; the median, with the range):
  - WeasyPrint rendering a one-page document (the renderer's floor on this machine, now);
  - the report as PDF (Russian), from the database to the last byte, tagged for screen readers as it is served;
  - the same PDF without the map of regions (as if it had not been built): what the map costs;
  - the same PDF untagged: what tagging costs;
  - the same tables as XLSX.
Budget on a 2-core machine: the PDF report in 5 s or less, peak memory at most 400 MB.

    .venv/bin/python bench/report.py [--participants 20000] [--sessions 200] [--check-ins 100000]
"""

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from common import bench_app, bench_event

RUNS = 3  # fresh processes per measurement: the median is shown, with the fastest and the slowest run


def peak_mb() -> float:
    """This process's peak resident memory. (Not getrusage: Linux carries the parent's peak into a child's
    ru_maxrss across fork and exec, and the parent here has just written 100,000 rows.)"""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def prepare(database: str, participants: int, sessions: int, check_ins: int) -> None:
    """The forum: participants (bench_event), then rooms, sessions, sign-ups, check-ins and recommendations with
    Core inserts."""
    from sqlalchemy import insert, select

    from conference.agenda.models import AgendaSession, Room, SessionSignup
    from conference.checkin.models import CheckIn
    from conference.extensions import db
    from conference.registration.models import Participant
    from conference.resolutions.models import Addressee, Body, Recommendation, recommendation_session
    from conference.resolutions.services import load_defaults
    from conference.timeutil import utcnow

    app = bench_app(database)
    rng = random.Random(2018)
    with app.test_request_context():
        event = bench_event(participants)
        load_defaults()
        came = list(db.session.scalars(select(Participant.id).where(Participant.status == "confirmed")))
        start = utcnow().replace(hour=6, minute=0, second=0, microsecond=0)
        rooms = [Room(event_id=event.id, name=f"Зал {number}", capacity=rng.choice([60, 120, 300, 600]))
                 for number in range(12)]
        db.session.add_all(rooms)
        db.session.flush()
        session_rows = []
        for number in range(sessions):
            room = rooms[number % len(rooms)]
            begins = start + timedelta(minutes=90 * (number // len(rooms)))
            session_rows.append({"event_id": event.id, "room_id": room.id, "kind": rng.choice(
                ["panel", "seminar", "round_table", "plenary"]), "title": f"Секция {number + 1}: цифровая "
                "трансформация промышленности", "description": "", "starts_at": begins,
                "ends_at": begins + timedelta(minutes=80), "capacity": None, "is_public": True,
                "created_at": start})
        db.session.execute(insert(AgendaSession), session_rows)
        session_ids = list(db.session.scalars(select(AgendaSession.id)))
        capacity = {session.id: session.seats for session in db.session.scalars(select(AgendaSession))}

        entrance = [{"event_id": event.id, "participant_id": participant_id, "checkpoint": "entrance",
                     "session_id": None, "checked_in_at": start + timedelta(minutes=rng.gauss(150, 40))}
                    for participant_id in came]
        rows, signups, seen = entrance[:check_ins], [], set()
        while len(rows) < check_ins:
            session_id, participant_id = rng.choice(session_ids), rng.choice(came)
            if (session_id, participant_id) in seen:
                continue
            seen.add((session_id, participant_id))
            rows.append({"event_id": event.id, "participant_id": participant_id, "checkpoint": f"session-{session_id}",
                         "session_id": session_id, "checked_in_at": start + timedelta(hours=3)})
            if len(signups) < capacity[session_id] * len(session_ids) // 2 and rng.random() < 0.5:
                signups.append({"session_id": session_id, "participant_id": participant_id, "status": "registered",
                                "created_at": start})
        for begin in range(0, len(rows), 10_000):
            db.session.execute(insert(CheckIn), rows[begin:begin + 10_000])
        db.session.execute(insert(SessionSignup), signups)

        bodies = list(db.session.scalars(select(Body.id)))
        for number in range(30):
            recommendation = Recommendation(
                event_id=event.id, position=number + 1, status="adopted", adopted_on=event.ends_on,
                text="Рекомендовать направить предложения о мерах поддержки промышленных кластеров. " * 6)
            db.session.add(recommendation)
            db.session.flush()
            db.session.add(Addressee(recommendation_id=recommendation.id, body_id=rng.choice(bodies)))
            db.session.execute(insert(recommendation_session).values(
                recommendation_id=recommendation.id, session_id=rng.choice(session_ids)))
        db.session.commit()


def run_case(name: str, database: str) -> dict:
    """In this (fresh) process: open the database, then time only the rendering."""
    if name == "weasyprint-one-page":
        from weasyprint import HTML

        started = time.perf_counter()
        pdf = HTML(string="<html><body><p>Итоговый отчёт</p></body></html>").write_pdf()
        return {"seconds": time.perf_counter() - started, "peak_mb": peak_mb(), "bytes": len(pdf)}

    from conference.events.services import get_event
    from conference.reports import services

    if name == "report-pdf-without-map":
        from conference.reports import geography

        geography.MAP_FILE = Path(tempfile.mkdtemp()) / "russia-map.json"  # not built: one line says the map is off
    if name == "report-pdf-untagged":
        from conference import pdf

        services.render_pdf = lambda html, tagged=False, **options: pdf.render_pdf(html, **options)  # untagged
    app = bench_app(database)
    with app.test_request_context():
        event = get_event("bench")
        render = services.render_report_xlsx if name == "report-xlsx" else services.render_report_pdf
        started = time.perf_counter()
        document = render(event, "ru")
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mb": peak_mb(), "bytes": len(document)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--check-ins", type=int, default=100_000)
    parser.add_argument("--case", help=argparse.SUPPRESS)  # the child's side
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.database)))
        return
    database = f"sqlite:///{tempfile.mkdtemp(prefix='bench-report-')}/report.db"
    started = time.perf_counter()
    prepare(database, args.participants, args.sessions, args.check_ins)
    print(f"prepared {args.participants} participants, {args.sessions} sessions, {args.check_ins} check-ins "
          f"in {time.perf_counter() - started:.0f} s")
    results = {}
    for name in ("weasyprint-one-page", "report-pdf", "report-pdf-without-map", "report-pdf-untagged", "report-xlsx"):
        runs = []
        for _run in range(RUNS):
            child = subprocess.run([sys.executable, __file__, "--case", name, "--database", database],
                                   capture_output=True, text=True, cwd=Path(__file__).parent)
            if child.returncode:
                sys.exit(f"{name} failed:\n{child.stderr}")
            runs.append(json.loads(child.stdout.strip().splitlines()[-1]))
        seconds = sorted(run["seconds"] for run in runs)
        results[name] = figures = {"seconds": statistics.median(seconds),
                                   "peak_mb": max(run["peak_mb"] for run in runs), "bytes": runs[0]["bytes"]}
        print(f"{name:<22} {figures['seconds']:7.2f} s ({seconds[0]:.2f}–{seconds[-1]:.2f})   "
              f"peak {figures['peak_mb']:6.0f} MB   {figures['bytes'] / 1024:7.0f} KiB", flush=True)
    floor = results["weasyprint-one-page"]["seconds"]
    print(f"report-pdf: {results['report-pdf']['seconds'] / floor:.1f}× WeasyPrint's one-page document; the map "
          f"{results['report-pdf']['seconds'] / results['report-pdf-without-map']['seconds'] - 1:+.0%}; tagging "
          f"{results['report-pdf']['seconds'] / results['report-pdf-untagged']['seconds'] - 1:+.0%}")
    print("budget: the PDF report ≤ 5 s, peak ≤ 400 MB")


if __name__ == "__main__":
    main()
