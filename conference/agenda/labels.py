from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "plenary": _l("Plenary session"),
    "panel": _l("Panel discussion"),
    "seminar": _l("Seminar"),
    "expert_council": _l("Expert council meeting"),
    "project_session": _l("Project session"),
    "round_table": _l("Round table"),
    "awards": _l("Awards ceremony"),
    "break": _l("Break"),
    "networking": _l("Networking"),
}
ROLE_LABELS = {"speaker": _l("Speakers"), "moderator": _l("Moderators")}
