"""The communications' jobs: a confirmed mailing's letters are queued at once by a job of their own, and whatever a job
cut short left unqueued is finished by the periodic run."""

from huey import crontab

from conference.jobs import job, periodic_job

# (certificates: the kind of file a job prepares; letter_texts: the event's own texts the sender looks up)
from . import certificates, letter_texts, reminders, services  # noqa: F401


@job()
def queue_mailing(mailing_id: int) -> int:
    return services.queue_letters(mailing_id)


@periodic_job(crontab(minute="*"))
def finish_mailings() -> int:
    return sum(services.queue_letters(mailing_id) for mailing_id in services.unfinished())


@periodic_job(crontab(minute="5"))
def send_reminders() -> int:
    return reminders.send_due_reminders()
