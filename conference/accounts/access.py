"""The one place for role checks."""

from functools import wraps

from flask import abort
from flask_login import current_user

from conference.extensions import login_manager

STAFF_ROLES = ("admin", "organizer", "checkin")
ORGANIZER_ROLES = ("admin", "organizer")


def roles_required(*roles: str):
    """Anonymous visitors go to the log-in page; logged-in staff without one of `roles` get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


organizer_required = roles_required(*ORGANIZER_ROLES)


def is_organizer() -> bool:
    """For templates (a global, see create_app): whether the organizers' links are shown to the visitor."""
    return current_user.is_authenticated and current_user.role in ORGANIZER_ROLES
