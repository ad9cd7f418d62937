"""Every job of the application, and the consumer's companions, imported in one place so that the queue's consumer
knows them all."""

from .badges.tasks import draw_badge_pictures, rerender_badges, rerender_stale_badges  # noqa: F401
from .checkin.tasks import copy_scan_log  # noqa: F401
from .communications.tasks import finish_mailings, queue_mailing, send_reminders  # noqa: F401
from .downloads.tasks import expire_old_downloads, prepare  # noqa: F401
from .mail.tasks import send_letters, send_letters_due  # noqa: F401
from .privacy.tasks import anonymise_expired_events  # noqa: F401
