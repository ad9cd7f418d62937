"""Who saw whom (152-FZ): each look of a staff member at participants' personal data is recorded, and the
administrators read the log (privacy.views.access_log)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import request
from flask_login import current_user
from sqlalchemy import func, insert, select

from conference.events.models import Event
from conference.extensions import db
from conference.registration.forms import filter_args
from conference.registration.services import Page
from conference.timeutil import local_to_utc, utcnow

from .models import ACCESS_KINDS, DataAccess


def record_access(kind: str, event: Event, people: int, participant_id: int | None = None, detail: str = "",
                  device: str | None = None) -> None:
    """Records that the current staff member (or the check-in device named `device`, which has a token and no
    account) is being shown `people` participants' data. Called before the data leaves, so that nothing is shown
    unrecorded."""
    assert kind in ACCESS_KINDS, kind
    user_id, who = (None, f"device «{device}»") if device is not None else (current_user.id, current_user.email)
    values = {"at": utcnow(), "user_id": user_id, "user_email": who[:254], "event_id": event.id,
              "kind": kind, "participant_id": participant_id, "people": people, "detail": detail[:300]}
    if request.method in ("GET", "HEAD"):
        # A GET saves nothing of its own (it is rolled back: conference.ConferenceApp): the record of a reading is
        # an action of its own, committed at once on a connection of its own.
        with db.engine.begin() as connection:
            connection.execute(insert(DataAccess).values(**values))
    else:  # saved with the action that shows the data (a batch of badges), or not at all
        db.session.add(DataAccess(**values))


def with_filters(what: str, values) -> str:
    """«xlsx status=confirmed text=…»: a file and the participant list's filters it was made with. A search's words
    are often a name, an address or a phone number: the log says a search was made, never what it was (it keeps no
    personal data of its own, and outlives erasure)."""
    return " ".join([what] + [f"{key}={'…' if key == 'text' else str(value)[:40]}"
                              for key, value in filter_args(values).items() if key != "page"])


@dataclass
class AccessFilter:
    event_id: int | None = None
    kind: str = ""
    user_email: str = ""  # a part of the address
    since: datetime | None = None
    until: datetime | None = None


def _conditions(criteria: AccessFilter) -> list:
    conditions = []
    if criteria.event_id:
        conditions.append(DataAccess.event_id == criteria.event_id)
    if criteria.kind:
        conditions.append(DataAccess.kind == criteria.kind)
    if criteria.user_email:
        conditions.append(DataAccess.user_email.contains(criteria.user_email.lower(), autoescape=True))
    if criteria.since:
        conditions.append(DataAccess.at >= criteria.since)
    if criteria.until:
        conditions.append(DataAccess.at < criteria.until)
    return conditions


def page_of_records(criteria: AccessFilter, page: int, per_page: int):
    conditions = _conditions(criteria)
    total = db.session.scalar(select(func.count()).select_from(DataAccess).where(*conditions))
    page = min(max(page, 1), max(1, -(-total // per_page)))
    items = list(db.session.scalars(select(DataAccess).where(*conditions)
                                    .order_by(DataAccess.at.desc(), DataAccess.id.desc())
                                    .limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, total=total, page=page, per_page=per_page)


def since_and_until(since: date | None, until: date | None, zone: str) -> tuple[datetime | None, datetime | None]:
    """A range of whole days, both ends included, in the installation's zone, as UTC bounds."""
    return (local_to_utc(datetime.combine(since, time()), zone) if since else None,
            local_to_utc(datetime.combine(until + timedelta(days=1), time()), zone) if until else None)
