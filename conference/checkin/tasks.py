"""The check-in's work in the job consumer."""

import logging

from sqlalchemy.exc import DBAPIError

from conference.extensions import db
from conference.jobs import companion

from .services import copy_log_into_database, one_shared_connection

log = logging.getLogger(__name__)
# Small copies, often: each copy's fsync holds the scans' writes up for a time that grows with its size. At 200
# scans a second (bench/checkin.py), copying every 5 s gave a p99.9 of 87 ms, every 0.5 s 74 ms, every 0.1 s 10 ms.
# An idle copy costs a few microseconds.
LOG_COPIED_EVERY = 0.1  # seconds


@companion
def copy_scan_log(stopping) -> None:
    """On SQLite, copies the write-ahead log into the database every LOG_COPIED_EVERY seconds, on a connection of
    its own, so that no scan's commit does it (see services._held_connection)."""
    engine = db.engine
    if engine.dialect.name != "sqlite" or one_shared_connection(engine):
        return
    pooled = None
    try:
        while not stopping.wait(LOG_COPIED_EVERY):
            try:
                pooled = pooled or engine.raw_connection()  # a database not there yet is tried again
                copy_log_into_database(pooled.dbapi_connection)
            except (DBAPIError, engine.dialect.loaded_dbapi.Error):  # opening (wrapped) or copying (the driver's)
                log.warning("copying the scans' log into the database failed; trying again", exc_info=True)
    finally:
        if pooled is not None:
            pooled.close()
