"""The job queue: work that outlives the request (sending letters, big PDFs, re-rendering badges) on Huey.

Its storage is a SQLite file in instance/ (`jobs.db`: nothing to install) or, for several servers, Redis
(`JOBS_URL=redis://…`); the same tasks run on both. `flask jobs work` is the consumer (`make run` starts it beside
the web server). Tasks live in the capability they serve (`tasks.py`), declared with `@job` or `@periodic_job`:
each runs in the app's context as one action, committed when it returns, rolled back when it raises. A task that
an action asks for is enqueued when the action commits (`enqueue_after_commit`), never before.

Tests run jobs in the process that asks for them, at once (JOBS_URL=immediate); tests of the consumer itself start
`flask jobs work` as a separate process on a real storage."""

import functools
import logging
import threading

import click
from flask import Flask, current_app, has_app_context
from flask.cli import AppGroup
from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab

from .config import INSTANCE_DIR, jobs_url, keep_private
from .extensions import db
from .transactions import after_commit

log = logging.getLogger(__name__)


def _make_queue(url: str):
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("conference", url=url)
    if url == "immediate":
        return MemoryHuey("conference", immediate=True)
    path = url.removeprefix("sqlite:///") if url else str(INSTANCE_DIR / "jobs.db")
    storage = SqliteHuey("conference", filename=path)
    for file in (path, f"{path}-wal", f"{path}-shm"):  # jobs carry addresses and names: for our user alone
        keep_private(file, 0o600)
    return storage


queue = _make_queue(jobs_url())
_app: Flask | None = None  # the app whose context a consumer's tasks run in


def init_app(app: Flask) -> None:
    global _app
    _app = app
    app.cli.add_command(jobs_cli)


def _run_in_app(function):
    @functools.wraps(function)
    def run(*args, **kwargs):
        app = current_app._get_current_object() if has_app_context() else _app
        with app.app_context():  # a context of its own: its own database session, its own SMTP connection
            try:
                result = function(*args, **kwargs)
                db.session.commit()
                return result
            except BaseException:
                db.session.rollback()
                raise

    return run


AT_START = []  # jobs a consumer asks for as it starts: what its predecessor left (killed, say) is taken up


def job(at_start: bool = False, **options):
    """A task for the queue (Huey's options: retries, retry_delay, …)."""
    def declare(function):
        task = queue.task(**options)(_run_in_app(function))
        if at_start:
            AT_START.append(task)
        return task

    return declare


def periodic_job(schedule: crontab):
    """A task the consumer runs on a schedule (Huey's crontab)."""
    def declare(function):
        return queue.periodic_task(schedule)(_run_in_app(function))

    return declare


COMPANIONS = []  # work the consumer does beside its jobs, each on a thread of its own (see companion)


def companion(function):
    """Work the consumer keeps doing beside its jobs, more often than the periodic jobs' minute: `function(stopping)`
    runs in the app's context on a thread of its own and returns once `stopping` (a threading.Event) is set."""
    COMPANIONS.append(function)
    return function


def _start_companions(app: Flask) -> threading.Event:
    stopping = threading.Event()

    def run(function):
        with app.app_context():
            function(stopping)

    for function in COMPANIONS:
        threading.Thread(target=run, args=(function,), name=function.__name__, daemon=True).start()
    return stopping


def enqueue_after_commit(task, *args) -> None:
    """Asks for `task(*args)` once the current action is saved; nothing if it is rolled back."""
    after_commit(lambda: task(*args))


jobs_cli = AppGroup("jobs", help="The background job queue.")


@jobs_cli.command("work", help="Run the job consumer (sending letters, big PDFs, periodic jobs) until stopped.")
@click.option("--workers", default=2, show_default=True, help="Jobs run at the same time (threads).")
@click.option("--periodic/--no-periodic", default=True, show_default=True,
              help="Run the periodic jobs too (with several consumers, let one of them).")
def work(workers: int, periodic: bool):
    storage = type(queue).__name__
    click.echo(f"Job consumer: {workers} workers on {storage} ({jobs_url() or INSTANCE_DIR / 'jobs.db'})")
    for task in AT_START:
        task()
    # Threads: a job that renders (a big batch of badges) then does so on one core, as a process running other
    # threads must (see conference.pdf.render_pdfs), which leaves the other cores to the web server and its scans.
    stopping = _start_companions(current_app._get_current_object())
    try:
        queue.create_consumer(workers=workers, periodic=periodic, check_worker_health=True).run()
    finally:
        stopping.set()
