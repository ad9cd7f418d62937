"""The outbox's jobs: letters are sent as soon as the action that queued them commits, a retry when it is due, and
once a minute whatever is due or was left behind (a worker killed mid-batch: see services.recover_interrupted)."""

from huey import crontab

from conference.jobs import job, periodic_job

from . import services


@job(at_start=True)
def send_letters() -> dict[str, int]:
    return services.send_due()


@periodic_job(crontab(minute="*"))
def send_letters_due() -> dict[str, int]:
    return services.send_due()
