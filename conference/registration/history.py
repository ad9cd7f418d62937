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
WRITTEN = "registration_changes"  # session.info: (transaction, {participant: the row of their change in it})


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
        if not history.has_changes():
            continue
        # (No value before: the attribute had been expired, by a commit earlier in a job or command, and was set
        # without being read again. The change is recorded all the same, its former value unknown.)
        before = history.deleted[0] if history.deleted else None
        if before == history.added[0]:
            continue
        changes[name] = [before, history.added[0]] if name in VALUES_KEPT else None
    if "email" in changes or "created_at" in state.committed_state:
        changes.pop(LINK_REPLACED, None)  # a new address, a new registration: each gets a new link, and says so
    return changes


def _merged(earlier: dict, later: dict) -> dict:
    """One action's changes over several flushes (a form's save flushes its fields, then its status): a value kept
    goes from its first «before» to its last «after»; one back where it began is no change."""
    merged = dict(earlier)
    for name, values in later.items():
        if values is not None and merged.get(name) is not None:
            values = [merged[name][0], values[1]]
        merged[name] = values
    return {name: values for name, values in merged.items() if values is None or values[0] != values[1]}


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
    # Rows are merged within one transaction (the root one: a savepoint's release is not the action's end).
    transaction, written = session.info.get(WRITTEN, (None, {}))
    if transaction is not session.get_transaction():
        transaction, written = session.info[WRITTEN] = (session.get_transaction(), {})
    for participant, registered, changes in records:
        change = written.get(participant)
        if change is not None and change in session:  # the same action again (and not rolled back): one row
            change.changes = _merged(change.changes, changes)
            change.registered = change.registered or registered
        else:
            written[participant] = RegistrationChange(participant=participant, actor=actor, user_id=user_id,
                                                      registered=registered, changes=changes)
            session.add(written[participant])
