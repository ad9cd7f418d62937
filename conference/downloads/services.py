"""Files prepared in the background: asked for by an action, made by a job (tasks.prepare), kept on disk."""

import logging
import os
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from conference.extensions import db
from conference.jobs import enqueue_after_commit
from conference.timeutil import utcnow

from .models import Download, DownloadStatus

log = logging.getLogger(__name__)

# kind -> the function that makes the file: (download, progress(done)) -> bytes
DOWNLOAD_KINDS: dict[str, Callable] = {}


def download_kind(name: str):
    def register(make: Callable):
        DOWNLOAD_KINDS[name] = make
        return make

    return register


def folder() -> Path:
    path = Path(current_app.instance_path) / "downloads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_path(download: Download) -> Path:
    return folder() / f"{download.file_key}.pdf"


def new_download(event_id: int, kind: str, filename: str, params: dict, total: int, user_id: int | None) \
        -> Download:
    """A file to make: made at once (make_now) or by a job once the action commits (queue_preparation)."""
    download = Download(event_id=event_id, kind=kind, filename=filename, params=params, total=total,
                        created_by_id=user_id, status=DownloadStatus.QUEUED)
    db.session.add(download)
    db.session.flush()
    return download


def queue_preparation(download: Download) -> None:
    from .tasks import prepare  # (tasks imports this module)

    download.status, download.done, download.error = DownloadStatus.QUEUED, 0, ""
    enqueue_after_commit(prepare, download.id)


def make_now(download: Download) -> bytes:
    """Makes the file in the current action (a batch small enough for the page to answer at once)."""
    content = DOWNLOAD_KINDS[download.kind](download, lambda done: None)
    _keep(download, content)
    return content


def prepare(download_id: int) -> None:
    """The job: makes the file, telling its progress as it goes (each step committed, for the page to show)."""
    download = db.session.get(Download, download_id)
    if download is None or download.status not in (DownloadStatus.QUEUED, DownloadStatus.WORKING):
        return  # deleted, or made already (a job run twice)
    download.status = DownloadStatus.WORKING
    db.session.commit()

    def progress(done: int) -> None:
        download.done = done
        db.session.commit()

    try:
        content = DOWNLOAD_KINDS[download.kind](download, progress)
    except Exception as error:  # noqa: BLE001 - whatever went wrong is shown on the page, which offers a new try
        log.exception("could not prepare download %s", download_id)
        db.session.rollback()
        download = db.session.get(Download, download_id)
        download.status, download.error = DownloadStatus.FAILED, f"{type(error).__name__}: {error}"
        return
    _keep(download, content)


def _keep(download: Download, content: bytes) -> None:
    """Written to a temporary file and renamed: a reader never sees half a file."""
    target = file_path(download)
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    with os.fdopen(handle, "wb") as out:
        out.write(content)
    os.replace(temporary, target)
    download.status, download.done, download.finished_at = DownloadStatus.READY, download.total, utcnow()


# A file asked for this long ago and still not made: its job was lost (a queue that could not be reached, a
# consumer killed mid-job), and the page offers to prepare it again.
STUCK_AFTER = timedelta(minutes=15)


def is_stuck(download: Download) -> bool:
    return (download.status in (DownloadStatus.QUEUED, DownloadStatus.WORKING)
            and download.created_at < utcnow() - STUCK_AFTER)


def content_of(download: Download) -> bytes | None:
    path = file_path(download)
    return path.read_bytes() if download.status == DownloadStatus.READY and path.exists() else None


def latest(event_id: int, kind: str, limit: int = 3) -> list[Download]:
    return list(db.session.scalars(select(Download).where(Download.event_id == event_id, Download.kind == kind)
                                   .order_by(Download.id.desc()).limit(limit)))


def expire_old() -> int:
    """Deletes the files older than PREPARED_FILE_HOURS; their rows stay, to be prepared again if asked."""
    limit = utcnow() - timedelta(hours=current_app.config["PREPARED_FILE_HOURS"])
    old = db.session.scalars(select(Download).where(Download.status == DownloadStatus.READY,
                                                    Download.finished_at < limit)).all()
    for download in old:
        file_path(download).unlink(missing_ok=True)
        download.status = DownloadStatus.EXPIRED
    return len(old)
