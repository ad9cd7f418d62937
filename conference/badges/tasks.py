from huey import crontab

from conference.events.models import Event
from conference.extensions import db
from conference.jobs import job, periodic_job
from conference.timeutil import utcnow

from . import services


@job()
def draw_badge_pictures(badge_ids: list[int]) -> int:
    return services.draw_pictures(badge_ids)


@job()
def rerender_badges(event_id: int) -> int:
    return _rerender([event_id])


@periodic_job(crontab(hour="3", minute="30"))
def rerender_stale_badges() -> int:
    """Nightly, for the events still to come: badges gone stale by a deployment (a new stylesheet, a new
    WeasyPrint) are rendered anew before anyone prints them."""
    return _rerender(db.session.scalars(db.select(Event.id).where(Event.ends_on >= utcnow().date())).all())


def _rerender(event_ids: list[int]) -> int:
    renewed = 0
    for event_id in event_ids:
        event = db.session.get(Event, event_id)
        ids = services.confirmed_ids(event) if event is not None else []
        for start in range(0, len(ids), services.RERENDER_STEP):
            stale = services.stale_renders(ids[start:start + services.RERENDER_STEP])
            db.session.commit()  # a step at a time, the QR pictures drawn on the way saved, the database left free
            renewed += services.render_and_keep(event, stale)
            event = db.session.get(Event, event_id)
    return renewed
