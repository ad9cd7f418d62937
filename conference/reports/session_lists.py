"""Who a session had: signed up (its seats), waiting, who came to its door (session check-ins), and who signed up
and did not come. A page per session and its export (conference/reports/views.py); it reads the agenda's sign-ups and
check-in's arrivals, as the report does."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from conference.agenda.models import AgendaSession, SessionSignup, SignupStatus
from conference.checkin.models import CheckIn
from conference.extensions import db
from conference.registration.labels import CATEGORY_LABELS
from conference.registration.models import ACTIVE_STATUSES, Participant
from conference.registration.services import with_references
from conference.timeutil import to_zone


@dataclass
class SessionLists:
    signed_up: list[Participant]  # holding a seat, by name
    waiting: list[Participant]  # in the order they joined the waiting list
    came: list[tuple[Participant, datetime]]  # checked in at its door (whether signed up or not), in arrival order
    no_show: list[Participant]  # holding a seat, never checked in at its door

    @property
    def people(self) -> int:
        return len({person.id for person in [*self.signed_up, *self.waiting, *(person for person, _ in self.came)]})


def session_lists(session: AgendaSession) -> SessionLists:
    signups = db.session.execute(with_references(
        select(Participant, SessionSignup.status).join(SessionSignup, SessionSignup.participant_id == Participant.id)
        .where(SessionSignup.session_id == session.id, Participant.status.in_(ACTIVE_STATUSES),
               Participant.erased_at.is_(None))
        .order_by(SessionSignup.created_at, SessionSignup.id))).unique().all()
    came = db.session.execute(with_references(
        select(Participant, CheckIn.checked_in_at).join(CheckIn, CheckIn.participant_id == Participant.id)
        .where(CheckIn.session_id == session.id, Participant.erased_at.is_(None))
        .order_by(CheckIn.checked_in_at, CheckIn.id))).unique().all()
    seated = sorted((person for person, status in signups if status == SignupStatus.REGISTERED),
                    key=lambda person: (person.last_name.lower(), person.first_name.lower(), person.id))
    arrived = {person.id for person, _at in came}
    return SessionLists(signed_up=seated,
                        waiting=[person for person, status in signups if status == SignupStatus.WAITING],
                        came=list(came), no_show=[person for person in seated if person.id not in arrived])


def tables(lists: SessionLists, timezone: str) -> list[tuple[str, list[str], list[list]]]:
    """The four lists as (title, header, rows), for the spreadsheet (a sheet each) and the CSV."""
    header = [_("Last name"), _("First name"), _("Patronymic"), _("Email"), _("Phone"), _("Organization"),
              _("Region or country"), _("Category")]

    def row(person: Participant) -> list:
        return [person.last_name, person.first_name, person.patronymic, person.email, person.phone,
                person.organization, person.place, str(CATEGORY_LABELS[person.category])]

    return [
        (_("Signed up"), header, [row(person) for person in lists.signed_up]),
        (_("Waiting list"), [_("No."), *header],
         [[number, *row(person)] for number, person in enumerate(lists.waiting, start=1)]),
        (_("Came"), [*header, _("Checked in at")],
         [[*row(person), to_zone(at, timezone).replace(tzinfo=None)] for person, at in lists.came]),
        (_("Signed up, did not come"), header, [row(person) for person in lists.no_show]),
    ]


def csv_rows(lists: SessionLists, timezone: str) -> tuple[list[str], list[list]]:
    """One table of the four: a first column says which list each row is in."""
    sheets = tables(lists, timezone)
    widest = max(sheets, key=lambda sheet: len(sheet[1]))[1]
    header = [_("List"), *[name for name in widest if name != _("No.")]]
    rows = []
    for title, columns, body in sheets:
        for values in body:
            by_name = dict(zip(columns, values, strict=True))
            rows.append([title, *[by_name.get(name) for name in header[1:]]])
    return header, rows
