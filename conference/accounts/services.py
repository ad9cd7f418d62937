from functools import cache

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from conference.events.models import Event
from conference.extensions import db
from conference.i18n import current_language
from conference.mail.services import Draft, letter_kind, queue_letter
from conference.timeutil import utcnow
from conference.tokens import InvalidToken, sign, unsign

from .models import ROLES, EventMember, User

MIN_PASSWORD = 8


class UserError(ValueError):
    pass


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(email: str, password: str | None, role: str, full_name: str = "") -> User:
    """`password` None: none yet (an invited account, whose owner sets one through the invitation's link)."""
    email = email.strip().lower()
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if password is not None and len(password) < MIN_PASSWORD:
        raise UserError(f"the password must have at least {MIN_PASSWORD} characters")
    if find_user(email):
        raise UserError(f"a user with email {email} already exists")
    user = User(email=email, role=role, full_name=full_name)
    if password is None:
        user.set_no_password()
    else:
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
    """Their own account (name and password) everybody; others' as roles_managed_by says, and for an organizer
    only an account that works on their events alone: whoever also works on an event they are not in is that
    event's business too (its admins'), and a password set here would open that event to them."""
    if user.id == actor.id:
        return True
    if user.role not in roles_managed_by(actor):
        return False
    if actor.role == "admin":
        return True
    theirs = _event_ids(user.id)
    return bool(theirs) and theirs <= _event_ids(actor.id)


def _event_ids(user_id: int) -> set[int]:
    return set(db.session.scalars(select(EventMember.event_id).where(EventMember.user_id == user_id)))


def staff(actor: User) -> list[User]:
    """The accounts `actor` sees on the staff page: an admin every one; an organizer their own and those of the
    teams of their events (a regional team sees its own people, not the whole installation); anybody else their
    own. Admins first, then organizers, then check-in staff, each by email."""
    query = select(User).order_by(func.lower(User.email))
    if actor.role == "organizer":
        teams = select(EventMember.user_id).where(EventMember.event_id.in_(
            select(EventMember.event_id).where(EventMember.user_id == actor.id)))
        query = query.where(or_(User.id == actor.id, User.id.in_(teams)))
    elif actor.role != "admin":
        query = query.where(User.id == actor.id)
    return sorted(db.session.scalars(query), key=lambda user: -RANKS.index(user.role))


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


# ---- members of an event ----------------------------------------------------------------------------------

def may_open_event(user: User, event_id: int) -> bool:
    """The one test of who acts on an event: admins on every one, everybody else on the events they are members
    of."""
    if user.role == "admin":
        return True
    return db.session.get(EventMember, (event_id, user.id)) is not None


def events_of(user: User, events: list) -> list:
    """Of `events`, those `user` may open (the lists of events shown to staff)."""
    if user.role == "admin":
        return events
    mine = set(db.session.scalars(select(EventMember.event_id).where(EventMember.user_id == user.id)))
    return [event for event in events if event.id in mine]


def members_of(event_id: int) -> list[User]:
    """Organizers first, then check-in staff, each by email."""
    users = db.session.scalars(select(User).join(EventMember, EventMember.user_id == User.id)
                               .where(EventMember.event_id == event_id).order_by(func.lower(User.email)))
    return sorted(users, key=lambda user: -RANKS.index(user.role))


def add_member(event_id: int, user: User) -> bool:
    """Makes `user` a member of the event; False if they were one already or need not be (an admin)."""
    if user.role == "admin" or db.session.get(EventMember, (event_id, user.id)) is not None:
        return False
    db.session.add(EventMember(event_id=event_id, user_id=user.id))
    db.session.flush()
    return True


def organizers_of(event_id: int) -> list[User]:
    """The event's organizers who can log in: those who keep it going."""
    return [user for user in members_of(event_id) if user.role == "organizer" and user.is_enabled]


def remove_member(actor: User, event_id: int, user: User) -> None:
    """An event keeps at least one organizer of its own who can log in, unless an admin decides otherwise (admins
    manage every event, and may wind one up or hand it to a new team)."""
    member = db.session.get(EventMember, (event_id, user.id))
    if member is None:
        raise UserError("not_member")
    if actor.role != "admin" and [other.id for other in organizers_of(event_id)] == [user.id]:
        raise UserError("last_organizer")
    db.session.delete(member)
    db.session.flush()


INVITATION_DAYS = 7


def invite(event_id: int, email: str, role: str, full_name: str, language: str) -> User:
    """A new account for a new member of the event, with a password nobody knows: the letter queued here carries
    a link to set one (password_token)."""
    user = create_user(email, None, role, full_name)
    add_member(event_id, user)
    _queue_invitation(event_id, user, language)
    return user


def invite_again(event_id: int, user: User, language: str) -> None:
    """Another letter to a member of the event who has not set a password yet (the first one lost, or its link
    expired), with a new link: the links sent before stop working (a new password mark), so a letter that went
    astray is no use once this one is sent."""
    if db.session.get(EventMember, (event_id, user.id)) is None:
        raise UserError("not_member")
    if not user.awaits_password or not user.is_enabled:
        raise UserError("not_invited")
    user.set_no_password()
    db.session.flush()
    _queue_invitation(event_id, user, language)


def _queue_invitation(event_id: int, user: User, language: str) -> None:
    queue_letter("staff_invitation", user.email, language, event_id=event_id, user=user.id, event=event_id)


def password_token(user: User) -> str:
    """Signed with the account's current password mark: once a password is set with it, the mark changes and the
    link stops working (one use)."""
    return sign("set_password", {"user": user.id, "mark": user.password_mark})


def user_for_password_token(token: str) -> User | None:
    """The account a set-password link is for, or None if the link is forged, expired or already used."""
    try:
        payload = unsign("set_password", token, INVITATION_DAYS * 24 * 3600)
    except InvalidToken:
        return None
    user_id = payload.get("user") if isinstance(payload, dict) else None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_enabled or payload.get("mark") != user.password_mark:
        return None
    return user


@letter_kind("staff_invitation")
def invitation_letter(user: int, event: int) -> Draft | None:
    """Written when sent: the link carries the password mark of that moment, so a letter sent after the person
    already set a password (through an earlier letter) holds a link that no longer works, as it should."""
    account, occasion = db.session.get(User, user), db.session.get(Event, event)
    if account is None or occasion is None or not account.is_enabled:
        return None
    link = url_for("accounts.set_password", token=password_token(account), _external=True)
    title = occasion.display_title(current_language())
    return Draft(subject=_("You are invited to the team of «%(title)s»", title=title), template="accounts/invitation",
                 context={"user": account, "event": occasion, "title": title, "link": link, "days": INVITATION_DAYS})
