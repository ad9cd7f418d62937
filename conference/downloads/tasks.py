from huey import crontab

from conference.jobs import job, periodic_job

from . import services


@job()
def prepare(download_id: int) -> None:
    services.prepare(download_id)


@periodic_job(crontab(minute="7"))
def expire_old_downloads() -> int:
    return services.expire_old()
