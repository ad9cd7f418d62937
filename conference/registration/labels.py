"""How statuses and categories read on pages, badges and exports."""

from flask_babel import lazy_gettext as _l

from .models import ChangeActor, RegistrationStatus

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

# The fields a registration's history names (registration.history), as the registration form calls them.
FIELD_LABELS = {
    "last_name": _l("Last name"),
    "first_name": _l("First name"),
    "patronymic": _l("Patronymic"),
    "email": _l("Email"),
    "phone": _l("Phone"),
    "organization": _l("Organization"),
    "organization_type_id": _l("Organization type"),
    "position": _l("Position"),
    "subject_id": _l("Region"),
    "country_id": _l("Country"),
    "city": _l("City"),
    "category": _l("Category"),
    "status": _l("Status"),
    "link_key": _l("private link replaced"),
}

ACTOR_LABELS = ChangeActor.labels()
