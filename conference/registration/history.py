"""A registration's history: every flush that creates or changes a participant's registration writes who did it
and what changed (RegistrationChange), whichever service changed it: the public form, the private link, an
organizer's page or bulk action, the agenda's categories, a job. One listener rather than a line in each of those
services, so that a new way of changing a registration cannot forget it."""

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from .models import PARTICIPANT_FIELDS, ChangeActor, Participant, RegistrationChange

VALUES_KEPT = ("status", "category")  # identifying nobody; every other field is named without its values
TRACKED = PARTICIPANT_FIELDS + VALUES_KEPT
LINK_REPLACED = "link_key"  # a new private link without a new address: the old links stopped working


def _actor() -> tuple[str, int | None]:
    """Staff on the staff's pages and API; anybody else in a request is the participant (the public form, the
    private link); outside a request, a job or a command."""
    if not has_request_context():
        return ChangeActor.SYSTEM, None
    if current_user.is_authenticated and (request.path.startswith("/manage") or request.path.startswith("/api/")):
        return ChangeActor.STAFF, current_user.id
    return ChangeActor.PARTICIPANT, None


def _changes(participant: Participant) -> dict:
    state = inspect(participant)
    changes = {}
    for name in (*TRACKED, LINK_REPLACED):
        history = state.attrs[name].history
        if not history.has_changes() or not history.deleted or history.deleted[0] == history.added[0]:
            continue  # (a value set for the first time belongs to the registration itself)
        changes[name] = [history.deleted[0], history.added[0]] if name in VALUES_KEPT else None
    if "email" in changes:
        changes.pop(LINK_REPLACED, None)  # a new address always gets a new link: the address says it
    return changes


@event.listens_for(Session, "before_flush")
def _record_changes(session: Session, _context, _instances) -> None:
    records = []
    for participant in session.new:
        if isinstance(participant, Participant):
            records.append((participant, True, {}))
    for participant in session.dirty:
        if isinstance(participant, Participant) and session.is_modified(participant) \
                and participant.erased_at is None:  # (an erasure is told by erased_at itself)
            changes = _changes(participant)
            if changes:
                registered = inspect(participant).attrs.created_at.history.has_changes()
                records.append((participant, registered, changes))
    if not records:
        return
    actor, user_id = _actor()
    for participant, registered, changes in records:
        session.add(RegistrationChange(participant=participant, actor=actor, user_id=user_id,
                                       registered=registered, changes=changes))
