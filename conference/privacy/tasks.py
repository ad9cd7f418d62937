from huey import crontab

from conference.jobs import periodic_job
from conference.mail.services import forget_recipients

from . import services


@periodic_job(crontab(hour="4", minute="10"))
def anonymise_expired_events() -> int:
    """Daily: the registrations of every event whose retention period is over are anonymised (152-FZ: personal
    data is destroyed once its purpose is reached), the statistics kept; the letters that confirmed an erasure,
    once sent, forget their address."""
    forget_recipients("erasure")
    return services.anonymise_expired()
