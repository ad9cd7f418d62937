"""How statuses and categories read on pages, badges and exports."""

from flask_babel import lazy_gettext as _l

from .models import RegistrationStatus

STATUS_LABELS = RegistrationStatus.labels()

CATEGORY_LABELS = {
    "participant": _l("Participant"),
    "speaker": _l("Speaker"),
    "moderator": _l("Moderator"),
    "organizer": _l("Organizer"),
    "press": _l("Press"),
    "vip": _l("VIP"),
    "staff": _l("Staff"),
}
