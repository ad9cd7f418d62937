"""One user action, one transaction.

Services change the session and flush; they never commit. The action's boundary commits once, or rolls everything
back: a request (`ConferenceApp.dispatch_request` in conference/__init__.py: a POST commits when its view returns, a
GET never writes), a command (`flask …`), a job (conference/jobs.py). What must leave the system only once the
action is saved (a job for the queue, which sends letters) is handed to `after_commit`.

Counting and then inserting (seats, an event's capacity) is decided under `lock_row`, so that two requests in two
server processes cannot both see the last seat free."""

import logging
import sqlite3
from collections.abc import Callable
from contextlib import contextmanager

from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from .extensions import db

log = logging.getLogger(__name__)

_AFTER_COMMIT = "after_commit"
_NOTES = "transaction_notes"


def after_commit(action: Callable[[], None]) -> None:
    """Runs `action` once the current transaction commits; never if it rolls back."""
    db.session.info.setdefault(_AFTER_COMMIT, []).append(action)


def notes() -> dict:
    """A scratch dict that lives as long as the current transaction (e.g. how many letters it queued)."""
    return db.session.info.setdefault(_NOTES, {})


# (SQLAlchemy sends after_commit and after_rollback for a savepoint's release and rollback too: those are not the
# action's end, and change nothing here.)
@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.info.pop(_NOTES, None)
    for action in session.info.pop(_AFTER_COMMIT, []):
        try:
            action()
        except Exception:  # noqa: BLE001 - the action is saved: a queue that cannot be reached must not undo that
            log.exception("after the commit, %r failed", action)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.info.pop(_NOTES, None)
    session.info.pop(_AFTER_COMMIT, None)


def lock_row(model, row_id: int) -> None:
    """Holds `model`'s row `row_id` for this transaction: whoever locks it next waits for our commit. PostgreSQL
    locks the row (SELECT … FOR UPDATE). SQLite has one writer at a time: the transaction takes the database's
    write lock up front (see _write_transaction), before anything is counted."""
    if db.session.get_bind().dialect.name == "postgresql":
        # FOR NO KEY UPDATE: it excludes the other counters, not the rows that merely refer to this one (a scan
        # or a letter of the event inserted meanwhile needs only a KEY SHARE lock on it).
        db.session.execute(select(model.id).where(model.id == row_id).with_for_update(key_share=True))
    else:
        _write_transaction()


@contextmanager
def savepoint():
    """A part of the action that may be refused by the database (a unique name taken at the same moment): when it
    is, what it changed is undone and the rest of the action stands."""
    _write_transaction()
    with db.session.begin_nested() as nested:
        yield nested


def _write_transaction() -> None:
    """On SQLite, a transaction begun as a writer (BEGIN IMMEDIATE, which waits its turn for the write lock) unless
    this one writes already. pysqlite begins a transaction only before the first write, reading meanwhile outside
    any: a SAVEPOINT taken before it would begin one itself, and its release would commit half an action; and a
    transaction begun by a read, then made a writer, would fail at once (not wait) if another wrote in between."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection
        if not driver.in_transaction:
            driver.execute("BEGIN IMMEDIATE")


def is_busy(error: BaseException) -> bool:
    """The database could not take our change in time (a write lock held by another action, or a lock wait over
    PostgreSQL's lock_timeout): nothing was saved, and the same action may well succeed in a moment."""
    driver_error = error.orig if isinstance(error, OperationalError) else error  # the scan path uses the driver's
    sqlstate = getattr(driver_error, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in ("55P03", "57014", "40P01", "40001")  # lock not available, timeout, deadlock, serialize
    return isinstance(driver_error, sqlite3.OperationalError) and (
        "locked" in str(driver_error) or "busy" in str(driver_error))
