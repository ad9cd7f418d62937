from functools import cache

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from conference.extensions import db
from conference.timeutil import utcnow

from .models import ROLES, User


class UserError(ValueError):
    pass


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(email: str, password: str, role: str, full_name: str = "") -> User:
    email = email.strip().lower()
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise UserError("the password must have at least 8 characters")
    if find_user(email):
        raise UserError(f"a user with email {email} already exists")
    user = User(email=email, role=role, full_name=full_name)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


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
    db.session.commit()
    return user
