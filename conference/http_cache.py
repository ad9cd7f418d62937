"""Public answers that browsers, calendar and schedule apps fetch again and again (the program's PDF, its
schedule.json, its calendars): each version has an ETag and, where known, a Last-Modified, and a client that holds
the version it would get is answered 304 with nothing rendered or sent."""

import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from flask import Response, current_app, request
from werkzeug.http import is_resource_modified


def conditional_response(digest: str, build: Callable[[], Response], modified: datetime | None = None) -> Response:
    """build()'s answer, or 304 to a client that sends this version's ETag (If-None-Match) or, sending none, a time
    not before `modified` (If-Modified-Since). Clients may keep it but ask each time: programs change."""
    if is_resource_modified(request.environ, etag=digest, last_modified=modified):
        response = build()
    else:
        response = Response(status=304)
    response.set_etag(digest)
    if modified is not None:
        response.last_modified = modified
    response.headers["Cache-Control"] = "no-cache"
    return response


def first_served(document: str, digest: str) -> datetime:
    """When this version of `document` (a name unique to one URL and language) was first served: its Last-Modified.

    Nothing in the database says when a session, a room or a speaker last changed, so the version served last is
    kept in instance/cache/versions/<document>: its digest, the file's time being when it was first served. A new
    version gets a time at least a second past the previous one's, so that If-Modified-Since (whole seconds) never
    takes it for the old; a version that comes back (an edit undone) is new again."""
    path = Path(current_app.instance_path, "cache", "versions", document)
    try:
        if path.read_text() == digest:
            return datetime.fromtimestamp(path.stat().st_mtime, UTC)
        previous = path.stat().st_mtime
    except FileNotFoundError:
        previous = 0
    moment = max(int(time.time()), int(previous) + 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=".", suffix=".tmp", delete=False) as temporary:
        temporary.write(digest)
    os.utime(temporary.name, (moment, moment))
    os.replace(temporary.name, path)  # another worker reads the whole file or none
    return datetime.fromtimestamp(moment, UTC)
