"""How many badge scans per second the check-in API answers under gunicorn, beside a bare Flask route.

Loads 20,000 participants (about 80% confirmed) with a badge each and a check-in device, then runs gunicorn
servers with the same settings: the app; a bare Flask app whose one POST route parses the same JSON and answers a
small JSON with 201 (the floor: what gunicorn, Flask and this machine cost right now); and, on SQLite, the issue's
reference point, a minimal check-in on the driver alone (one read of the badge, one insert of the arrival, on a
copy of the same database), which shows what a scan costs at the least, without devices, audit trail or answers
worth reading. wrk drives each with the same script, connection count and duration, in alternating rounds (bare,
minimal, app, bare, …) so that a noisy neighbour hurts all alike. Every request scans a random badge with a fresh
nonce, so the app's mix is mostly first scans early on and «already checked in» later, plus refusals for pending
or cancelled registrations.

After the runs the database is asked whether any badge was admitted twice at one checkpoint (must be 0), and the
201 answers wrk saw are compared with the check-in rows.

Budget on a 2-core machine: check-in throughput at least 0.6 of the bare route, p99 under 10 ms.

    .venv/bin/python bench/checkin.py [--participants 20000] [--connections 16] [--duration 10] [--rounds 2]
        [--workers 4] [--threads 1] [--worker-class sync] [--database-url postgresql://...]
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, jsonify, request

BENCH = Path(__file__).resolve().parent
PATH = "/api/v1/events/bench/checkins"

# wrk runs this in each of its threads. A response() callback costs wrk a little parsing per answer, the same for
# both servers; it is how the statuses are counted (wrk itself only says "non-2xx or 3xx").
WRK_SCRIPT = r"""
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = line end
local device = os.getenv("BENCH_DEVICE")
local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

function init(args)
  run = args[1] or "run"
  counter, sent, statuses = 0, 0, {}
  math.randomseed(os.time() * 100 + id)
end

function request()
  counter = counter + 1
  sent = sent + 1
  -- Unique across threads, rounds and runs on one database: a repeated nonce would be answered from the audit
  -- trail instead of being scanned.
  local nonce = string.format("%s-%d-%d-%d", run, id, counter, math.random(1000000000))
  local body = string.format('{"token": "%s", "checkpoint": "entrance", "nonce": "%s"}',
                             tokens[math.random(#tokens)], nonce)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json",
                                  ["Authorization"] = "Bearer " .. device}, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts, sent_total = {}, 0
  for _, thread in ipairs(threads) do
    sent_total = sent_total + thread:get("sent")
    for status, count in pairs(thread:get("statuses")) do counts[status] = (counts[status] or 0) + count end
  end
  local parts = {}
  for status, count in pairs(counts) do parts[#parts + 1] = string.format('"%d": %d', status, count) end
  local errors = summary.errors
  io.write(string.format('BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "sent": %d, '
    .. '"socket_errors": %d, "statuses": {%s}}\n', summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(99), sent_total, errors.connect + errors.read + errors.write + errors.timeout,
    table.concat(parts, ", ")))
end
"""


def bare_app() -> Flask:
    """The floor: gunicorn and Flask parsing the same request and answering a small JSON, no database."""
    app = Flask("bare")

    @app.post("/api/v1/events/<slug>/checkins")
    def check_in(slug: str):
        data = request.get_json(silent=True) or {}
        return jsonify(result="checked_in", checkpoint=data.get("checkpoint"), token=data.get("token")), 201

    return app


def minimal_app() -> Flask:
    """The least a check-in can be on SQLite: the badge's holder read, the arrival inserted unless it exists,
    committed, a small JSON answered. No device token, no audit row, no refusals but an unknown badge."""
    import sqlite3
    import threading
    from datetime import UTC, datetime

    app = Flask("minimal")
    database = os.environ["DATABASE_URL"].removeprefix("sqlite:///")
    kept = threading.local()  # a connection per thread (--threads), opened in the worker after gunicorn's fork

    @app.post("/api/v1/events/<slug>/checkins")
    def check_in(slug: str):
        connection = getattr(kept, "connection", None)
        if connection is None:
            connection = kept.connection = sqlite3.connect(database)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA busy_timeout=5000")
        data = request.get_json(silent=True) or {}
        holder = connection.execute("SELECT participant.id, participant.event_id FROM badge JOIN participant "
                                    "ON participant.id = badge.participant_id WHERE badge.token = ?",
                                    (data.get("token"),)).fetchone()
        if holder is None:
            return jsonify(result="unknown_badge"), 404
        inserted = connection.execute(
            "INSERT INTO check_in (event_id, participant_id, checkpoint, checked_in_at) VALUES (?, ?, 'entrance', ?) "
            "ON CONFLICT DO NOTHING", (holder[1], holder[0], datetime.now(UTC).isoformat(" "))).rowcount
        connection.commit()
        return (jsonify(result="checked_in"), 201) if inserted else (jsonify(result="already_checked_in"), 409)

    return app


# ---- the database ------------------------------------------------------------------------------------------

def fresh_postgres_database(url: str) -> tuple[str, str]:
    """A new database beside the one in `url`, so that the bench never touches real data: (its URL, its name)."""
    import psycopg

    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://"))
    name = f"bench_checkin_{os.getpid()}"
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


def prepare(database_url: str, participants: int, folder: Path) -> str:
    """Participants, a badge for each, a device; writes the badge tokens to a file. Returns the device's token."""
    from common import bench_app, bench_event
    from sqlalchemy import insert, select

    from conference.badges.models import Badge
    from conference.badges.services import new_token
    from conference.checkin.services import add_device
    from conference.extensions import db
    from conference.registration.models import Participant
    from conference.timeutil import utcnow

    app = bench_app(sqlalchemy_url(database_url))
    with app.app_context():
        event = bench_event(participants)
        ids = list(db.session.scalars(select(Participant.id).where(Participant.event_id == event.id)))
        # Core rows rather than current_badges(): 20,000 ORM objects would take longer than the whole run.
        badges = [{"participant_id": pid, "token": new_token(), "issued_at": utcnow(), "print_count": 0}
                  for pid in ids]
        for start in range(0, len(badges), 5000):
            db.session.execute(insert(Badge), badges[start:start + 5000])
        db.session.commit()
        _device, device_token = add_device(event, "Вход, bench", None)
        db.session.remove()
        db.engine.dispose()  # gunicorn's workers open their own connections
    (folder / "tokens.txt").write_text("".join(f"{badge['token']}\n" for badge in badges))
    return device_token


def admissions(database_url: str) -> dict:
    """What the database holds after the runs: check-ins, scans, and any badge admitted twice at a checkpoint."""
    from sqlalchemy import create_engine, text

    engine = create_engine(sqlalchemy_url(database_url))
    with engine.connect() as connection:
        def count(sql: str) -> int:
            return connection.execute(text(sql)).scalar_one()

        figures = {
            "check_ins": count("SELECT count(*) FROM check_in"),
            "scans": count("SELECT count(*) FROM scan"),
            "scans_checked_in": count("SELECT count(*) FROM scan WHERE outcome = 'checked_in'"),
            # The unique constraint forbids both; counted anyway, since that is what the bench is for.
            "twice_in_check_in": count("SELECT count(*) FROM (SELECT participant_id, checkpoint FROM check_in "
                                       "GROUP BY participant_id, checkpoint HAVING count(*) > 1) AS twice"),
            "twice_in_scans": count("SELECT count(*) FROM (SELECT participant_id, checkpoint FROM scan "
                                    "WHERE outcome = 'checked_in' GROUP BY participant_id, checkpoint "
                                    "HAVING count(*) > 1) AS twice"),
        }
    engine.dispose()
    return figures


# ---- servers and load --------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(spec: str, args, env: dict, port: int) -> subprocess.Popen:
    """The same settings for both servers: only the app spec differs."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [str(gunicorn), "--workers", str(args.workers), "--worker-class", args.worker_class,
               "--threads", str(args.threads), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
               "--pythonpath", str(BENCH), spec]
    return subprocess.Popen(command, env=env, cwd=BENCH.parent)


def wait_until_up(process: subprocess.Popen, port: int) -> None:
    for _ in range(300):
        if process.poll() is not None:
            sys.exit(f"gunicorn exited with {process.returncode}")
        try:
            # Any HTTP answer (405 for a GET) means a worker is listening.
            urllib.request.urlopen(f"http://127.0.0.1:{port}{PATH}", timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("gunicorn did not start")


def run_wrk(port: int, args, folder: Path, tag: str, seconds: int) -> dict:
    command = ["wrk", "--threads", str(args.wrk_threads), "--connections", str(args.connections),
               "--duration", f"{seconds}s", "--timeout", "5s", "--latency", "--script", str(folder / "scan.lua"),
               f"http://127.0.0.1:{port}{PATH}", "--", tag]
    finished = subprocess.run(command, capture_output=True, text=True, env=dict(
        os.environ, BENCH_TOKENS=str(folder / "tokens.txt"), BENCH_DEVICE=args.device_token))
    lines = [line for line in finished.stdout.splitlines() if line.startswith("BENCH ")]
    if finished.returncode or not lines:
        sys.exit(f"wrk failed ({finished.returncode}):\n{finished.stdout}\n{finished.stderr}")
    figures = json.loads(lines[-1][len("BENCH "):])
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


def show(name: str, figures: dict, baseline: dict | None = None) -> None:
    mix = " ".join(f"{status}:{count}" for status, count in sorted(figures["statuses"].items()))
    ratio = f"  {figures['rps'] / baseline['rps']:.2f}× bare" if baseline else ""
    errors = f"  socket errors {figures['socket_errors']}" if figures["socket_errors"] else ""
    print(f"{name:<18} {figures['rps']:8.0f} req/s   p50 {figures['p50_us'] / 1000:6.2f} ms   "
          f"p99 {figures['p99_us'] / 1000:6.2f} ms{ratio}   [{mix}]{errors}", flush=True)


def summary(runs: list[dict]) -> dict:
    """Over the rounds: requests per second over all of them, the median round's latencies."""
    return {"rps": sum(run["requests"] for run in runs) / (sum(run["duration_us"] for run in runs) / 1e6),
            "p50_us": statistics.median(run["p50_us"] for run in runs),
            "p99_us": statistics.median(run["p99_us"] for run in runs),
            "socket_errors": sum(run["socket_errors"] for run in runs),
            "statuses": {status: sum(run["statuses"].get(status, 0) for run in runs)
                         for status in sorted({status for run in runs for status in run["statuses"]})}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=16, help="concurrent clients (wrk connections)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per round and server")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=2, help="seconds of load before the rounds, per server")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (above 1: gthread)")
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""),
                        help="a PostgreSQL server: the bench creates its own database there and drops it after")
    args = parser.parse_args()
    if args.threads > 1 and args.worker_class == "sync":
        args.worker_class = "gthread"  # what gunicorn itself does when given threads
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: install wrk (apt-get install wrk)")

    folder = Path(tempfile.mkdtemp(prefix="bench-checkin-"))
    (folder / "scan.lua").write_text(WRK_SCRIPT)
    database_url, postgres_name = args.database_url, None
    if database_url.startswith(("postgres://", "postgresql")):
        database_url, postgres_name = fresh_postgres_database(database_url)
    elif not database_url:
        database_url = f"sqlite:///{folder}/bench.db"
    servers = []
    try:
        started = time.perf_counter()
        args.device_token = prepare(database_url, args.participants, folder)
        print(f"loaded {args.participants} participants with badges in {time.perf_counter() - started:.1f} s "
              f"({urlsplit(database_url).scheme.split('+')[0]}); gunicorn {args.workers} × {args.worker_class}"
              f"{f' × {args.threads} threads' if args.threads > 1 else ''}, wrk {args.connections} connections, "
              f"{args.duration} s per round", flush=True)

        specs = {"bare": "checkin:bare_app()", "app": "conference:create_app()"}
        urls = {"bare": database_url, "app": database_url}
        if database_url.startswith("sqlite:///"):  # the minimal check-in scans a copy: the app's rows stay its own
            specs["minimal"] = "checkin:minimal_app()"
            urls["minimal"] = f"sqlite:///{folder}/minimal.db"
            shutil.copy(database_url.removeprefix("sqlite:///"), urls["minimal"].removeprefix("sqlite:///"))
        names = [name for name in ("bare", "minimal", "app") if name in specs]
        ports = {name: free_port() for name in names}
        for name in names:
            env = dict(os.environ, DATABASE_URL=urls[name], SECRET_KEY="bench-checkin", MAIL_BACKEND="file",
                       MAIL_FILE_DIR=str(folder / "mail"), RATELIMIT_ENABLED="0", INSTANCE_PATH=str(folder),
                       PUBLIC_URL=f"http://127.0.0.1:{ports[name]}")
            servers.append(start_gunicorn(specs[name], args, env, ports[name]))
            wait_until_up(servers[-1], ports[name])

        labels = {"bare": "bare", "minimal": "minimal", "app": "check-in"}
        runs, warmups = {name: [] for name in names}, {}
        for name in names:  # workers import lazily and fill their caches on the first requests
            warmups[name] = run_wrk(ports[name], args, folder, f"warmup-{os.getpid()}", args.warmup)
        for round_number in range(1, args.rounds + 1):
            tag = f"r{round_number}-{os.getpid()}"
            for name in names:
                runs[name].append(run_wrk(ports[name], args, folder, tag, args.duration))
                show(f"{labels[name]}, round {round_number}", runs[name][-1],
                     runs["bare"][-1] if name != "bare" else None)

        totals = {name: summary(runs[name]) for name in names}
        bare, app = totals["bare"], totals["app"]
        print()
        show("bare Flask", bare)
        if "minimal" in totals:
            show("minimal check-in", totals["minimal"], bare)
        show("check-in", app, bare)
        app_runs = runs["app"]

        stored = admissions(database_url)
        every_app_run = [*app_runs, warmups["app"]]
        answered_201 = sum(run["statuses"].get("201", 0) for run in every_app_run)
        # wrk stops with up to one request per connection in flight: the server may have admitted those badges
        # without wrk seeing the answer. More 201s than rows, or rows beyond what was in flight, is an error.
        in_flight = sum(run["sent"] - run["requests"] for run in every_app_run)
        unseen = stored["check_ins"] - answered_201
        duplicates = stored["twice_in_check_in"] + stored["twice_in_scans"] + max(0, -unseen)
        lost = max(0, unseen - in_flight)
        print(f"check-in rows {stored['check_ins']}, 201 answers seen {answered_201} "
              f"(difference {unseen}: answers cut off when wrk stopped, at most {in_flight}); "
              f"scans recorded {stored['scans']}")
        print(f"duplicate check-ins: {duplicates} (must be 0)" + (f"; unexplained check-ins: {lost}" if lost else ""))
        ratio = app["rps"] / bare["rps"]
        verdict = "within" if ratio >= 0.6 and app["p99_us"] < 10_000 else "OUTSIDE"
        print(f"ratio {ratio:.2f} (budget ≥ 0.6), p99 {app['p99_us'] / 1000:.2f} ms (budget < 10 ms): {verdict} budget")
        if "minimal" in totals:
            print(f"the minimal check-in: ratio {totals['minimal']['rps'] / bare['rps']:.2f}, "
                  f"p99 {totals['minimal']['p99_us'] / 1000:.2f} ms; the app makes "
                  f"{app['rps'] / totals['minimal']['rps']:.2f} of its scans per second")
        if duplicates or lost:
            sys.exit(1)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
        if postgres_name:
            drop_postgres_database(args.database_url, postgres_name)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
