"""How statuses and kinds of recommendations, bodies and projects read on pages."""

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "draft": _l("Draft"),
    "adopted": _l("Adopted"),
    "withdrawn": _l("Withdrawn"),
}

BODY_KIND_LABELS = {
    "government": _l("Government"),
    "ministry": _l("Ministry"),
    "agency": _l("Agency or development institution"),
    "duma_committee": _l("State Duma committee"),
    "federation_council": _l("Federation Council"),
    "region": _l("Regional authority"),
    "association": _l("Association or union"),
    "other": _l("Other"),
}

PROJECT_KIND_LABELS = {
    "national": _l("National project"),
    "federal": _l("Federal project"),
}
