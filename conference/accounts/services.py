from functools import cache

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from conference.extensions import db
from conference.timeutil import utcnow

from .models import ROLES, User

MIN_PASSWORD = 8


class UserError(ValueError):
    pass


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(email: str, password: str, role: str, full_name: str = "") -> User:
    email = email.strip().lower()
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must have at least {MIN_PASSWORD} characters")
    if find_user(email):
        raise UserError(f"a user with email {email} already exists")
    user = User(email=email, role=role, full_name=full_name)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


RANKS = ("checkin", "organizer", "admin")  # least rights first: what a form offers first


def roles_managed_by(actor: User) -> tuple[str, ...]:
    """Which staff an actor may add and edit: an admin anybody; an organizer the check-in staff (volunteers for
    the morning of the conference), never an account with more rights than their own."""
    if actor.role == "admin":
        return RANKS
    if actor.role == "organizer":
        return ("checkin",)
    return ()


def may_manage(actor: User, user: User) -> bool:
    """Their own account (name and password) everybody; others' as roles_managed_by says."""
    return user.id == actor.id or user.role in roles_managed_by(actor)


def staff() -> list[User]:
    """Admins first, then organizers, then check-in staff, each by email."""
    users = db.session.scalars(select(User).order_by(func.lower(User.email)))
    return sorted(users, key=lambda user: -RANKS.index(user.role))


def update_user(actor: User, user: User, *, full_name: str, role: str, enabled: bool,
                password: str | None = None) -> None:
    """Edits a staff account on behalf of `actor`. Nobody changes their own role or disables themselves (an
    admin could lock the last admin out), nor gives a role above what they manage. A disabled account, or one
    whose password changed, is logged out everywhere at its next request (see User.get_id)."""
    if not may_manage(actor, user) or (role != user.role and role not in roles_managed_by(actor)):
        raise UserError("forbidden")
    if user.id == actor.id and (role != user.role or not enabled):
        raise UserError("own_account")
    if password:
        if len(password) < MIN_PASSWORD:
            raise UserError(f"the password must have at least {MIN_PASSWORD} characters")
        user.set_password(password)
    user.full_name, user.role, user.is_enabled = full_name, role, enabled
    db.session.flush()


@cache
def _decoy_hash() -> str:
    """Checked against when the email is unknown, so that a wrong email takes as long as a wrong password."""
    return generate_password_hash("not anyone's password")


def authenticate(email: str, password: str) -> User | None:
    user = find_user(email)
    if user is None:
        check_password_hash(_decoy_hash(), password)
        return None
    if not user.is_enabled or not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    db.session.flush()
    return user
