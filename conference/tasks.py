"""Every job of the application, imported in one place so that the queue's consumer knows them all."""

from .downloads.tasks import expire_old_downloads, prepare  # noqa: F401
from .mail.tasks import send_letters, send_letters_due  # noqa: F401
