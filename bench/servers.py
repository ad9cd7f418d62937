"""Servers for the benches that measure over HTTP: gunicorn with the same settings for the app and its baseline."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(spec: str, args, env: dict, port: int, log: Path, nice: int = 0) -> subprocess.Popen:
    """gunicorn serving `spec` with the app's gunicorn settings and those in `args` (workers, worker_class, threads),
    the same for the app and its baseline, at the given niceness (as systemd's Nice=); up and answering when this
    returns. Its output goes to `log` (the app logs every answer 429 of the rate limiter, thousands in a bench)."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [*(["nice", "-n", str(nice)] if nice else []), str(gunicorn), "--workers", str(args.workers),
               "--worker-class", args.worker_class,
               "--threads", str(args.threads), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
               "--config", str(BENCH.parent / "conference" / "gunicorn.conf.py"),  # as in production, for both
               "--pythonpath", str(BENCH), spec]
    with open(log, "ab") as output:
        process = subprocess.Popen(command, env=env, cwd=BENCH.parent, stdout=output, stderr=subprocess.STDOUT)
    for _ in range(300):
        if process.poll() is not None:
            sys.exit(f"gunicorn ({spec}) exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            # Any HTTP answer (a 404 or 405 for this GET) means a worker is listening.
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench-is-up", timeout=1)
            return process
        except urllib.error.HTTPError:
            return process
        except OSError:
            time.sleep(0.1)
    process.terminate()
    sys.exit(f"gunicorn ({spec}) did not start")


def start_consumer(env: dict, log: Path) -> subprocess.Popen:
    """The job consumer (`flask jobs work`), as production runs it beside gunicorn: it sends the letters and, on
    SQLite, copies the scans' write-ahead log into the database."""
    flask = Path(sys.executable).parent / "flask"
    with open(log, "ab") as output:
        return subprocess.Popen([str(flask), "--app", "conference", "jobs", "work"], env=env, cwd=BENCH.parent,
                                stdout=output, stderr=subprocess.STDOUT)


def stop_servers(servers) -> None:
    servers = list(servers)
    for server in servers:
        server.terminate()
    for server in servers:
        server.wait(timeout=30)


def machine_load() -> str:
    """The machine's load average (1, 5, 15 minutes): on a shared machine, whether someone else was busy meanwhile."""
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())
