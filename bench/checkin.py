"""Badge scans under gunicorn: how fast they are answered when they come at a steady pace, idle and while anonymous
visitors hammer the public program PDF, and how many per second the API answers at most; each beside a bare Flask
route under the same gunicorn settings, measured in the same run. The job consumer runs beside the app, as in
production (on SQLite it copies the scans' write-ahead log into the database).

Loads 20,000 participants (about 80% confirmed) with a badge each, a check-in device and a day's program (rooms,
sessions, speakers: the program PDF is real), then runs gunicorn servers with the same settings: the app; a bare
Flask app whose one POST route parses the same JSON and answers a small JSON with 201 (the floor: what gunicorn,
Flask and this machine cost right now); and, on SQLite, a minimal check-in on the driver alone (one read of the
badge, one insert of the arrival, on a copy of the same database), the least a scan can cost.

1. Open loop (the issue's budget): 200 scans a second sent on a clock by bench/openloop.py, whatever the answers,
   each badge scanned once (arrivals: mostly first scans, refusals for pending or cancelled registrations), latency
   counted from the moment each scan was due (no coordinated omission). Against the bare route and the app, idle,
   then while 32 anonymous clients from 127.0.0.1 (visitors behind one NAT) loop on /events/bench/program.pdf,
   which is cached and rate-limited per address: their 200 and 429 answers are counted. The bare route under the
   same loopers (which hit the app's server) shows what the machine's load alone costs a request. The app runs as
   in production here: rate limits on (RATELIMIT_STORAGE_URI as given, memory:// by default: per worker).
   Then as the README's production section lays it out: the scans go to a gunicorn of their own (the door), the
   loopers to the public one, which runs at niceness 10 (systemd's Nice=10): the budget with loopers is this
   case's; the shared server's figure is shown beside it, with the bare route under the same load for each.
2. Closed loop (the old throughput figure): wrk with the same script, connection count and duration against each
   server, in alternating rounds (bare, minimal, app, …) so that a noisy neighbour hurts all alike; every request
   scans a random badge with a fresh nonce. Rate limits off, as this figure was always measured.

After the runs the database is asked whether any badge was admitted twice at one checkpoint (must be 0), and the
201 answers seen are compared with the check-in rows.

Budget on a 2-core machine: open-loop p99 ≤ 10 ms idle and ≤ 20 ms with the loopers; wrk throughput at least
0.38 of the bare route on SQLite, 0.19 on PostgreSQL.

    .venv/bin/python bench/checkin.py [--participants 20000] [--rate 200] [--open-seconds 20] [--loopers 32]
        [--phases open,wrk] [--connections 16] [--duration 10] [--rounds 2] [--workers 4] [--threads 1]
        [--public-nice 10]
        [--worker-class sync] [--ratelimit-storage memory://] [--database-url postgresql://...]
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, jsonify, request
from servers import free_port, machine_load, start_consumer, start_gunicorn, stop_servers

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

def prepare(database_url: str, participants: int, folder: Path) -> str:
    """Participants, a badge for each, a device, a program; writes the badge tokens to a file. Returns the device's
    token."""
    from common import bench_app, bench_event, bench_program
    from sqlalchemy import insert, select

    from conference.badges.models import Badge
    from conference.badges.services import new_token
    from conference.checkin.services import add_device
    from conference.extensions import db
    from conference.registration.models import Participant
    from conference.timeutil import utcnow

    app = bench_app(database_url)
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
        bench_program(event)
        db.session.commit()  # services only flush: the bench is the action's boundary
        db.session.remove()
        db.engine.dispose()  # gunicorn's workers open their own connections
    # Shuffled: the open loop scans the file's badges in order, and the ids came in the order of some index (by
    # status, say).
    random.Random(15).shuffle(badges)
    (folder / "tokens.txt").write_text("".join(f"{badge['token']}\n" for badge in badges))
    return device_token


def admissions(database_url: str) -> dict:
    """What the database holds after the runs: check-ins, scans, and any badge admitted twice at a checkpoint."""
    from common import sqlalchemy_url
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


# ---- load ------------------------------------------------------------------------------------------------

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


# ---- the open loop -----------------------------------------------------------------------------------------

PDF_PATH = "/events/bench/program.pdf"


def openloop(*arguments: str, device: str = "") -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(BENCH / "openloop.py"), *arguments], stdout=subprocess.PIPE,
                            text=True, env=dict(os.environ, BENCH_DEVICE=device))


def finished(process: subprocess.Popen) -> dict:
    out, _ = process.communicate()
    if process.returncode:
        sys.exit(f"bench/openloop.py failed ({process.returncode})")
    return json.loads(out.strip().splitlines()[-1])


def run_open_loop(port: int, args, folder: Path, first: int, loopers_port: int | None) -> dict:
    """200 scans a second for the warm-up and the measured seconds; with `loopers_port`, the anonymous visitors
    loop on that server's program PDF meanwhile (started a second before, stopped a little after)."""
    loopers = None
    if loopers_port:
        loopers = openloop("loop", "--port", str(loopers_port), "--path", PDF_PATH, "--clients", str(args.loopers),
                           "--seconds", str(args.open_warmup + args.open_seconds + 2))
        time.sleep(1)
    scans = openloop("scans", "--port", str(port), "--path", PATH, "--rate", str(args.rate), "--seconds",
                     str(args.open_seconds), "--warmup", str(args.open_warmup), "--tokens", str(folder / "tokens.txt"),
                     "--first", str(first), device=args.device_token)
    figures = finished(scans)
    if loopers:
        figures["loopers"] = finished(loopers)
    return figures


def show_open(name: str, figures: dict) -> dict:
    from openloop import percentile

    latencies = figures["latencies_ms"]
    shown = {share: percentile(latencies, share) for share in (50, 90, 99, 99.9)}
    mix = " ".join(f"{status}:{count}" for status, count in sorted(figures["statuses"].items()))
    errors = f"  errors {figures['errors']}" if figures["errors"] else ""
    print(f"{name:<34} p50 {shown[50]:6.2f}  p90 {shown[90]:6.2f}  p99 {shown[99]:7.2f}  p99.9 {shown[99.9]:7.2f}"
          f"  max {max(latencies):7.1f} ms   [{mix}]{errors}   driver's own lag p99 "
          f"{percentile(figures['lag_ms'], 99):.2f} ms", flush=True)
    if "loopers" in figures:
        looped = figures["loopers"]
        counts = looped["statuses"]
        total = sum(counts.values())
        others = {status: count for status, count in counts.items() if status not in ("200", "429")}
        print(f"{'':<34} loopers: {total} requests ({total / looped['seconds']:.0f}/s), {counts.get('200', 0)} × 200, "
              f"{counts.get('429', 0)} × 429" + (f", others {others}" if others else "")
              + (f", errors {looped['errors']}" if looped["errors"] else ""), flush=True)
    return {"p99": shown[99], **figures}


# ---- the run -----------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--phases", default="open,wrk", help="open (the open loop), wrk (throughput), or both")
    parser.add_argument("--rate", type=float, default=200, help="open loop: scans per second")
    parser.add_argument("--open-seconds", type=float, default=20, help="open loop: seconds measured per run")
    parser.add_argument("--open-warmup", type=float, default=3, help="open loop: seconds before, not counted")
    parser.add_argument("--loopers", type=int, default=32, help="anonymous clients looping on the program PDF")
    parser.add_argument("--ratelimit-storage", default="memory://", help="the app's RATELIMIT_STORAGE_URI")
    parser.add_argument("--public-nice", type=int, default=10,
                        help="open loop, production layout: the niceness of the public gunicorn the loopers hit")
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
    phases = set(args.phases.split(","))
    if args.threads > 1 and args.worker_class == "sync":
        args.worker_class = "gthread"  # what gunicorn itself does when given threads
    if "wrk" in phases and shutil.which("wrk") is None:
        sys.exit("wrk not found: install wrk (apt-get install wrk)")
    open_scans = int((args.open_warmup + args.open_seconds) * args.rate)
    app_runs = 3  # idle, beside the loopers, and at the door apart from them
    if "open" in phases and app_runs * open_scans > args.participants:
        sys.exit(f"the open loop scans each badge once: {app_runs * open_scans} scans need as many participants")

    from common import scratch_database

    folder = Path(tempfile.mkdtemp(prefix="bench-checkin-"))
    (folder / "scan.lua").write_text(WRK_SCRIPT)
    servers = {}
    with ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, folder, ignore_errors=True)
        database_url = cleanup.enter_context(scratch_database(args.database_url, folder, "bench_checkin"))
        cleanup.callback(stop_servers, servers.values())
        on_sqlite = database_url.startswith("sqlite:///")
        started = time.perf_counter()
        args.device_token = prepare(database_url, args.participants, folder)
        print(f"loaded {args.participants} participants with badges in {time.perf_counter() - started:.1f} s "
              f"({urlsplit(database_url).scheme.split('+')[0]}); gunicorn {args.workers} × {args.worker_class}"
              f"{f' × {args.threads} threads' if args.threads > 1 else ''}; {machine_load()}", flush=True)

        specs = {"bare": "checkin:bare_app()", "app": "conference:create_app()"}
        urls = {"bare": database_url, "app": database_url}
        if on_sqlite:  # the minimal check-in scans a copy: the app's rows stay its own
            specs["minimal"] = "checkin:minimal_app()"
            urls["minimal"] = f"sqlite:///{folder}/minimal.db"
            shutil.copy(database_url.removeprefix("sqlite:///"), urls["minimal"].removeprefix("sqlite:///"))
        names = [name for name in ("bare", "minimal", "app") if name in specs]
        if "open" in phases:  # the production layout: the app for the scans alone, and the public app, niced
            for name in ("door", "public"):
                specs[name], urls[name] = specs["app"], urls["app"]
        ports = {name: free_port() for name in specs}

        def environment(name: str, rate_limits: bool) -> dict:
            return dict(os.environ, DATABASE_URL=urls[name], SECRET_KEY="bench-checkin", MAIL_BACKEND="file",
                        MAIL_FILE_DIR=str(folder / "mail"), RATELIMIT_ENABLED="1" if rate_limits else "0",
                        RATELIMIT_STORAGE_URI=args.ratelimit_storage, INSTANCE_PATH=str(folder),
                        JOBS_URL=f"sqlite:///{folder}/jobs.db", PUBLIC_URL=f"http://127.0.0.1:{ports[name]}")

        def serve(name: str, rate_limits: bool) -> None:
            if name in servers:
                old = servers.pop(name)
                old.terminate()
                old.wait(timeout=30)
            env = environment(name, rate_limits)
            servers[name] = start_gunicorn(specs[name], args, env, ports[name], folder / f"{name}.log",
                                           nice=args.public_nice if name == "public" else 0)

        for name in specs:
            serve(name, rate_limits=name in ("app", "door", "public") and "open" in phases)
        # The app's consumer, as beside every production server (the minimal check-in has none: SQLite copies its
        # log itself, in the commits).
        servers["consumer"] = start_consumer(environment("app", rate_limits=False), folder / "consumer.log")

        seen_201 = in_flight = 0  # the app's answers to scans, for the check against the rows
        verdicts = []
        if "open" in phases:
            # The program's PDF, rendered once and cached, as after its first visitor.
            with urllib.request.urlopen(f"http://127.0.0.1:{ports['app']}{PDF_PATH}", timeout=60) as answer:
                pdf_bytes = len(answer.read())
            print(f"\nopen loop: {args.rate:.0f} scans/s, {args.open_seconds:.0f} s measured after "
                  f"{args.open_warmup:.0f} s of warm-up; latency from each scan's due time, in ms; the program PDF "
                  f"is {pdf_bytes / 1024:.0f} KiB, its limit {os.environ.get('PUBLIC_PDF_RATE_LIMIT', '20 per minute')}"
                  f" per address ({args.ratelimit_storage})", flush=True)
            first, results = 0, {}
            # The loopers' first run on a server is the app's: the limiter's window is then fresh, its 200s what
            # it lets through.
            loaded_label, apart_label = f"check-in, {args.loopers} PDF loopers", f"door apart, {args.loopers} loopers"
            cases = [("bare, idle", "bare", None), ("check-in, idle", "app", None),
                     (loaded_label, "app", ports["app"]),
                     (f"bare, {args.loopers} PDF loopers on the app", "bare", ports["app"]),
                     (apart_label, "door", ports["public"]),
                     (f"bare, {args.loopers} loopers on the public", "bare", ports["public"])]
            for label, name, loopers_port in cases:
                figures = run_open_loop(ports[name], args, folder, 0 if name == "bare" else first, loopers_port)
                if name in ("app", "door"):
                    first += open_scans
                    seen_201 += figures["statuses"].get("201", 0) + figures["warmup_statuses"].get("201", 0)
                    in_flight += figures["errors"] + figures["warmup_errors"]
                results[label] = show_open(label, figures)
            idle, loaded, apart = results["check-in, idle"], results[loaded_label], results[apart_label]
            verdicts.append(
                f"open loop p99 idle {idle['p99']:.2f} ms (bare {results['bare, idle']['p99']:.2f}; budget ≤ 10 ms): "
                f"{'within' if idle['p99'] <= 10 else 'OUTSIDE'} budget")
            verdicts.append(
                f"open loop p99 with {args.loopers} PDF loopers, the door apart {apart['p99']:.2f} ms (bare under the "
                f"same loopers {results[f'bare, {args.loopers} loopers on the public']['p99']:.2f}; budget ≤ 20 ms): "
                f"{'within' if apart['p99'] <= 20 else 'OUTSIDE'} budget; the loopers got "
                f"{apart['loopers']['statuses'].get('200', 0)} × 200 and {apart['loopers']['statuses'].get('429', 0)}"
                f" × 429")
            verdicts.append(
                f"(one gunicorn for all, not the production layout: p99 with the loopers {loaded['p99']:.2f} ms, bare "
                f"under the same loopers {results[f'bare, {args.loopers} PDF loopers on the app']['p99']:.2f})")

        for name in ("door", "public"):
            if name in servers:
                stop_servers([servers.pop(name)])
        if "wrk" in phases:
            if "open" in phases:
                serve("app", rate_limits=False)  # as the throughput figure was always measured
            print(f"\nthroughput (closed loop): wrk {args.connections} connections, {args.duration} s per round; "
                  "rate limits off", flush=True)
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
            every_app_run = [*runs["app"], warmups["app"]]
            seen_201 += sum(run["statuses"].get("201", 0) for run in every_app_run)
            # wrk stops with up to one request per connection in flight: the server may have admitted those badges
            # without wrk seeing the answer.
            in_flight += sum(run["sent"] - run["requests"] for run in every_app_run)
            ratio = app["rps"] / bare["rps"]
            floor = 0.38 if on_sqlite else 0.19
            verdicts.append(f"wrk throughput {ratio:.2f}× bare (budget ≥ {floor}× on "
                            f"{'SQLite' if on_sqlite else 'PostgreSQL'}), closed-loop p99 "
                            f"{app['p99_us'] / 1000:.2f} ms: {'within' if ratio >= floor else 'OUTSIDE'} budget")
            if "minimal" in totals:
                verdicts.append(f"the minimal check-in: {totals['minimal']['rps'] / bare['rps']:.2f}× bare, p99 "
                                f"{totals['minimal']['p99_us'] / 1000:.2f} ms; the app makes "
                                f"{app['rps'] / totals['minimal']['rps']:.2f} of its scans per second")

        stored = admissions(database_url)
        # More 201s than rows, or rows beyond what was in flight, is an error.
        unseen = stored["check_ins"] - seen_201
        duplicates = stored["twice_in_check_in"] + stored["twice_in_scans"] + max(0, -unseen)
        lost = max(0, unseen - in_flight)
        print(f"\ncheck-in rows {stored['check_ins']}, 201 answers seen {seen_201} "
              f"(difference {unseen}: answers cut off or timed out, at most {in_flight}); "
              f"scans recorded {stored['scans']}")
        print(f"duplicate check-ins: {duplicates} (must be 0)" + (f"; unexplained check-ins: {lost}" if lost else ""))
        print(machine_load())
        for verdict in verdicts:
            print(verdict)
        if duplicates or lost:
            sys.exit(1)




if __name__ == "__main__":
    main()
